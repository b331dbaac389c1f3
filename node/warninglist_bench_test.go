package node

import (
	"bytes"
	"context"
	"flag"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/warninglist"
)

var (
	benchWLEntries    = flag.Int("warninglist.entries", 500000, "generated warninglist entries in BenchmarkMatchWarninglists")
	benchWLIndicators = flag.Int("warninglist.indicators", 20000, "indicators in BenchmarkMatchWarninglists")
	benchWLRecords    = flag.Int("warninglist.records", 200000, "log records in BenchmarkMatchWarninglists")
	benchWLHits       = flag.Int("warninglist.hits", 1000, "planted hits in BenchmarkMatchWarninglists")
)

// BenchmarkMatchWarninglists runs the same match (match.Generator's
// indicators and JSON-lines log, through a Stream into an Aggregator)
// without and with the warninglists loaded (warninglist.Generator's
// entries plus the MISP samples), alternately, and reports the CPU time of
// each and the overhead of the lists in per cent, with the compile time of
// the lists, the matches they suppressed and the time checking one hit
// took (wall time, around each check).
//
//	go test ./node -run '^$' -bench BenchmarkMatchWarninglists -benchtime 5x
func BenchmarkMatchWarninglists(b *testing.B) {
	g := &match.Generator{Seed: 1, Indicators: *benchWLIndicators, Records: *benchWLRecords, Hits: *benchWLHits}
	var inds, log bytes.Buffer
	if err := g.WriteIndicators(&inds); err != nil {
		b.Fatal(err)
	}
	if _, err := g.WriteLog(&log); err != nil {
		b.Fatal(err)
	}
	m := match.New()
	if err := match.LoadIndicators(m, bytes.NewReader(inds.Bytes())); err != nil {
		b.Fatal(err)
	}
	lists := (&warninglist.Generator{Seed: 1, Entries: *benchWLEntries}).Lists()
	samples, errs := warninglist.ReadDir("../testdata/warninglists")
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	lists = append(lists, samples...)
	t0 := time.Now()
	c, _ := warninglist.Compile(lists)
	compile := time.Since(t0)
	var checking time.Duration
	var checked int64
	suppress := func(h match.Hit) bool {
		t := time.Now()
		_, all := c.Observed(h.Indicator.Pattern, h.Observations)
		checking += time.Since(t)
		checked++
		return all
	}
	run := func(s func(match.Hit) bool) (time.Duration, match.Stats) {
		agg := &match.Aggregator{Suppress: s}
		c0 := benchCPU()
		st, err := (&match.Stream{Matcher: m, Reader: match.NewJSONLinesReader(bytes.NewReader(log.Bytes()), nil), Aggregator: agg}).Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		return benchCPU() - c0, st
	}
	// One run of each to warm up, then both in turn, each first every
	// other time, so that neither pays for the other's garbage.
	run(nil)
	run(suppress)
	var without, with time.Duration
	var st match.Stats
	i := 0
	for b.Loop() {
		var d1, d2 time.Duration
		if i%2 == 0 {
			d1, _ = run(nil)
			d2, st = run(suppress)
		} else {
			d2, st = run(suppress)
			d1, _ = run(nil)
		}
		without, with, i = without+d1, with+d2, i+1
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(without.Seconds()/float64(b.N), "without-cpu-s")
	b.ReportMetric(with.Seconds()/float64(b.N), "with-cpu-s")
	b.ReportMetric(100*(with.Seconds()-without.Seconds())/without.Seconds(), "overhead-%")
	b.ReportMetric(float64(c.Entries()), "entries")
	b.ReportMetric(compile.Seconds(), "lists-compile-s")
	b.ReportMetric(float64(st.Hits), "hits")
	b.ReportMetric(float64(st.Suppressed), "suppressed")
	b.ReportMetric(float64(checking.Nanoseconds())/float64(checked), "check-ns/hit")
}

// benchCPU returns the CPU time the process used.
func benchCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWarninglistHit measures what the lists cost a match: the check
// of one hit's observed values (warninglist.Checker.Observed), over the
// hits of the generated log, against the generated lists and the samples.
// The overhead on a log is this times the hits, over the time to match
// its records.
//
//	go test ./node -run '^$' -bench BenchmarkWarninglistHit -benchtime 50x
func BenchmarkWarninglistHit(b *testing.B) {
	g := &match.Generator{Seed: 1, Indicators: *benchWLIndicators, Records: *benchWLRecords, Hits: *benchWLHits}
	var inds, log bytes.Buffer
	if err := g.WriteIndicators(&inds); err != nil {
		b.Fatal(err)
	}
	if _, err := g.WriteLog(&log); err != nil {
		b.Fatal(err)
	}
	m := match.New()
	if err := match.LoadIndicators(m, bytes.NewReader(inds.Bytes())); err != nil {
		b.Fatal(err)
	}
	lists := (&warninglist.Generator{Seed: 1, Entries: *benchWLEntries}).Lists()
	samples, errs := warninglist.ReadDir("../testdata/warninglists")
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	c, _ := warninglist.Compile(append(lists, samples...))
	var hits []match.Hit
	st := &match.Stream{Matcher: m, Reader: match.NewJSONLinesReader(bytes.NewReader(log.Bytes()), nil),
		OnHit: func(_ int64, h match.Hit) { hits = append(hits, h) }}
	if _, err := st.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	c0 := benchCPU()
	for b.Loop() {
		for _, h := range hits {
			c.Observed(h.Indicator.Pattern, h.Observations)
		}
	}
	// CPU time: on a shared machine wall time measures the neighbours.
	b.ReportMetric(float64((benchCPU()-c0).Nanoseconds())/float64(b.N*len(hits)), "cpu-ns/hit")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkIngestWarninglists measures what policy drop adds to ingest:
// the check of one indicator (its pattern parsed, its values looked up)
// against the generated lists and the samples, for match.Generator's
// indicators.
//
//	go test ./node -run '^$' -bench BenchmarkIngestWarninglists -benchtime 20000x
func BenchmarkIngestWarninglists(b *testing.B) {
	g := &match.Generator{Seed: 1, Indicators: 20000}
	var inds bytes.Buffer
	if err := g.WriteIndicators(&inds); err != nil {
		b.Fatal(err)
	}
	var objs []*stix.Object
	for _, line := range bytes.Split(bytes.TrimSpace(inds.Bytes()), []byte("\n")) {
		o, err := stix.ParseObject(line)
		if err != nil {
			b.Fatal(err)
		}
		objs = append(objs, o)
	}
	lists := (&warninglist.Generator{Seed: 1, Entries: *benchWLEntries}).Lists()
	samples, errs := warninglist.ReadDir("../testdata/warninglists")
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	c, _ := warninglist.Compile(append(lists, samples...))
	w := &Warninglists{Checker: c, Policy: warninglist.PolicyDrop}
	dropped, i := 0, 0
	for b.Loop() {
		if checkWarninglists(w, objs[i%len(objs)]) != nil {
			dropped++
		}
		i++
	}
	b.ReportMetric(float64(dropped)/float64(i), "dropped/op")
}
