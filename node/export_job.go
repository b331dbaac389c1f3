package node

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
)

// ExportFormats are the formats "rampart export" writes, sorted.
var ExportFormats = []string{"blocklist", "csv", "misp", "misp-feed", "rpz", "stix", "suricata"}

// ExportJob is what "rampart export" is asked: a format, where it goes,
// and the flags that choose what is written. Check it before opening the
// node: its errors are the command's usage errors.
type ExportJob struct {
	Format string
	// Output is a file or directory, "-" for standard output.
	Output string
	// Bundle chooses the objects of a STIX bundle; Tool holds the filters
	// and options of the formats for security tools, and ToolGiven says a
	// filter of them was given, which makes "stix" a bundle of the
	// indicators chosen.
	Bundle    BundleExport
	Tool      ToolExport
	ToolGiven bool
	// Filter is the object filter of a bundle, set by Check.
	Filter rampart.ObjectFilter
}

// Kind says which way the job is written: "bundle" (the objects as they
// are), "misp" (events), or "tool" (indicators for security tools).
func (j *ExportJob) Kind() string {
	switch {
	case j.Format == "stix" && !j.ToolGiven:
		return "bundle"
	case strings.HasPrefix(j.Format, "misp"):
		return "misp"
	}
	return "tool"
}

// Check refuses a job that cannot be written: an unknown format, a bad
// filter, flags that do not apply to the format. It sets Filter and
// Tool.Format, and returns warnings about types perhaps misspelt. Its
// errors are *ConfigError, with a hint for a blocklist without a kind.
func (j *ExportJob) Check() (warnings []string, err error) {
	if !slices.Contains(ExportFormats, j.Format) {
		return nil, configErrorf("--format: %q is not an export format: use %s", j.Format, strings.Join(ExportFormats, ", "))
	}
	if j.Filter, warnings, err = j.Bundle.Filter(); err != nil {
		return warnings, &ConfigError{Msg: err.Error()}
	}
	j.Tool.Format = j.Format
	chosen := len(j.Filter.Types) > 0 || len(j.Filter.Versions) > 0 || j.Filter.AddedAfter != nil
	switch j.Kind() {
	case "misp":
		if chosen || j.ToolGiven {
			return warnings, configErrorf("--format %s writes every event of the collection: --all-versions, --type, --added-after and the filters of the security-tool formats do not apply", j.Format)
		}
		if j.Format == "misp-feed" && j.Output == "-" {
			return warnings, configErrorf("--format misp-feed writes a directory: give --out DIR")
		}
	case "tool":
		if chosen {
			return warnings, configErrorf("--format %s: --type, --all-versions and --added-after choose objects of a STIX bundle; this format writes the latest version of each indicator", j.Format)
		}
		if _, _, err := j.Tool.Check(); errors.Is(err, ErrNoKind) {
			return warnings, &ConfigError{Msg: err.Error(), Hint: "for example --kind ipv4, --kind domain or --kind sha256 (one kind a list is what tools expect)"}
		} else if err != nil {
			return warnings, &ConfigError{Msg: err.Error()}
		}
	}
	return warnings, nil
}

// CreateExportFile creates (or truncates) the file an export that writes
// one stream writes, readable by its owner alone: what a collection holds
// may be TLP:AMBER or RED.
func CreateExportFile(name string) (io.WriteCloser, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// leftOutWords say why indicators were left out, by export.Set.Filtered's
// reasons.
var leftOutWords = map[string]string{"revoked": "revoked", "expired": "expired (valid_until passed)", "not yet valid": "not yet valid (valid_from to come)",
	"confidence": "below --min-confidence", "marking": "without a --marking", "producer": "of another --producer", "age": "older than --max-age",
	"kind": "without a value of --kind", "decayed": "decayed (score below the threshold; --include-decayed keeps them)"}

// Summary says in lines what the export of the collection wrote, in how
// long, into which files, and what it skipped and left out, and why.
func (t *ToolFile) Summary(collection string, took time.Duration, files []string) []string {
	s, st := t.Set, t.Stats
	unit := map[string]string{"suricata": "rule", "rpz": "record", "blocklist": "line", "csv": "row", "stix": "object"}[t.Format]
	lines := []string{fmt.Sprintf("exported %s (%s) of %s from collection %s in %.1fs",
		countOf(st.Records, unit, unit+"s"), t.Format, countOf(s.WithValues(), "indicator", "indicators"), collection, took.Seconds())}
	for _, f := range files {
		lines = append(lines, "wrote "+f)
	}
	if len(s.Skipped) > 0 {
		lines = append(lines, fmt.Sprintf("skipped, patterns %s cannot carry: %s", t.Format, countsText(s.Skipped)))
		for _, r := range slices.Sorted(maps.Keys(s.Examples)) {
			lines = append(lines, fmt.Sprintf("  %s, e.g. %s", r, s.Examples[r]))
		}
	}
	u, f := map[string]int{}, map[string]int{}
	for k, n := range st.Unsupported {
		u[k.String()] = n
	}
	for k, n := range s.Filtered {
		f[leftOutWords[k]] = n
	}
	if len(u) > 0 {
		lines = append(lines, fmt.Sprintf("values %s has no place for: %s", t.Format, countsText(u)))
	}
	if len(f) > 0 {
		lines = append(lines, "left out: "+countsText(f))
	}
	return lines
}

// countsText writes counts by name: "2 revoked, 1 expired", largest
// first.
func countsText(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}
