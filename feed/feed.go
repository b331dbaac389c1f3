package feed

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Format is how a feed's body is written.
type Format string

// The formats a feed may have.
const (
	// FormatTAXII is a TAXII 2.1 collection, read with an added_after
	// cursor; its objects are stored as they are.
	FormatTAXII Format = "taxii"
	// FormatMISP is a MISP feed (manifest.json, one file per event).
	FormatMISP Format = "misp"
	// FormatCSV is delimited text with named or numbered columns.
	FormatCSV Format = "csv"
	// FormatList is one value per line.
	FormatList Format = "list"
	// FormatJSONL is one JSON object per line.
	FormatJSONL Format = "jsonl"
	// FormatJSON is a JSON array of objects (or objects one after another).
	FormatJSON Format = "json"
)

// Formats lists every Format, for usage texts.
var Formats = []Format{FormatTAXII, FormatMISP, FormatCSV, FormatList, FormatJSONL, FormatJSON}

// Limits on a feed definition.
const (
	// MinInterval is the shortest interval between two scheduled runs.
	MinInterval = time.Second
	// DefaultInterval is a feed's interval when none is given.
	DefaultInterval = time.Hour
	// DefaultExpiry is how long an indicator stays valid after its value
	// was last seen, when the feed says nothing.
	DefaultExpiry = 7 * 24 * time.Hour
	// DefaultConfidence is the confidence of a feed's indicators when none
	// is given (STIX 0-100 scale).
	DefaultConfidence = 50
)

// Feed is one feed definition. The zero values of the reading options
// mean: no comments, "," as separator, no header, the first column (or
// field "value") holds the value, whose kind is guessed.
type Feed struct {
	// Name identifies the feed: letters, digits, '.', '-' and '_'.
	Name   string `json:"name"`
	URL    string `json:"url"`
	Format Format `json:"format"`
	// Preset names the preset the reading options came from (informative).
	Preset string `json:"preset,omitempty"`

	// Separator splits a csv line into columns ("\t" for tabs, "|" ...).
	Separator string `json:"separator,omitempty"`
	// Comment starts lines (after leading spaces) that are skipped: "#",
	// ";".
	Comment string `json:"comment,omitempty"`
	// Header says the first line that is not a comment names the columns.
	Header bool `json:"header,omitempty"`
	// Columns names the columns of a csv feed without a header.
	Columns []string `json:"columns,omitempty"`
	// Records, for json and jsonl, is the field of each top-level object
	// that holds an array of records (OTX: "indicators"); empty, the
	// top-level objects are the records.
	Records string `json:"records,omitempty"`

	// Value is the column (name, or 1-based index, negative from the end)
	// or field (dotted path, "details.0.ip_address") that holds the
	// value; several, separated by "|", are tried in order. A field
	// starting with "^" is read from the enclosing object of Records.
	Value string `json:"value,omitempty"`
	// Kind is the kind of every value (ipv4, ipv6, cidr, domain, url, md5,
	// sha1, sha256, email, asn), or "auto" (or empty) to tell it from the
	// value's shape.
	Kind Kind `json:"kind,omitempty"`
	// KindField is a column or field naming each record's kind in the
	// feed's own words ("IPv4", "FileHash-SHA256", "hostname"); it wins
	// over Kind when set and understood.
	KindField string `json:"kind_field,omitempty"`
	// Prefix is the column holding a prefix length that makes the value a
	// CIDR block (DShield's "Netblock").
	Prefix string `json:"prefix,omitempty"`
	// FirstSeen, Description, Port and TLP are optional columns or fields:
	// when the value was first seen (valid_from), words for the
	// indicator's description (several, separated by ",", are joined),
	// a port (added to the description) and a per-record TLP level that
	// applies when stricter than the feed's.
	FirstSeen   string `json:"first_seen,omitempty"`
	Description string `json:"description,omitempty"`
	Port        string `json:"port,omitempty"`
	TLP         string `json:"tlp_field,omitempty"`

	// Interval between scheduled runs.
	Interval Duration `json:"interval,omitzero"`
	// Producer names who publishes the feed; it becomes an identity SDO
	// (with a deterministic id) named in created_by_ref.
	Producer string `json:"producer,omitempty"`
	// Confidence of the indicators (0-100).
	Confidence *int `json:"confidence,omitempty"`
	// Marking is the TLP level of the indicators ("clear", "green",
	// "amber", "amber+strict", "red").
	Marking string `json:"marking,omitempty"`
	// Expiry is how long an indicator stays valid after its value was last
	// seen (valid_until = last seen + Expiry).
	Expiry Duration `json:"expiry,omitzero"`
	// APIRoot and Collection name where the indicators are stored.
	APIRoot    string `json:"api_root,omitempty"`
	Collection string `json:"collection,omitempty"`

	// Token is sent as a bearer token (TAXII, HTTP); Headers are added to
	// every HTTP request (an API key). Both are secrets: they stay in the
	// node's settings and are never printed.
	Token   string            `json:"token,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`

	// MaxBodyBytes overrides the fetcher's limit for this feed (0: the
	// default).
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Check reports the first problem of the definition, naming the field and
// the bad value; nil when the feed can run.
func (f *Feed) Check() error {
	if !nameRE.MatchString(f.Name) {
		return fmt.Errorf("feed name %q: use 1 to 64 letters, digits, '.', '-' or '_', beginning with a letter or digit", f.Name)
	}
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("feed %s: url %q is not an http or https URL", f.Name, f.URL)
	}
	switch f.Format {
	case FormatTAXII, FormatMISP, FormatCSV, FormatList, FormatJSONL, FormatJSON:
	case "":
		return fmt.Errorf("feed %s: a format is required (one of %s)", f.Name, formatList())
	default:
		return fmt.Errorf("feed %s: format %q is not one of %s", f.Name, f.Format, formatList())
	}
	if f.Format == FormatTAXII && !strings.Contains(strings.TrimSuffix(u.Path, "/"), "/collections/") {
		return fmt.Errorf("feed %s: url %q is not a TAXII 2.1 collection URL (https://HOST/API-ROOT/collections/ID/)", f.Name, redact(f.URL))
	}
	if f.Kind != "" && f.Kind != KindAuto {
		if _, ok := kinds[f.Kind]; !ok {
			return fmt.Errorf("feed %s: kind %q is not one of %s", f.Name, f.Kind, kindList())
		}
	}
	if f.Interval.D != 0 && f.Interval.D < MinInterval {
		return fmt.Errorf("feed %s: interval %s is shorter than the minimum %s", f.Name, f.Interval.D, MinInterval)
	}
	if f.Expiry.D < 0 {
		return fmt.Errorf("feed %s: expiry %s is negative", f.Name, f.Expiry.D)
	}
	if c := f.Confidence; c != nil && (*c < 0 || *c > 100) {
		return fmt.Errorf("feed %s: confidence %d is not within 0-100", f.Name, *c)
	}
	if f.Marking != "" {
		if _, err := stix.ParseTLP(f.Marking); err != nil {
			return fmt.Errorf("feed %s: marking: %v", f.Name, err)
		}
	}
	for k := range f.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			return fmt.Errorf("feed %s: header name %q is not a valid HTTP header name", f.Name, k)
		}
	}
	return nil
}

