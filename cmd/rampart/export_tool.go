package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/export"
	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
)

// toolFlags are the flags of the formats for security tools.
type toolFlags struct {
	kind, marking, producer, maxAge string
	minConfidence                   int
	sidBase, sidRange               uint64
	chunk                           int
	rpzAction                       string
	rpzTTL                          int
	includeDecayed                  bool
}

func (tf *toolFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&tf.kind, "kind", "", "only values of these `kinds`: ipv4, ipv6, cidr, ip, domain, url, md5, sha1, sha256, email")
	fs.IntVar(&tf.minConfidence, "min-confidence", 0, "only indicators of at least this `confidence` (0-100)")
	fs.StringVar(&tf.marking, "marking", "", "only indicators with one of these `markings`: TLP levels or marking-definition ids")
	fs.StringVar(&tf.producer, "producer", "", "only indicators created by these `identities` (comma-separated ids)")
	fs.StringVar(&tf.maxAge, "max-age", "", "only indicators modified within this `age` (30d, 12h)")
	fs.Uint64Var(&tf.sidBase, "sid-base", export.DefaultSIDBase, "suricata: first `sid` of the rules")
	fs.Uint64Var(&tf.sidRange, "sid-range", export.DefaultSIDRange, "suricata: how many `sids` the rules may use")
	fs.IntVar(&tf.chunk, "chunk", export.DefaultChunk, "suricata: most `addresses` per rule")
	fs.StringVar(&tf.rpzAction, "rpz-action", export.RPZNXDomain, "rpz: `action` of every trigger: nxdomain, nodata or drop")
	fs.IntVar(&tf.rpzTTL, "rpz-ttl", 300, "rpz: TTL of the records in `seconds`")
	fs.BoolVar(&tf.includeDecayed, "include-decayed", false, "also indicators whose score fell below the node's threshold")
}

// given reports whether any filter of a format for security tools is set,
// which makes "stix" a bundle of the indicators chosen.
func (tf *toolFlags) given(fs *flag.FlagSet) bool {
	return slices.ContainsFunc([]string{"kind", "min-confidence", "marking", "producer", "max-age", "include-decayed"}, func(n string) bool { return flagGiven(fs, n) })
}

// toolFilter checks the flags of the formats for security tools and
// returns the export filter and options.
func (m *Main) toolFilter(tf *toolFlags, format string) (export.Filter, export.Options, error) {
	var f export.Filter
	var o export.Options
	var err error
	if f.Kinds, err = export.ParseKinds(tf.kind); err != nil {
		return f, o, m.usagef("--kind: %v", err)
	}
	if format == "blocklist" && len(f.Kinds) == 0 {
		m.errorf("--format blocklist: name the kind of values with --kind")
		m.hintf("for example --kind ipv4, --kind domain or --kind sha256 (one kind a list is what tools expect)")
		return f, o, errUsage
	}
	if tf.minConfidence < 0 || tf.minConfidence > 100 {
		return f, o, m.usagef("--min-confidence: %d is not between 0 and 100", tf.minConfidence)
	}
	f.MinConfidence = tf.minConfidence
	for _, mk := range splitComma(tf.marking) {
		if err := export.CheckMarking(mk); err != nil {
			return f, o, m.usagef("--marking: %v", err)
		}
		f.Markings = append(f.Markings, mk)
	}
	for _, p := range splitComma(tf.producer) {
		if typ, _, err := stix.ParseID(p); err != nil || typ != "identity" {
			return f, o, m.usagef("--producer: %q is not an identity id (identity--<uuid>)", p)
		}
		f.Producers = append(f.Producers, p)
	}
	if tf.maxAge != "" {
		if f.MaxAge, err = export.ParseAge(tf.maxAge); err != nil {
			return f, o, m.usagef("--max-age: %v", err)
		}
	}
	if tf.sidBase == 0 || tf.sidRange == 0 || tf.sidBase >= 1<<32 || tf.sidRange >= 1<<32 || tf.sidBase+tf.sidRange > 1<<32 {
		return f, o, m.usagef("--sid-base %d, --sid-range %d: the sids must lie between 1 and 4294967295", tf.sidBase, tf.sidRange)
	}
	if tf.chunk < 1 {
		return f, o, m.usagef("--chunk: %d: a rule lists at least one address", tf.chunk)
	}
	o.Suricata = export.SuricataOptions{SIDBase: uint32(tf.sidBase), SIDRange: uint32(tf.sidRange), Chunk: tf.chunk}
	if err := export.CheckRPZAction(tf.rpzAction); err != nil {
		return f, o, m.usagef("--rpz-action: %v", err)
	}
	if tf.rpzTTL < 1 {
		return f, o, m.usagef("--rpz-ttl: %d: give a TTL of at least 1 second", tf.rpzTTL)
	}
	o.RPZ = export.RPZOptions{Action: tf.rpzAction, TTL: tf.rpzTTL}
	return f, o, nil
}

