package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var (
	exportUsage    = helpText("export-usage.txt")
	exportExamples = helpText("export-examples.txt")
)

// exportFormats are the values of --format, sorted.
var exportFormats = []string{"blocklist", "csv", "misp", "misp-feed", "rpz", "stix", "suricata"}

// exportJob is what "export" was asked.
type exportJob struct {
	node   *node.Node
	coll   *rampart.Collection
	format string
	output string
	filter rampart.ObjectFilter // --all-versions, --type, --added-after
	// tool holds the flags of the formats for security tools; toolGiven
	// says one of their filters was given, which makes "stix" a bundle of
	// the indicators chosen.
	tool      node.ToolExport
	toolGiven bool
	started   time.Time
}

// registerTool registers the flags of the formats for security tools.
func registerTool(fs *flag.FlagSet, t *node.ToolExport) {
	d := node.DefaultToolExport()
	fs.StringVar(&t.Kind, "kind", "", "only values of these `kinds`: ipv4, ipv6, cidr, ip, domain, url, md5, sha1, sha256, email")
	fs.IntVar(&t.MinConfidence, "min-confidence", 0, "only indicators of at least this `confidence` (0-100)")
	fs.StringVar(&t.Marking, "marking", "", "only indicators with one of these `markings`: TLP levels or marking-definition ids")
	fs.StringVar(&t.Producer, "producer", "", "only indicators created by these `identities` (comma-separated ids)")
	fs.StringVar(&t.MaxAge, "max-age", "", "only indicators modified within this `age` (30d, 12h)")
	fs.Uint64Var(&t.SIDBase, "sid-base", d.SIDBase, "suricata: first `sid` of the rules")
	fs.Uint64Var(&t.SIDRange, "sid-range", d.SIDRange, "suricata: how many `sids` the rules may use")
	fs.IntVar(&t.Chunk, "chunk", d.Chunk, "suricata: most `addresses` per rule")
	fs.StringVar(&t.RPZAction, "rpz-action", d.RPZAction, "rpz: `action` of every trigger: nxdomain, nodata or drop")
	fs.IntVar(&t.RPZTTL, "rpz-ttl", d.RPZTTL, "rpz: TTL of the records in `seconds`")
	fs.BoolVar(&t.IncludeDecayed, "include-decayed", false, "also indicators whose score fell below the node's threshold")
}

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var sf storeFlags
	var b node.BundleExport
	sf.register(fs, m.Getenv)
	root := fs.String("api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	coll := fs.String("collection", node.DefaultCollection, "collection `id or alias`")
	job := &exportJob{started: time.Now()}
	fs.StringVar(&job.format, "format", "stix", "output `format`: "+strings.Join(exportFormats, ", "))
	fs.StringVar(&job.output, "output", "-", "output `file` (- for standard output)")
	fs.StringVar(&job.output, "out", "-", "output `file or directory` (as --output)")
	fs.BoolVar(&b.AllVersions, "all-versions", false, "write every version, not only the latest")
	fs.StringVar(&b.Types, "type", "", "only these object `types` (comma-separated)")
	fs.StringVar(&b.AddedAfter, "added-after", "", "only objects added after this `timestamp`")
	registerTool(fs, &job.tool)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), exportUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), exportExamples)
	}
	if _, err := m.parseArgs(fs, args, exactly(0, "no arguments")); err != nil {
		return err
	}
	if !slices.Contains(exportFormats, job.format) {
		return m.usagef("--format: %q is not an export format: use %s", job.format, strings.Join(exportFormats, ", "))
	}
	filter, warnings, err := b.Filter()
	for _, w := range warnings {
		m.warnf("%s", w)
	}
	if err != nil {
		return m.usagef("%v", err)
	}
	job.toolGiven = slices.ContainsFunc([]string{"kind", "min-confidence", "marking", "producer", "max-age", "include-decayed"}, func(n string) bool { return flagGiven(fs, n) })
	if job.node, job.coll, err = m.openCollection(ctx, &sf, *root, *coll); err != nil {
		return err
	}
	filter.CollectionID = job.coll.ID
	job.filter, job.tool.CollectionID, job.tool.Format = filter, job.coll.ID, job.format
	switch {
	case job.format == "stix" && !job.toolGiven:
		return m.exportSTIX(ctx, job)
	case strings.HasPrefix(job.format, "misp"):
		return m.exportMISP(ctx, job)
	}
	return m.exportTool(ctx, job)
}

// chosen says whether the flags that choose objects of a bundle were given.
func (job *exportJob) chosen() bool {
	return len(job.filter.Types) > 0 || len(job.filter.Versions) > 0 || job.filter.AddedAfter != nil
}

// exportSTIX writes the collection as one STIX bundle.
func (m *Main) exportSTIX(ctx context.Context, job *exportJob) error {
	w, done, err := m.exportOutput(job)
	if err != nil {
		return err
	}
	defer done()
	bar := progress.New(m.Stderr, "exporting", 0, "objects")
	count, err := job.node.WriteBundle(ctx, w, job.filter, bar.Set)
	if err != nil {
		return err
	}
	bar.Done()
	of := ""
	if len(job.filter.Types) > 0 {
		of = " of type " + strings.Join(job.filter.Types, ", ")
	}
	fmt.Fprintf(m.Stderr, "rampart: exported %s%s from collection %s in %.1fs\n", plural(int(count), "object"), of, job.coll.ID, time.Since(job.started).Seconds())
	return nil
}

