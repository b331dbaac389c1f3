package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var exportUsage = helpText("export-usage.txt") + helpText("export-flags.txt") + helpText("export-examples.txt")

// exportJob is what "export" was asked, and the collection it exports.
type exportJob struct {
	node.ExportJob
	node    *node.Node
	coll    *rampart.Collection
	started time.Time
}

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := newFlagSet("export", exportUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	job := &exportJob{ExportJob: node.ExportJob{Tool: node.DefaultToolExport()}, started: time.Now()}
	b, t := &job.Bundle, &job.Tool
	root, coll := node.DefaultAPIRoot, node.DefaultCollection
	for name, p := range map[string]*string{"api-root": &root, "collection": &coll, "type": &b.Types, "added-after": &b.AddedAfter,
		"kind": &t.Kind, "marking": &t.Marking, "producer": &t.Producer, "max-age": &t.MaxAge, "rpz-action": &t.RPZAction} {
		fs.StringVar(p, name, *p, "")
	}
	fs.StringVar(&job.Format, "format", "stix", "")
	fs.StringVar(&job.Output, "output", "-", "")
	fs.StringVar(&job.Output, "out", "-", "")
	fs.BoolVar(&b.AllVersions, "all-versions", false, "")
	fs.IntVar(&t.MinConfidence, "min-confidence", 0, "")
	fs.Uint64Var(&t.SIDBase, "sid-base", t.SIDBase, "")
	fs.Uint64Var(&t.SIDRange, "sid-range", t.SIDRange, "")
	fs.IntVar(&t.Chunk, "chunk", t.Chunk, "")
	fs.IntVar(&t.RPZTTL, "rpz-ttl", t.RPZTTL, "")
	fs.BoolVar(&t.IncludeDecayed, "include-decayed", false, "")
	if _, err := m.parseArgs(fs, args, exactly(0, "no arguments")); err != nil {
		return err
	}
	job.ToolGiven = slices.ContainsFunc(strings.Fields("kind min-confidence marking producer max-age include-decayed"), func(n string) bool { return flagGiven(fs, n) })
	warnings, err := job.Check()
	for _, w := range warnings {
		m.warnf("%s", w)
	}
	if err != nil {
		return m.configError(err)
	}
	if job.node, job.coll, err = m.openCollection(ctx, &sf, root, coll); err != nil {
		return err
	}
	job.SetCollection(job.coll.ID)
	switch job.Kind() {
	case "bundle":
		return m.exportSTIX(ctx, job)
	case "misp":
		return m.exportMISP(ctx, job)
	}
	return m.exportTool(ctx, job)
}

// exportSTIX writes the collection as one STIX bundle.
func (m *Main) exportSTIX(ctx context.Context, job *exportJob) error {
	w, err := m.exportOutput(job)
	if err != nil {
		return err
	}
	defer w.Close()
	bar := progress.New(m.Stderr, "exporting", 0, "objects")
	count, err := job.node.WriteBundle(ctx, w, job.Filter, bar.Set)
	if err != nil {
		return err
	}
	bar.Done()
	of := ""
	if len(job.Filter.Types) > 0 {
		of = " of type " + strings.Join(job.Filter.Types, ", ")
	}
	fmt.Fprintf(m.Stderr, "rampart: exported %s%s from collection %s in %.1fs\n", plural(int(count), "object"), of, job.coll.ID, time.Since(job.started).Seconds())
	return nil
}

// exportTool writes a collection's indicators in a format for security
// tools.
func (m *Main) exportTool(ctx context.Context, job *exportJob) error {
	bar := progress.New(m.Stderr, "reading indicators", 0, "indicators")
	t, err := job.node.ExportTool(ctx, job.Tool, func(read int64) { bar.Set(0, read) })
	if err != nil {
		return err
	}
	bar.Done()
	var written []string
	if job.Output != "-" {
		if written, err = t.Save(job.Output); err != nil {
			return err
		}
	} else if _, err := m.Stdout.Write(t.Body); err != nil {
		return err
	} else if len(t.Lists) > 0 {
		m.hintf("the file-hash rules name list files (%s): write them beside the rules with --out DIR", strings.Join(slices.Sorted(maps.Keys(t.Lists)), ", "))
	}
	for _, line := range t.Summary(job.coll.ID, time.Since(job.started), written) {
		fmt.Fprintf(m.Stderr, "rampart: %s\n", line)
	}
	return nil
}

// exportMISP writes the collection as MISP event JSON,
// {"response": [{"Event": …}, …]}, or as a MISP feed into the directory
// --out.
func (m *Main) exportMISP(ctx context.Context, job *exportJob) error {
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
	if job.Format == "misp-feed" {
		if x.Restricted {
			m.hintf("the collection holds objects above TLP:GREEN: the feed's files are readable by you alone")
		}
		if err := x.SaveFeed(job.Output); err != nil {
			return err
		}
	} else {
		w, err := m.exportOutput(job)
		if err != nil {
			return err
		}
		defer w.Close()
		if err := x.WriteEvents(w); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "rampart: exported %s as %s from collection %s in %.1fs\n", plural(len(x.Events), "event"), job.Format, job.coll.ID, time.Since(job.started).Seconds())
	return nil
}

// exportOutput returns where a format that writes one stream writes:
// standard output, or the --output file, readable by its owner alone.
func (m *Main) exportOutput(job *exportJob) (io.WriteCloser, error) {
	if job.Output == "-" {
		return nopCloser{m.Stdout}, nil
	}
	return node.CreateExportFile(job.Output)
}

// nopCloser is a writer whose Close does nothing: standard output.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
