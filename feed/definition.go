package feed

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Definition is a feed as an operator defines it ("rampart feed add"): a
// preset to start from, the settings given, which win over the preset's,
// and the collection the indicators go to.
type Definition struct {
	Name   string
	Preset string
	// Given holds the settings given, by the names of "rampart feed add"'s
	// flags ("url", "format", "header-row", "interval", "confidence"…),
	// each value as text (a flag.Value's String). Names that are not
	// settings of a feed are ignored, so a command may pass every flag it
	// was given.
	Given map[string]string
	// Headers are HTTP headers sent with each request, "NAME: VALUE".
	Headers             []string
	APIRoot, Collection string
}

// Define returns the feed d defines: the preset's definition with the
// settings given applied. It fails on an unknown preset, a malformed
// header or a setting that does not read as its type, naming the flag; the
// feed is not checked (see CheckNew).
func Define(d Definition) (*Feed, error) {
	f := &Feed{}
	if d.Preset != "" {
		p, ok := Preset(d.Preset)
		if !ok {
			return nil, fmt.Errorf("--preset: no preset %q (presets: %s)", d.Preset, strings.Join(Presets(), ", "))
		}
		f = &p
	}
	f.Name, f.APIRoot, f.Collection = d.Name, d.APIRoot, d.Collection
	for name, v := range d.Given {
		if err := f.set(name, v); err != nil {
			return nil, fmt.Errorf("--%s %q: %v", name, v, err)
		}
	}
	if f.Separator == `\t` {
		f.Separator = "\t"
	}
	for _, h := range d.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("--http-header %q: want NAME: VALUE", h)
		}
		f.SetHeader(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return f, nil
}

// SetHeader sets an HTTP header sent with each request.
func (f *Feed) SetHeader(name, value string) {
	if f.Headers == nil {
		f.Headers = map[string]string{}
	}
	f.Headers[name] = value
}

// text returns the field of a setting held as text as it is given, nil
// for other names.
func (f *Feed) text(name string) *string {
	return map[string]*string{
		"url": &f.URL, "separator": &f.Separator, "comment": &f.Comment, "records": &f.Records,
		"value": &f.Value, "kind-field": &f.KindField, "prefix": &f.Prefix, "first-seen": &f.FirstSeen,
		"description": &f.Description, "port": &f.Port, "tlp-field": &f.TLP, "producer": &f.Producer,
		"marking": &f.Marking,
	}[name]
}

// set applies one setting given by its flag name.
func (f *Feed) set(name, v string) error {
	if p := f.text(name); p != nil {
		*p = v
		return nil
	}
	var err error
	switch name {
	case "format":
		f.Format = Format(v)
	case "kind":
		f.Kind = Kind(v)
	case "header-row":
		f.Header, err = strconv.ParseBool(v)
	case "columns":
		f.Columns = nil
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				f.Columns = append(f.Columns, c)
			}
		}
	case "interval":
		f.Interval.D, err = time.ParseDuration(v)
	case "expiry":
		f.Expiry.D, err = time.ParseDuration(v)
	case "confidence":
		var c int
		c, err = strconv.Atoi(v)
		f.Confidence = &c
	case "max-body":
		f.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64)
	}
	return err
}

// CheckNew reports what a new definition lacks, a URL or a format, naming
// the flags that give them, and then the problems Check finds.
func (f *Feed) CheckNew() error {
	if f.URL == "" {
		if f.Preset != "" {
			return fmt.Errorf("feed add %s: preset %s has no public URL: give --url", f.Name, f.Preset)
		}
		return fmt.Errorf("feed add %s: give --url (or a --preset)", f.Name)
	}
	if f.Format == "" {
		return fmt.Errorf("feed add %s: give --format (csv, list, json, jsonl, taxii, misp) or a --preset", f.Name)
	}
	return f.Check()
}
