package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/warninglist"
)

var matchUsage = helpText("match-usage.txt")

// defaultMatchMemoryLimit is the soft memory limit of "rampart match".
const defaultMatchMemoryLimit = 1536 << 20

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
	// A soft memory limit keeps the resident size of a node's matcher
	// predictable (1M indicators fit in about 600 MiB of live heap); the
	// GOMEMLIMIT environment variable overrides it.
	m.setMatchMemoryLimit(false)
	t0 := time.Now()
	var n *node.Node
	var coll *rampart.Collection
	if f.collection != "" || f.toStore {
		if n, coll, err = m.openCollection(ctx, &f.store, f.apiRoot, f.collection); err != nil {
			return err
		}
	}
	matcher, err := m.loadMatcher(ctx, f, n, coll)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: %d indicators compiled in %s\n", matcher.Len(), time.Since(t0).Round(time.Millisecond))
	m.setMatchMemoryLimit(true)
	return m.streamMatch(ctx, f, mp, matcher, n, coll)
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
	if f.identity != "" {
		if typ, _, err := stix.ParseID(f.identity); err != nil || typ != "identity" {
			return nil, nil, m.usagef("--identity %q is not an identity--UUID identifier", f.identity)
		}
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

// setMatchMemoryLimit sets the soft memory limit of "rampart match",
// unless GOMEMLIMIT sets it: defaultMatchMemoryLimit, or, once the
// indicators are loaded, half as much again as the live heap when that is
// more, since a feed far larger than a million indicators must not make
// the collector run without pause.
func (m *Main) setMatchMemoryLimit(loaded bool) {
	if m.Getenv("GOMEMLIMIT") != "" {
		return
	}
	var ms runtime.MemStats
	if loaded {
		runtime.ReadMemStats(&ms)
	}
	debug.SetMemoryLimit(max(defaultMatchMemoryLimit, int64(ms.HeapAlloc)*3/2))
}

// loadMatcher compiles the indicators of --collection or of the
// --indicators file, reporting those it skips.
func (m *Main) loadMatcher(ctx context.Context, f *matchFlags, n *node.Node, coll *rampart.Collection) (*match.Matcher, error) {
	source, matcher := f.indicators, match.New()
	var skipped []error
	if f.collection != "" {
		source = "collection " + coll.ID
		nm := node.NewMatcher(n.Objects, n.Collections, nil)
		if !f.includeDecayed {
			l, err := n.Lifecycle(ctx)
			if err != nil {
				m.errorf("%v", err)
				return nil, errReported
			}
			nm.Lifecycle = l
		}
		_, skipped = nm.Load(ctx, coll.ID)
		if d := nm.Decayed(); d > 0 {
			fmt.Fprintf(m.Stderr, "rampart: %d indicators left out: their score is below the threshold (--include-decayed matches them)\n", d)
		}
		matcher = nm.M
	} else {
		in, err := os.Open(f.indicators)
		if err != nil {
			m.errorf("%v", err)
			return nil, errReported
		}
		err = match.LoadIndicators(matcher, in)
		in.Close()
		var ae *match.AddError
		switch {
		case errors.As(err, &ae):
			skipped = ae.Errors
		case err != nil:
			m.errorf("%s: %v", f.indicators, err)
			return nil, errReported
		}
	}
	for i, e := range skipped {
		if i == maxReportedLines {
			m.errorf("… and %d more indicators skipped", len(skipped)-i)
			break
		}
		m.errorf("%s: skipped %v", source, e)
	}
	return matcher, nil
}

// streamMatch matches the --input against matcher and writes the
// sightings: as JSON lines on stdout, or, with --store, into the node's
// collection coll.
func (m *Main) streamMatch(ctx context.Context, f *matchFlags, mp *match.Mapping, matcher *match.Matcher, n *node.Node, coll *rampart.Collection) error {
	in, err := m.openInput(f.input)
	if err != nil {
		m.errorf("%v", err)
		return errReported
	}
	defer in.Close()
	rd, err := match.NewReader(f.format, in, mp)
	if err != nil {
		return m.usagef("--format: %v", err)
	}
	out := bufio.NewWriterSize(m.Stdout, 1<<16)
	defer out.Flush()
	agg := &match.Aggregator{Window: f.window, WhereSightedRef: f.identity, Sink: match.NewLineSink(out)}
	var stored *node.Sightings
	if f.toStore {
		// Marked and addressed as the indicators they are of, signed with
		// the node's keys and stored through its object service, as a
		// serving node's own sightings are.
		stored = n.NewSightings(ctx, coll.ID)
		agg = stored.Aggregator(f.identity, f.window)
	}
	if agg.Suppress, err = m.matchSuppressor(ctx, f, n); err != nil {
		return err
	}
	st := &match.Stream{Matcher: matcher, Reader: rd, Aggregator: agg, MaxReported: maxReportedLines}
	if stored != nil {
		// The values read are kept for retro-hunts, as a serving node's are.
		st.OnRecord = func(r *match.Record) { stored.Observed(ctx, r) }
	}
	stats, err := m.runStream(ctx, st)
	if stored != nil {
		if ferr := stored.Flush(context.WithoutCancel(ctx)); ferr != nil && err == nil {
			err = ferr
		}
	}
	for _, le := range stats.Errors {
		m.errorf("%s: malformed %v", inputName(f.input), le)
	}
	if n := stats.Malformed - int64(len(stats.Errors)); n > 0 {
		m.errorf("%s: … and %d more malformed lines", inputName(f.input), n)
	}
	fmt.Fprintf(m.Stderr, "rampart: %d records read, %d malformed, %d matched, %d sightings, %.0f records/s\n",
		stats.Records, stats.Malformed, stats.Matched, stats.Sightings, stats.RecordsPerSecond())
	if stats.Suppressed > 0 {
		fmt.Fprintf(m.Stderr, "rampart: %d matches on warninglists suppressed\n", stats.Suppressed)
	}
	if stored != nil {
		fmt.Fprintf(m.Stderr, "rampart: stored %s in collection %s\n", plural(len(stored.IDs), "sighting"), coll.ID)
	}
	if err != nil && ctx.Err() != nil {
		m.errorf("interrupted after %s: the sightings found so far were written", plural(int(stats.Records), "record"))
		out.Flush()
		return errReported
	}
	if err != nil {
		m.errorf("%s: %v", inputName(f.input), err)
		return errReported
	}
	return out.Flush()
}

// runStream runs st with a progress line on a terminal.
func (m *Main) runStream(ctx context.Context, st *match.Stream) (match.Stats, error) {
	line := progress.NewLine(m.Stderr)
	if line.Enabled() {
		line.Interval = time.Second / 2
		st.Progress = func(s match.Stats) {
			line.Printf("%d records, %d matched, %.0f records/s", s.Records, s.Matched, s.RecordsPerSecond())
		}
	}
	stats, err := st.Run(ctx)
	line.Clear()
	return stats, err
}

func inputName(s string) string {
	if s == "-" {
		return "stdin"
	}
	return s
}

func (m *Main) runMatchGenerate(args []string) error {
	fs := newFlagSet("match generate", matchUsage)
	dir := fs.String("dir", "", "")
	seed := fs.Uint64("seed", 1, "")
	n := fs.Int("indicators", 1000000, "")
	records := fs.Int("records", 10000000, "")
	hits := fs.Int("hits", 10000, "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("match generate", "flags only", fs.Args())
	}
	if *dir == "" {
		return m.usagef("match generate needs --dir DIR")
	}
	if *n < 1 || *records < 0 || *hits < 0 || *hits > *records {
		return m.usagef("need --indicators >= 1 and 0 <= --hits <= --records")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	g := &match.Generator{Seed: *seed, Indicators: *n, Records: *records, Hits: *hits}
	write := func(name string, fn func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(*dir, name))
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	planted := 0
	if err := write("indicators.jsonl", g.WriteIndicators); err != nil {
		return err
	}
	if err := write("values.txt", g.WriteValues); err != nil {
		return err
	}
	if err := write("log.jsonl", func(w io.Writer) (err error) { planted, err = g.WriteLog(w); return err }); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: %d indicators, %d records, %d planted hits (seed %d)\n", strings.TrimSuffix(*dir, "/"), *n, *records, planted, *seed)
	return nil
}

// matchSuppressor returns what takes out the hits whose observed values
// are all on warninglists: the node's (when its store is open and
// --warninglists holds) and those of --warninglist, nil when there are
// none.
func (m *Main) matchSuppressor(ctx context.Context, f *matchFlags, n *node.Node) (func(match.Hit) bool, error) {
	var lists []*warninglist.List
	if n != nil && f.warninglists {
		if len(f.lists) == 0 {
			// The node's lists, compiled once for this process.
			wl, err := n.Warninglists(ctx)
			if err != nil {
				return nil, err
			}
			if wl.Checker.Entries() == 0 {
				return nil, nil
			}
			fmt.Fprintf(m.Stderr, "rampart: %s with %s applied\n", plural(len(wl.Checker.Lists()), "warninglist"), entries(wl.Checker.Entries()))
			return func(h match.Hit) bool {
				_, all := wl.Checker.Observed(h.Indicator.Pattern, h.Observations)
				return all
			}, nil
		}
		var err error
		if lists, err = n.FindWarninglists(ctx); err != nil {
			return nil, err
		}
	}
	for _, p := range f.lists {
		ls, errs := warninglist.ReadDir(p)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			l, err := warninglist.ReadFile(p)
			ls, errs = []*warninglist.List{l}, nil
			if err != nil {
				ls, errs = nil, []error{err}
			}
		}
		if len(errs) > 0 {
			for _, err := range errs {
				m.errorf("--warninglist: %v", err)
			}
			return nil, errReported
		}
		lists = append(lists, ls...)
	}
	if len(lists) == 0 {
		return nil, nil
	}
	c, bad := warninglist.Compile(lists)
	for _, err := range bad {
		m.warnf("%v (left out)", err)
	}
	fmt.Fprintf(m.Stderr, "rampart: %s with %s applied\n", plural(len(lists), "warninglist"), entries(c.Entries()))
	return func(h match.Hit) bool {
		_, all := c.Observed(h.Indicator.Pattern, h.Observations)
		return all
	}, nil
}
