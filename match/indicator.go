package match

import (
	json "encoding/json/v2"
	"fmt"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// Indicator is a STIX indicator ready for matching: its identity and
// version, its validity window and its compiled pattern. The raw JSON is not
// kept, so a million indicators fit in memory.
type Indicator struct {
	ID string
	// Modified identifies the version; a version older than the one held
	// is ignored (superseded).
	Modified   stix.Timestamp
	Name       string
	ValidFrom  time.Time
	ValidUntil time.Time // zero: no end
	Revoked    bool
	Pattern    *pattern.Pattern
}

// IndicatorError is an indicator that cannot be matched: not an indicator,
// not a STIX pattern, or a pattern that does not compile (the error then
// carries the pattern's position and snippet).
type IndicatorError struct {
	ID  string
	Err error
}

func (e *IndicatorError) Error() string {
	return fmt.Sprintf("indicator %s: %v", strconv.Quote(e.ID), e.Err)
}

func (e *IndicatorError) Unwrap() error { return e.Err }

// ErrNotSTIXPattern reports an indicator whose pattern_type is not "stix"
// (Sigma, YARA, Snort, …): those are stored but never matched here.
var ErrNotSTIXPattern = fmt.Errorf("pattern_type is not stix")

type indicatorJSON struct {
	Name        string `json:"name"`
	Pattern     string `json:"pattern"`
	PatternType string `json:"pattern_type"`
	ValidFrom   string `json:"valid_from"`
	ValidUntil  string `json:"valid_until"`
}

// ParseIndicator reads a STIX indicator object and compiles its pattern.
// It returns an *IndicatorError for anything that prevents matching,
// wrapping ErrNotSTIXPattern for other pattern languages and the pattern
// package's positioned error for an invalid pattern.
func ParseIndicator(o *stix.Object) (*Indicator, error) {
	fail := func(err error) (*Indicator, error) { return nil, &IndicatorError{ID: o.ID, Err: err} }
	if o.Type != "indicator" {
		return fail(fmt.Errorf("type is %q, not indicator", o.Type))
	}
	var j indicatorJSON
	if err := o.Decode(&j); err != nil {
		return fail(err)
	}
	return fromJSON(o, &j)
}

// fromJSON finishes an indicator from its header and decoded properties.
func fromJSON(o *stix.Object, j *indicatorJSON) (*Indicator, error) {
	fail := func(err error) (*Indicator, error) { return nil, &IndicatorError{ID: o.ID, Err: err} }
	if j.PatternType != "stix" && !(j.PatternType == "" && o.SpecVersion == "2.0") {
		return fail(fmt.Errorf("%w (got %q)", ErrNotSTIXPattern, j.PatternType))
	}
	if j.Pattern == "" {
		return fail(fmt.Errorf("pattern is required"))
	}
	ind := &Indicator{ID: o.ID, Modified: o.Version(), Name: j.Name, Revoked: o.Revoked}
	if j.ValidFrom != "" {
		ts, err := stix.ParseTimestamp(j.ValidFrom)
		if err != nil {
			return fail(fmt.Errorf("valid_from: %v", err))
		}
		ind.ValidFrom = ts.Time()
	}
	if j.ValidUntil != "" {
		ts, err := stix.ParseTimestamp(j.ValidUntil)
		if err != nil {
			return fail(fmt.Errorf("valid_until: %v", err))
		}
		ind.ValidUntil = ts.Time()
		if !ind.ValidFrom.IsZero() && !ind.ValidUntil.After(ind.ValidFrom) {
			return fail(fmt.Errorf("valid_until must be later than valid_from (got %s <= %s)", j.ValidUntil, j.ValidFrom))
		}
	}
	p, err := pattern.Compile(j.Pattern)
	if err != nil {
		return fail(fmt.Errorf("pattern: %w", err))
	}
	ind.Pattern = p
	return ind, nil
}

// indicatorDoc is the part of an indicator's JSON that matching needs,
// read in one pass by ParseIndicatorJSON.
type indicatorDoc struct {
	Type        string  `json:"type"`
	ID          string  `json:"id"`
	SpecVersion *string `json:"spec_version"`
	Created     *string `json:"created"`
	Modified    *string `json:"modified"`
	Revoked     bool    `json:"revoked"`
	indicatorJSON
}

// ParseIndicatorJSON reads an indicator from its JSON text in one pass,
// without keeping the JSON: the bulk path for loading large feeds. It
// checks the identifier and timestamps as stix.ParseObject does. It returns
// (nil, nil) for an object that is not an indicator, and an
// *IndicatorError as ParseIndicator does.
func ParseIndicatorJSON(data []byte) (*Indicator, error) {
	var d indicatorDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, &IndicatorError{ID: d.ID, Err: fmt.Errorf("malformed JSON: %v", err)}
	}
	if d.Type != "indicator" {
		return nil, nil
	}
	fail := func(err error) (*Indicator, error) { return nil, &IndicatorError{ID: d.ID, Err: err} }
	if typ, _, err := stix.ParseID(d.ID); err != nil || typ != "indicator" {
		return fail(fmt.Errorf("id must be of the form indicator--UUID (got %q)", d.ID))
	}
	var created, modified stix.Timestamp
	var err error
	if d.Created != nil {
		if created, err = stix.ParseTimestamp(*d.Created); err != nil {
			return fail(fmt.Errorf("created: %v", err))
		}
	}
	if d.Modified != nil {
		if modified, err = stix.ParseTimestamp(*d.Modified); err != nil {
			return fail(fmt.Errorf("modified: %v", err))
		}
	}
	specVersion := "2.1"
	if d.SpecVersion != nil {
		specVersion = *d.SpecVersion
	} else if d.Created != nil {
		specVersion = "2.0"
	}
	o := &stix.Object{Type: d.Type, ID: d.ID, SpecVersion: specVersion, Created: created, Modified: modified, Revoked: d.Revoked}
	return fromJSON(o, &d.indicatorJSON)
}

// ValidAt reports whether the indicator applies to activity at t: not
// revoked, at or after valid_from and before valid_until.
func (ind *Indicator) ValidAt(t time.Time) bool {
	if ind.Revoked || t.Before(ind.ValidFrom) {
		return false
	}
	return ind.ValidUntil.IsZero() || t.Before(ind.ValidUntil)
}
