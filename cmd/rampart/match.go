package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

var matchUsage = helpText("match-usage.txt")

// maxReportedLines is how many malformed input lines are shown.
const maxReportedLines = 10

// matchFlags are the flags of "rampart match".
type matchFlags struct {
	store                                                             storeFlags
	indicators, collection, input, format, mapping, identity, apiRoot string
	window                                                            time.Duration
	toStore, warninglists, includeDecayed                             bool
	lists                                                             []string
}

func (f *matchFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	for name, p := range map[string]*string{"indicators": &f.indicators, "collection": &f.collection, "mapping": &f.mapping, "identity": &f.identity} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&f.input, "input", "-", "")
	fs.StringVar(&f.format, "format", "jsonl", "")
	fs.DurationVar(&f.window, "window", time.Hour, "")
	fs.BoolVar(&f.toStore, "store", false, "")
	fs.BoolVar(&f.includeDecayed, "include-decayed", false, "")
	fs.BoolVar(&f.warninglists, "warninglists", true, "")
	fs.Func("warninglist", "", func(v string) error { f.lists = append(f.lists, v); return nil })
	f.store.register(fs, getenv)
	fs.StringVar(&f.apiRoot, "api-root", node.DefaultAPIRoot, "")
}

func (m *Main) runMatch(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "generate" {
		return m.runMatchGenerate(args[1:])
	}
	f, mp, err := m.parseMatchFlags(args)
	if err != nil {
		return err
	}
	m.limitMatchMemory(false)
	t0 := time.Now()
	var n *node.Node
	var coll *rampart.Collection
	if f.collection != "" || f.toStore {
		if n, coll, err = m.openCollection(ctx, &f.store, f.apiRoot, f.collection); err != nil {
			return err
		}
	}
	ci, err := node.CompileIndicators(ctx, n, node.MatchSource{File: f.indicators, Collection: coll, IncludeDecayed: f.includeDecayed})
	if err != nil {
		return err
	}
	if ci.Decayed > 0 {
		fmt.Fprintf(m.Stderr, "rampart: %d indicators left out: their score is below the threshold (--include-decayed matches them)\n", ci.Decayed)
	}
	for i, e := range ci.Skipped {
		if i == maxReportedLines {
			m.errorf("… and %d more indicators skipped", len(ci.Skipped)-i)
			break
		}
		m.errorf("%s: skipped %v", ci.Source, e)
	}
	fmt.Fprintf(m.Stderr, "rampart: %d indicators compiled in %s\n", ci.Matcher.Len(), time.Since(t0).Round(time.Millisecond))
	m.limitMatchMemory(true)
	return m.streamMatch(ctx, f, node.MatchOptions{Matcher: ci.Matcher, Store: f.toStore, Collection: coll, Identity: f.identity,
		Window: f.window, MaxReported: maxReportedLines}, mp, n)
}

// parseMatchFlags parses and checks the flags of "rampart match", and
// loads the --mapping.
func (m *Main) parseMatchFlags(args []string) (*matchFlags, *match.Mapping, error) {
	fs := newFlagSet("match", matchUsage)
	var f matchFlags
	f.register(fs, m.Getenv)
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only (or the generate command)")); err != nil {
		return nil, nil, err
	}
	if (f.indicators == "") == (f.collection == "") {
		m.errorf("give either --indicators FILE or --collection REF")
		m.hintf(`rampart match --indicators feed.json --input log.jsonl`)
		return nil, nil, errUsage
	}
	if typ, _, err := stix.ParseID(f.identity); f.identity != "" && (err != nil || typ != "identity") {
		return nil, nil, m.usagef("--identity %q is not an identity--UUID identifier", f.identity)
	}
	if f.mapping == "" {
		return &f, nil, nil
	}
	mp, err := match.LoadMapping(f.mapping)
	if err != nil {
		return nil, nil, m.usagef("%v", err)
	}
	return &f, mp, nil
}

// limitMatchMemory sets the soft memory limit of "rampart match"
// (node.LimitMatchMemory), unless GOMEMLIMIT sets it.
func (m *Main) limitMatchMemory(loaded bool) {
	if m.Getenv("GOMEMLIMIT") == "" {
		node.LimitMatchMemory(loaded)
	}
}

