package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/node"
)

var matchUsage = helpText("match-usage.txt")

// maxReportedLines is how many malformed input lines are shown.
const maxReportedLines = 10

func (m *Main) runMatch(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "generate" {
		return m.runMatchGenerate(args[1:])
	}
	fs := cli.NewFlagSet("match", matchUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	j := node.MatchJob{Input: "-", Format: "jsonl", APIRoot: node.DefaultAPIRoot, Stdin: m.Stdin, NodeWarninglists: true,
		MaxReported: maxReportedLines, Window: time.Hour}
	cli.Vars(fs.StringVar, map[string]*string{"indicators": &j.Indicators, "collection": &j.Collection, "mapping": &j.Mapping,
		"identity": &j.Identity, "input": &j.Input, "format": &j.Format, "api-root": &j.APIRoot})
	cli.Vars(fs.BoolVar, map[string]*bool{"store": &j.Store, "include-decayed": &j.IncludeDecayed, "warninglists": &j.NodeWarninglists})
	fs.DurationVar(&j.Window, "window", j.Window, "")
	fs.Func("warninglist", "", func(v string) error { j.Warninglists = append(j.Warninglists, v); return nil })
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only (or the generate command)")); err != nil {
		return err
	}
	if err := j.Check(); err != nil {
		return m.configError(err)
	}
	var n *node.Node
	var err error
	if j.Collection != "" || j.Store {
		if n, err = m.openNode(ctx, &sf); err != nil {
			return err
		}
	}
	return m.match(ctx, n, j)
}

// match runs j, printing what it compiled and applied, its progress and a
// summary on stderr.
func (m *Main) match(ctx context.Context, n *node.Node, j node.MatchJob) error {
	t0, line := time.Now(), progress.NewLine(m.Stderr)
	j.Output, j.LimitMemory = m.Stdout, m.Getenv("GOMEMLIMIT") == ""
	j.Compiled = func(ci *node.CompiledIndicators) { ci.WriteText(m.Stderr, time.Since(t0), maxReportedLines) }
	j.Applied = func(w *node.AppliedWarninglists) { w.WriteText(m.Stderr) }
	line.Interval = time.Second / 2
	if line.Enabled() {
		j.Progress = func(s match.Stats) {
			line.Printf("%d records, %d matched, %.0f records/s", s.Records, s.Matched, s.RecordsPerSecond())
		}
	}
	res, err := node.Match(ctx, n, j)
	line.Clear()
	var ue *node.UnreadWarninglistsError
	var re *node.MatchRunError
	switch {
	case errors.As(err, &ue):
		for _, err := range ue.Errors {
			m.Errorf("--warninglist: %v", err)
		}
		return cli.ErrReported
	case err != nil && !errors.As(err, &re):
		return m.usageOf(err)
	}
	res.WriteText(m.Stderr, j.Input)
	switch {
	case re != nil && ctx.Err() != nil:
		m.Errorf("interrupted after %s: the sightings found so far were written", cli.Plural(int(res.Records), "record"))
		return cli.ErrReported
	case re != nil:
		m.Errorf("%v", re)
		return cli.ErrReported
	}
	return nil
}

func (m *Main) runMatchGenerate(args []string) error {
	fs := cli.NewFlagSet("match generate", matchUsage)
	dir := fs.String("dir", "", "")
	g := match.Generator{Seed: 1, Indicators: 1000000, Records: 10000000, Hits: 10000}
	fs.Uint64Var(&g.Seed, "seed", g.Seed, "")
	cli.Vars(fs.IntVar, map[string]*int{"indicators": &g.Indicators, "records": &g.Records, "hits": &g.Hits})
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	planted, err := node.GenerateMatchFiles(*dir, g)
	if err != nil {
		return m.usageOf(err)
	}
	fmt.Fprintf(m.Stdout, "%s: %d indicators, %d records, %d planted hits (seed %d)\n", strings.TrimSuffix(*dir, "/"), g.Indicators, g.Records, planted, g.Seed)
	return nil
}
