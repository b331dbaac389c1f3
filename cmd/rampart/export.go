package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var exportUsage = helpText("export-usage.txt") + helpText("export-flags.txt") + helpText("export-examples.txt")

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("export", exportUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	job, started := &node.ExportJob{Tool: node.DefaultToolExport()}, time.Now()
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
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "no arguments")); err != nil {
		return err
	}
	job.ToolGiven = slices.ContainsFunc(strings.Fields("kind min-confidence marking producer max-age include-decayed"), func(n string) bool { return cli.FlagGiven(fs, n) })
	warnings, err := job.Check()
	for _, w := range warnings {
		m.Warnf("%s", w)
	}
	if err != nil {
		return m.configError(err)
	}
	n, c, err := m.openCollection(ctx, &sf, root, coll)
	if err != nil {
		return err
	}
	return n.Export(ctx, job, c.ID, m.Stdout, started)
}
