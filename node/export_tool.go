package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart/export"
	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/stix"
)

// ToolExport is an export of a collection's indicators in a format for
// security tools (export.Formats), as "rampart export" gives it: the
// filters and options as its flags write them.
type ToolExport struct {
	CollectionID string
	Format       string
	// Kind, Marking and Producer are comma-separated lists; MaxAge an age
	// ("30d", "12h").
	Kind, Marking, Producer, MaxAge string
	MinConfidence                   int
	IncludeDecayed                  bool
	// SIDBase, SIDRange and Chunk are Suricata's; RPZAction and RPZTTL the
	// zone's.
	SIDBase, SIDRange uint64
	Chunk             int
	RPZAction         string
	RPZTTL            int
}

// DefaultToolExport returns an export with the options no flag changes:
// Suricata's first sid, sid range and addresses a rule, and an RPZ zone
// that answers NXDOMAIN with records of 300 seconds.
func DefaultToolExport() ToolExport {
	return ToolExport{SIDBase: export.DefaultSIDBase, SIDRange: export.DefaultSIDRange, Chunk: export.DefaultChunk,
		RPZAction: export.RPZNXDomain, RPZTTL: 300}
}

// ErrNoKind is the error of a blocklist export that names no kind of
// value: a blocklist holds values of one kind.
var ErrNoKind = errors.New("--format blocklist: name the kind of values with --kind")

// Check reads the filters and options of the export. Its errors name the
// flag and the bad value; ErrNoKind for a blocklist without a kind.
func (x ToolExport) Check() (export.Filter, export.Options, error) {
	var f export.Filter
	var o export.Options
	var err error
	if f.Kinds, err = export.ParseKinds(x.Kind); err != nil {
		return f, o, fmt.Errorf("--kind: %v", err)
	}
	if x.Format == "blocklist" && len(f.Kinds) == 0 {
		return f, o, ErrNoKind
	}
	if x.MinConfidence < 0 || x.MinConfidence > 100 {
		return f, o, fmt.Errorf("--min-confidence: %d is not between 0 and 100", x.MinConfidence)
	}
	f.MinConfidence, f.IncludeDecayed = x.MinConfidence, x.IncludeDecayed
	for _, mk := range commaList(x.Marking) {
		if err := export.CheckMarking(mk); err != nil {
			return f, o, fmt.Errorf("--marking: %v", err)
		}
		f.Markings = append(f.Markings, mk)
	}
	for _, p := range commaList(x.Producer) {
		if typ, _, err := stix.ParseID(p); err != nil || typ != "identity" {
			return f, o, fmt.Errorf("--producer: %q is not an identity id (identity--<uuid>)", p)
		}
		f.Producers = append(f.Producers, p)
	}
	if x.MaxAge != "" {
		if f.MaxAge, err = export.ParseAge(x.MaxAge); err != nil {
			return f, o, fmt.Errorf("--max-age: %v", err)
		}
	}
	if x.SIDBase == 0 || x.SIDRange == 0 || x.SIDBase >= 1<<32 || x.SIDRange >= 1<<32 || x.SIDBase+x.SIDRange > 1<<32 {
		return f, o, fmt.Errorf("--sid-base %d, --sid-range %d: the sids must lie between 1 and 4294967295", x.SIDBase, x.SIDRange)
	}
	if x.Chunk < 1 {
		return f, o, fmt.Errorf("--chunk: %d: a rule lists at least one address", x.Chunk)
	}
	o.Suricata = export.SuricataOptions{SIDBase: uint32(x.SIDBase), SIDRange: uint32(x.SIDRange), Chunk: x.Chunk}
	if err := export.CheckRPZAction(x.RPZAction); err != nil {
		return f, o, fmt.Errorf("--rpz-action: %v", err)
	}
	if x.RPZTTL < 1 {
		return f, o, fmt.Errorf("--rpz-ttl: %d: give a TTL of at least 1 second", x.RPZTTL)
	}
	o.RPZ = export.RPZOptions{Action: x.RPZAction, TTL: x.RPZTTL}
	return f, o, nil
}

// commaList splits a comma-separated list, dropping empty items.
func commaList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ToolFile is an export for security tools, written.
type ToolFile struct {
	Format string
	Set    *export.Set
	Stats  export.Stats
	Body   []byte
	// Lists are the list files Suricata's file-hash rules name, by file
	// name.
	Lists map[string][]byte
	// Restricted says an indicator is above TLP:GREEN: the files are then
	// for their owner alone.
	Restricted bool
}

// ExportTool writes the indicators of the collection x names in its
// format, as the node itself reads them (every indicator, whatever its
// TLP: the files go to the operator's own tools), leaving out those whose
// lifecycle score decayed unless x.IncludeDecayed. progress, when set, is
// told how many versions were read. Errors are those of Check, the
// store's and the writer's.
func (n *Node) ExportTool(ctx context.Context, x ToolExport, progress func(read int64)) (*ToolFile, error) {
	f, o, err := x.Check()
	if err != nil {
		return nil, err
	}
	if f.Score, err = n.ExportScore(ctx); err != nil {
		return nil, err
	}
	s, err := export.Collect(ctx, n.Objects, []string{x.CollectionID}, nil, f, progress)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	st, err := export.Write(&buf, x.Format, s, o)
	if err != nil {
		return nil, err
	}
	t := &ToolFile{Format: x.Format, Set: s, Stats: st, Body: buf.Bytes()}
	t.Restricted = slices.ContainsFunc(s.Indicators, func(in *export.Indicator) bool {
		return in.TLP != stix.TLPClear && in.TLP != stix.TLPGreen
	})
	if x.Format == "suricata" {
		t.Lists = export.SuricataLists(s, o.Suricata)
	}
	return t, nil
}

// Save writes the export to the file out, or into the directory out (one
// that exists, or a name ending in "/", made) as "rampart" with the
// format's extension, and the lists beside it, each replaced atomically:
// readable by all unless Restricted, then by the owner alone. It returns
// the files written.
func (t *ToolFile) Save(out string) ([]string, error) {
	mode := os.FileMode(0o644)
	if t.Restricted {
		mode = 0o600
	}
	file := out
	if fi, err := os.Stat(out); (err == nil && fi.IsDir()) || strings.HasSuffix(out, "/") {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, err
		}
		file = filepath.Join(out, "rampart"+toolExtension(t.Format))
	}
	if err := atomicfile.Replace(file, t.Body, mode); err != nil {
		return nil, fmt.Errorf("write %s: %v", file, err)
	}
	written := []string{file}
	for _, name := range slices.Sorted(maps.Keys(t.Lists)) {
		lf := filepath.Join(filepath.Dir(file), name)
		if err := atomicfile.Replace(lf, t.Lists[name], mode); err != nil {
			return written, fmt.Errorf("write %s: %v", lf, err)
		}
		written = append(written, lf)
	}
	return written, nil
}

// toolExtension returns the file name extension of a format.
func toolExtension(format string) string {
	switch format {
	case "suricata":
		return ".rules"
	case "rpz":
		return ".zone"
	case "blocklist":
		return ".txt"
	case "csv":
		return ".csv"
	}
	return ".json"
}
