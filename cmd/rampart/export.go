package main

import (
	"bufio"
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
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("export", "no arguments", fs.Args())
	}
	filter := rampart.ObjectFilter{Limit: 1000}
	if *allVersions {
		filter.Versions = []string{rampart.VersionAll}
		filter.SpecVersions = []string{"2.0", "2.1"}
	}
	if *types != "" {
		filter.Types = splitComma(*types)
		for _, typ := range filter.Types {
			if err := stix.CheckTypeName(typ); err != nil {
				m.errorf("--type: %v", err)
				return errUsage
			}
			if stix.CategoryOf(typ) == stix.Custom && !strings.HasPrefix(typ, "x-") {
				m.warnf("--type: %q is not a STIX 2.1 type (nor an x- custom one); is it spelt right?", typ)
			}
		}
	}
	if *addedAfter != "" {
		ts, err := stix.ParseTimestamp(*addedAfter)
		if err != nil {
			m.errorf("--added-after: %v", err)
			return errUsage
		}
		t := ts.Time()
		filter.AddedAfter = &t
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	c, err := n.FindCollection(ctx, *root, *coll)
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
	bw := bufio.NewWriterSize(w, 1<<16)
	start := time.Now()
	bar := progress.New(m.Stderr, "exporting", 0, "objects")
	var count, bytes int64
	fmt.Fprintf(bw, `{"type":"bundle","id":%q,"objects":[`, stix.NewID("bundle"))
	for {
		page, err := n.Objects.FindObjects(ctx, filter)
		if err != nil {
			return err
		}
		for _, v := range page.Versions {
			if count > 0 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
			bw.Write(v.Object.Raw)
			count++
			bytes += int64(len(v.Object.Raw))
		}
		bar.Set(bytes, count)
		if !page.More || len(page.Versions) == 0 {
			break
		}
		filter.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write bundle: %v", err)
	}
	bar.Done()
	of := ""
	if len(filter.Types) > 0 {
		of = " of type " + strings.Join(filter.Types, ", ")
	}
	fmt.Fprintf(m.Stderr, "rampart: exported %s%s from collection %s in %.1fs\n", plural(int(count), "object"), of, c.ID, time.Since(start).Seconds())
	return nil
}