// exportTool writes a collection's indicators in a format for security
// tools.
func (m *Main) exportTool(ctx context.Context, job *exportJob) error {
	if job.chosen() {
		return m.usagef("--format %s: --type, --all-versions and --added-after choose objects of a STIX bundle; this format writes the latest version of each indicator", job.format)
	}
	if _, _, err := job.tool.Check(); errors.Is(err, node.ErrNoKind) {
		m.errorf("%v", err)
		m.hintf("for example --kind ipv4, --kind domain or --kind sha256 (one kind a list is what tools expect)")
		return errUsage
	} else if err != nil {
		return m.usagef("%v", err)
	}
	bar := progress.New(m.Stderr, "reading indicators", 0, "indicators")
	t, err := job.node.ExportTool(ctx, job.tool, func(read int64) { bar.Set(0, read) })
	if err != nil {
		return err
	}
	bar.Done()
	var written []string
	if job.output != "-" {
		if written, err = t.Save(job.output); err != nil {
			return err
		}
	} else if _, err := m.Stdout.Write(t.Body); err != nil {
		return err
	} else if len(t.Lists) > 0 {
		m.hintf("the file-hash rules name list files (%s): write them beside the rules with --out DIR", strings.Join(slices.Sorted(maps.Keys(t.Lists)), ", "))
	}
	m.exportSummary(job, t, written)
	return nil
}

// leftOutWords says why indicators were left out, by export.Set.Filtered's
// reasons.
var leftOutWords = map[string]string{"revoked": "revoked", "expired": "expired (valid_until passed)", "not yet valid": "not yet valid (valid_from to come)",
	"confidence": "below --min-confidence", "marking": "without a --marking", "producer": "of another --producer", "age": "older than --max-age",
	"kind": "without a value of --kind", "decayed": "decayed (score below the threshold; --include-decayed keeps them)"}

// exportSummary prints what an export wrote and left out, on stderr.
func (m *Main) exportSummary(job *exportJob, t *node.ToolFile, files []string) {
	s, st := t.Set, t.Stats
	unit := map[string]string{"suricata": "rule", "rpz": "record", "blocklist": "line", "csv": "row", "stix": "object"}[t.Format]
	fmt.Fprintf(m.Stderr, "rampart: exported %s (%s) of %s from collection %s in %.1fs\n",
		plural(st.Records, unit), t.Format, plural(s.WithValues(), "indicator"), job.coll.ID, time.Since(job.started).Seconds())
	for _, f := range files {
		fmt.Fprintf(m.Stderr, "rampart: wrote %s\n", f)
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(m.Stderr, "rampart: skipped, patterns %s cannot carry: %s\n", t.Format, counts(s.Skipped))
		for _, r := range slices.Sorted(maps.Keys(s.Examples)) {
			fmt.Fprintf(m.Stderr, "rampart:   %s, e.g. %s\n", r, s.Examples[r])
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
		fmt.Fprintf(m.Stderr, "rampart: values %s has no place for: %s\n", t.Format, counts(u))
	}
	if len(f) > 0 {
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

// exportMISP writes the collection as MISP event JSON,
// {"response": [{"Event": …}, …]}, or as a MISP feed into the directory
// --out.
func (m *Main) exportMISP(ctx context.Context, job *exportJob) error {
	if job.chosen() || job.toolGiven {
		return m.usagef("--format %s writes every event of the collection: --all-versions, --type, --added-after and the filters of the security-tool formats do not apply", job.format)
	}
	feed := job.format == "misp-feed"
	if feed && job.output == "-" {
		return m.usagef("--format misp-feed writes a directory: give --out DIR")
	}
	x, err := job.node.ExportMISP(ctx, job.coll.ID)
	if err != nil {
		return err
	}
	for i, err := range x.Unmapped {
		if i == maxListedFailures {
			m.hintf("%d more objects not mapped to MISP", len(x.Unmapped)-maxListedFailures)
			break
		}
		m.warnf("not mapped to MISP: %v", err)
	}
	if feed {
		if x.Restricted {
			m.hintf("the collection holds objects above TLP:GREEN: the feed's files are readable by you alone")
		}
		if err := x.SaveFeed(job.output); err != nil {
			return err
		}
	} else {
		w, done, err := m.exportOutput(job)
		if err != nil {
			return err
		}
		defer done()
		if err := x.WriteEvents(w); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "rampart: exported %s as %s from collection %s in %.1fs\n", plural(len(x.Events), "event"), job.format, job.coll.ID, time.Since(job.started).Seconds())
	return nil
}

// exportOutput returns where a format that writes one stream writes:
// standard output, or the --output file, readable by its owner alone
// (what a collection holds may be TLP:AMBER or RED), and what closes it.
func (m *Main) exportOutput(job *exportJob) (io.Writer, func() error, error) {
	if job.output == "-" {
		return m.Stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(job.output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, f.Close, nil
}