// exportTool writes a collection's indicators in a format for security
// tools, as the node itself reads them (every indicator, whatever its
// TLP: the files go to the operator's own tools).
func (m *Main) exportTool(ctx context.Context, job *exportJob) error {
	c, format, output := job.coll, job.format, job.output
	if len(job.filter.Types) > 0 || len(job.filter.Versions) > 0 || job.filter.AddedAfter != nil {
		return m.usagef("--format %s: --type, --all-versions and --added-after choose objects of a STIX bundle; this format writes the latest version of each indicator", format)
	}
	f, o, err := m.toolFilter(&job.tool, format)
	if err != nil {
		return err
	}
	if f.Score, err = job.node.ExportScore(ctx); err != nil {
		return err
	}
	f.IncludeDecayed = job.tool.includeDecayed
	bar := progress.New(m.Stderr, "reading indicators", 0, "indicators")
	s, err := export.Collect(ctx, job.node.Objects, []string{c.ID}, nil, f, func(read int64) { bar.Set(0, read) })
	if err != nil {
		return err
	}
	bar.Done()
	var buf bytes.Buffer
	st, err := export.Write(&buf, format, s, o)
	if err != nil {
		return err
	}
	// A file that holds anything above TLP:GREEN is for its owner alone.
	mode := os.FileMode(0o644)
	for _, in := range s.Indicators {
		if in.TLP != stix.TLPClear && in.TLP != stix.TLPGreen {
			mode = 0o600
			break
		}
	}
	var lists map[string][]byte
	if format == "suricata" {
		lists = export.SuricataLists(s, o.Suricata)
	}
	written := []string{}
	switch {
	case output == "-":
		if _, err := m.Stdout.Write(buf.Bytes()); err != nil {
			return err
		}
		if len(lists) > 0 {
			m.hintf("the file-hash rules name list files (%s): write them beside the rules with --out DIR", strings.Join(slices.Sorted(maps.Keys(lists)), ", "))
		}
	default:
		file := output
		if fi, err := os.Stat(output); (err == nil && fi.IsDir()) || strings.HasSuffix(output, "/") {
			if err := os.MkdirAll(output, 0o755); err != nil {
				return err
			}
			file = filepath.Join(output, "rampart"+exportExtension(format))
		}
		if err := atomicfile.Replace(file, buf.Bytes(), mode); err != nil {
			return fmt.Errorf("write %s: %v", file, err)
		}
		written = append(written, file)
		for _, name := range slices.Sorted(maps.Keys(lists)) {
			lf := filepath.Join(filepath.Dir(file), name)
			if err := atomicfile.Replace(lf, lists[name], mode); err != nil {
				return fmt.Errorf("write %s: %v", lf, err)
			}
			written = append(written, lf)
		}
	}
	m.exportSummary(format, c, s, st, written, time.Since(job.started))
	return nil
}

// exportExtension returns the file name extension of a format.
func exportExtension(format string) string {
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

// exportSummary prints what an export wrote and left out, on stderr.
func (m *Main) exportSummary(format string, c *rampart.Collection, s *export.Set, st export.Stats, files []string, took time.Duration) {
	unit := map[string]string{"suricata": "rule", "rpz": "record", "blocklist": "line", "csv": "row", "stix": "object"}[format]
	fmt.Fprintf(m.Stderr, "rampart: exported %s (%s) of %s from collection %s in %.1fs\n",
		plural(st.Records, unit), format, plural(s.WithValues(), "indicator"), c.ID, took.Seconds())
	for _, f := range files {
		fmt.Fprintf(m.Stderr, "rampart: wrote %s\n", f)
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(m.Stderr, "rampart: skipped, patterns %s cannot carry: %s\n", format, counts(s.Skipped))
		for _, r := range slices.Sorted(maps.Keys(s.Examples)) {
			fmt.Fprintf(m.Stderr, "rampart:   %s, e.g. %s\n", r, s.Examples[r])
		}
	}
	if len(st.Unsupported) > 0 {
		u := map[string]int{}
		for k, n := range st.Unsupported {
			u[k.String()] = n
		}
		fmt.Fprintf(m.Stderr, "rampart: values %s has no place for: %s\n", format, counts(u))
	}
	if len(s.Filtered) > 0 {
		words := map[string]string{"revoked": "revoked", "expired": "expired (valid_until passed)", "not yet valid": "not yet valid (valid_from to come)", "confidence": "below --min-confidence",
			"marking": "without a --marking", "producer": "of another --producer", "age": "older than --max-age", "kind": "without a value of --kind",
			"decayed": "decayed (score below the threshold; --include-decayed keeps them)"}
		f := map[string]int{}
		for k, n := range s.Filtered {
			f[words[k]] = n
		}
		fmt.Fprintf(m.Stderr, "rampart: left out: %s\n", counts(f))
	}
}

// counts writes counts by name: "2 revoked, 1 expired", largest first.
func counts(m map[string]int) string {
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
