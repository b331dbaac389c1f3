package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
)

var (
	exportUsage    = helpText("export-usage.txt")
	exportExamples = helpText("export-examples.txt")
)

// exportJob is what "export" was asked: the writer of its --format takes
// it.
type exportJob struct {
	fs      *flag.FlagSet
	node    *node.Node
	coll    *rampart.Collection
	format  string
	output  string
	filter  rampart.ObjectFilter // --all-versions, --type, --added-after
	tool    toolFlags            // the flags of the formats for security tools
	started time.Time
}

// exportFormats maps each --format to the function that writes it.
func (m *Main) exportFormats() map[string]func(context.Context, *exportJob) error {
	return map[string]func(context.Context, *exportJob) error{
		"stix":      m.exportSTIX,
		"suricata":  m.exportTool,
		"rpz":       m.exportTool,
		"blocklist": m.exportTool,
		"csv":       m.exportTool,
		"misp":      m.exportMISP,
		"misp-feed": m.exportMISPFeed,
	}
}

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	formats := slices.Sorted(maps.Keys(m.exportFormats()))
	root := fs.String("api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	coll := fs.String("collection", node.DefaultCollection, "collection `id or alias`")
	format := fs.String("format", "stix", "output `format`: "+strings.Join(formats, ", "))
	output := fs.String("output", "-", "output `file` (- for standard output)")
	fs.StringVar(output, "out", "-", "output `file or directory` (as --output)")
	allVersions := fs.Bool("all-versions", false, "write every version, not only the latest")
	types := fs.String("type", "", "only these object `types` (comma-separated)")
	addedAfter := fs.String("added-after", "", "only objects added after this `timestamp`")
	job := &exportJob{fs: fs, started: time.Now()}
	job.tool.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), exportUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), exportExamples)
	}
	if _, err := m.parseArgs(fs, args, exactly(0, "no arguments")); err != nil {
		return err
	}
	write, ok := m.exportFormats()[*format]
	if !ok {
		return m.usagef("--format: %q is not an export format: use %s", *format, strings.Join(formats, ", "))
	}
	filter, err := m.exportFilter(*allVersions, *types, *addedAfter)
	if err != nil {
		return err
	}
	n, c, err := m.openCollection(ctx, &sf, *root, *coll)
	if err != nil {
		return err
	}
	filter.CollectionID = c.ID
	job.node, job.coll, job.format, job.output, job.filter = n, c, *format, *output, filter
	return write(ctx, job)
}

// exportSTIX writes the collection as one STIX bundle; with a filter of
// the formats for security tools, the bundle of the indicators it chooses.
func (m *Main) exportSTIX(ctx context.Context, job *exportJob) error {
	if job.tool.given(job.fs) {
		return m.exportTool(ctx, job)
	}
	n, c, filter := job.node, job.coll, job.filter
	w, done, err := m.exportOutput(job)
	if err != nil {
		return err
	}
	defer done()
	bar := progress.New(m.Stderr, "exporting", 0, "objects")
	count, err := n.WriteBundle(ctx, w, filter, bar.Set)
	if err != nil {
		return err
	}
	bar.Done()
	of := ""
	if len(filter.Types) > 0 {
		of = " of type " + strings.Join(filter.Types, ", ")
	}
	fmt.Fprintf(m.Stderr, "rampart: exported %s%s from collection %s in %.1fs\n", plural(int(count), "object"), of, c.ID, time.Since(job.started).Seconds())
	return nil
}

// exportFilter checks the flags that choose what "export" writes, before
// the store is opened.
func (m *Main) exportFilter(allVersions bool, types, addedAfter string) (rampart.ObjectFilter, error) {
	var filter rampart.ObjectFilter
	if allVersions {
		filter.Versions = []string{rampart.VersionAll}
		filter.SpecVersions = []string{"2.0", "2.1"}
	}
	for _, typ := range splitComma(types) {
		if err := stix.CheckTypeName(typ); err != nil {
			return filter, m.usagef("--type: %v", err)
		}
		if stix.CategoryOf(typ) == stix.Custom && !strings.HasPrefix(typ, "x-") {
			m.warnf("--type: %q is not a STIX 2.1 type (nor an x- custom one); is it spelt right?", typ)
		}
		filter.Types = append(filter.Types, typ)
	}
	if addedAfter != "" {
		ts, err := stix.ParseTimestamp(addedAfter)
		if err != nil {
			return filter, m.usagef("--added-after: %v", err)
		}
		t := ts.Time()
		filter.AddedAfter = &t
	}
	return filter, nil
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
