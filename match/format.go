package match

import (
	"fmt"
	"io"
	"strings"
)

// Formats are the log formats NewReader reads: JSON lines keyed by STIX
// object paths (or mapped by a Mapping), STIX bundles of observed-data,
// Zeek logs (TSV or JSON), Suricata EVE JSON and CSV with a header row.
var formats = []string{"jsonl", "stix", "zeek", "suricata", "csv"}

// Formats returns the names NewReader accepts.
func Formats() []string { return append([]string(nil), formats...) }

// NewReader returns the reader of a log format by name ("json" is a
// synonym of "jsonl"), with the mapping m where the format takes one (nil
// for none). It returns an error naming the formats for an unknown name.
// The CLI and the JSON API both choose their reader here.
func NewReader(format string, r io.Reader, m *Mapping) (Reader, error) {
	switch format {
	case "", "jsonl", "json":
		return NewJSONLinesReader(r, m), nil
	case "stix":
		if m != nil {
			return nil, fmt.Errorf("format stix takes no mapping: STIX objects name their properties")
		}
		return NewSTIXReader(r), nil
	case "zeek":
		return NewZeekReader(r, m), nil
	case "suricata", "eve":
		if m != nil {
			return nil, fmt.Errorf("format suricata takes no mapping: EVE events are read as documented for SuricataReader")
		}
		return NewSuricataReader(r), nil
	case "csv":
		return NewCSVReader(r, m), nil
	}
	return nil, fmt.Errorf("format %q is not one of %s", format, strings.Join(formats, ", "))
}
