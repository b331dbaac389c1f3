package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
)

const exportUsage = `Usage: rampart export [flags]

Writes a collection of the node's store as one STIX 2.1 bundle, streamed, in
the order objects were added. By default only the latest version of each
object is written.

Flags:
`

const exportExamples = `
Examples:
    rampart export > default.json
    rampart export --collection default --all-versions --output all.json
    rampart export --type indicator,sighting --added-after 2026-01-01T00:00:00Z
`

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	root := fs.String("api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	coll := fs.String("collection", node.DefaultCollection, "collection `id or alias`")
	output := fs.String("output", "-", "output `file` (- for standard output)")
	allVersions := fs.Bool("all-versions", false, "write every version, not only the latest")
	types := fs.String("type", "", "only these object `types` (comma-separated)")
	addedAfter := fs.String("added-after", "", "only objects added after this `timestamp`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), exportUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), exportExamples)
	}
	if _, err := m.parseArgs(fs, args, exactly(0, "no arguments")); err != nil {
		return err
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
	var w io.Writer = m.Stdout
	if *output != "-" {
		f, err := os.OpenFile(*output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	start := time.Now()
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
	fmt.Fprintf(m.Stderr, "rampart: exported %s%s from collection %s in %.1fs\n", plural(int(count), "object"), of, c.ID, time.Since(start).Seconds())
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