// streamMatch matches the --input with o and writes the sightings: as
// JSON lines on stdout, or, with --store, into the node's collection.
func (m *Main) streamMatch(ctx context.Context, f *matchFlags, o node.MatchOptions, mp *match.Mapping, n *node.Node) error {
	in, err := m.openInput(f.input)
	if err != nil {
		return err
	}
	defer in.Close()
	if o.Reader, err = match.NewReader(f.format, in, mp); err != nil {
		return m.usagef("--format: %v", err)
	}
	out := bufio.NewWriterSize(m.Stdout, 1<<16)
	defer out.Flush()
	o.Output = out
	if o.Suppress, err = m.matchSuppressor(ctx, f, n); err != nil {
		return err
	}
	line := progress.NewLine(m.Stderr)
	if line.Enabled() {
		line.Interval = time.Second / 2
		o.Progress = func(s match.Stats) {
			line.Printf("%d records, %d matched, %.0f records/s", s.Records, s.Matched, s.RecordsPerSecond())
		}
	}
	res, err := node.RunMatch(ctx, n, o)
	line.Clear()
	m.matchSummary(f, o.Collection, res)
	switch {
	case err != nil && ctx.Err() != nil:
		m.errorf("interrupted after %s: the sightings found so far were written", plural(int(res.Records), "record"))
		out.Flush()
		return errReported
	case err != nil:
		m.errorf("%s: %v", inputName(f.input), err)
		return errReported
	}
	return out.Flush()
}

// matchSummary reports the malformed lines and what a match did.
func (m *Main) matchSummary(f *matchFlags, coll *rampart.Collection, res node.MatchResult) {
	input := f.input
	for _, le := range res.Errors {
		m.errorf("%s: malformed %v", inputName(input), le)
	}
	if n := res.Malformed - int64(len(res.Errors)); n > 0 {
		m.errorf("%s: … and %d more malformed lines", inputName(input), n)
	}
	fmt.Fprintf(m.Stderr, "rampart: %d records read, %d malformed, %d matched, %d sightings, %.0f records/s\n",
		res.Records, res.Malformed, res.Matched, res.Sightings, res.RecordsPerSecond())
	if res.Suppressed > 0 {
		fmt.Fprintf(m.Stderr, "rampart: %d matches on warninglists suppressed\n", res.Suppressed)
	}
	if f.toStore {
		fmt.Fprintf(m.Stderr, "rampart: stored %s in collection %s\n", plural(len(res.Stored), "sighting"), coll.ID)
	}
}

func inputName(s string) string {
	if s == "-" {
		return "stdin"
	}
	return s
}

// matchSuppressor returns what takes out the hits whose observed values
// are all on warninglists (node.MatchWarninglists), nil when there are
// none.
func (m *Main) matchSuppressor(ctx context.Context, f *matchFlags, n *node.Node) (func(match.Hit) bool, error) {
	w, err := node.MatchWarninglists(ctx, n, f.warninglists, f.lists)
	if ue := (*node.UnreadWarninglistsError)(nil); errors.As(err, &ue) {
		for _, err := range ue.Errors {
			m.errorf("--warninglist: %v", err)
		}
		return nil, errReported
	}
	if err != nil || w == nil {
		return nil, err
	}
	for _, err := range w.LeftOut {
		m.warnf("%v (left out)", err)
	}
	fmt.Fprintf(m.Stderr, "rampart: %s with %s applied\n", plural(w.Lists, "warninglist"), entries(w.Entries))
	return w.Suppress, nil
}

func (m *Main) runMatchGenerate(args []string) error {
	fs := newFlagSet("match generate", matchUsage)
	dir := fs.String("dir", "", "")
	g := &match.Generator{}
	fs.Uint64Var(&g.Seed, "seed", 1, "")
	fs.IntVar(&g.Indicators, "indicators", 1000000, "")
	fs.IntVar(&g.Records, "records", 10000000, "")
	fs.IntVar(&g.Hits, "hits", 10000, "")
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only")); err != nil {
		return err
	}
	if *dir == "" {
		return m.usagef("match generate needs --dir DIR")
	}
	if g.Indicators < 1 || g.Records < 0 || g.Hits < 0 || g.Hits > g.Records {
		return m.usagef("need --indicators >= 1 and 0 <= --hits <= --records")
	}
	planted, err := g.WriteFiles(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: %d indicators, %d records, %d planted hits (seed %d)\n", strings.TrimSuffix(*dir, "/"), g.Indicators, g.Records, planted, g.Seed)
	return nil
}