// EffectiveInterval returns the interval, DefaultInterval when unset.
func (f *Feed) EffectiveInterval() time.Duration {
	if f.Interval.D <= 0 {
		return DefaultInterval
	}
	return f.Interval.D
}

// EffectiveExpiry returns the expiry, DefaultExpiry when unset.
func (f *Feed) EffectiveExpiry() time.Duration {
	if f.Expiry.D <= 0 {
		return DefaultExpiry
	}
	return f.Expiry.D
}

// EffectiveConfidence returns the confidence, DefaultConfidence when unset.
func (f *Feed) EffectiveConfidence() int {
	if f.Confidence == nil {
		return DefaultConfidence
	}
	return *f.Confidence
}

// EffectiveTLP returns the feed's TLP level (TLPUnmarked when none).
func (f *Feed) EffectiveTLP() stix.TLP {
	t, _ := stix.ParseTLP(f.Marking)
	return t
}

func formatList() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Duration is a time.Duration written in JSON as Go writes durations
// ("1h30m").
type Duration struct{ D time.Duration }

// MarshalJSONTo writes the duration as a string.
func (d Duration) MarshalJSONTo(enc *jsontext.Encoder) error {
	return enc.WriteToken(jsontext.String(d.D.String()))
}

// UnmarshalJSONFrom reads a duration string.
func (d *Duration) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var s string
	if err := json.UnmarshalDecode(dec, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %v", s, err)
	}
	d.D = v
	return nil
}

// IsZero reports an unset duration (for omitzero).
func (d Duration) IsZero() bool { return d.D == 0 }
