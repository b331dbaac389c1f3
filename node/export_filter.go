package node

import (
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// BundleExport chooses the objects "rampart export --format stix" writes
// as they are: every version or the latest, of some types, added after a
// time.
type BundleExport struct {
	AllVersions bool
	// Types is a comma-separated list of STIX types; AddedAfter a STIX
	// timestamp.
	Types, AddedAfter string
}

// Filter returns the object filter of the export and warnings about types
// that are neither STIX 2.1's nor custom (x-) ones, perhaps misspelt. It
// fails on a malformed type or timestamp, naming the flag.
func (b BundleExport) Filter() (rampart.ObjectFilter, []string, error) {
	var f rampart.ObjectFilter
	var warnings []string
	if b.AllVersions {
		f.Versions = []string{rampart.VersionAll}
		f.SpecVersions = []string{"2.0", "2.1"}
	}
	for _, typ := range commaList(b.Types) {
		if err := stix.CheckTypeName(typ); err != nil {
			return f, warnings, fmt.Errorf("--type: %v", err)
		}
		if stix.CategoryOf(typ) == stix.Custom && !strings.HasPrefix(typ, "x-") {
			warnings = append(warnings, fmt.Sprintf("--type: %q is not a STIX 2.1 type (nor an x- custom one); is it spelt right?", typ))
		}
		f.Types = append(f.Types, typ)
	}
	if b.AddedAfter != "" {
		ts, err := stix.ParseTimestamp(b.AddedAfter)
		if err != nil {
			return f, warnings, fmt.Errorf("--added-after: %v", err)
		}
		t := ts.Time()
		f.AddedAfter = &t
	}
	return f, warnings, nil
}
