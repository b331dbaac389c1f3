package match

import (
	"bytes"
	"context"
	"flag"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The matching benchmark. Sizes are flags so CI runs it small and the
// performance run full size:
//
//	go test ./match -run '^$' -bench BenchmarkMatchJSONLines -benchtime 1x \
//	    -match.indicators 1000000 -match.records 10000000 -match.hits 10000
var (
	benchIndicators = flag.Int("match.indicators", 20000, "indicators in BenchmarkMatchJSONLines")
	benchRecords    = flag.Int("match.records", 200000, "log records in BenchmarkMatchJSONLines")
	benchHits       = flag.Int("match.hits", 1000, "planted hits in BenchmarkMatchJSONLines")
	benchDir        = flag.String("match.dir", "", "write the generated indicators, log and values.txt here (for the grep comparison)")
)

// BenchmarkMatchJSONLines compiles the generated indicators (reporting the
// compile time and heap), then streams the generated JSON-lines log through
// the matcher on one goroutine, reporting records/s. It fails unless the
// matched records are exactly the planted ones.
//
// It runs twice on logs of the same size: "exact" with the indicator mix
// of exact values, CIDR blocks, domain suffixes and hashes, "patterns"
// with one indicator in ten a LIKE over URL paths and one in a hundred a
// MATCHES over URLs instead; the mixed load must keep at least half the
// exact-only throughput.
func BenchmarkMatchJSONLines(b *testing.B) {
	for _, patterns := range []bool{false, true} {
		name := map[bool]string{false: "exact", true: "patterns"}[patterns]
		b.Run(name, func(b *testing.B) {
			benchMatch(b, &Generator{Seed: 1, Indicators: *benchIndicators, Records: *benchRecords, Hits: *benchHits, Patterns: patterns})
		})
	}
}

func benchMatch(b *testing.B, g *Generator) {
	var inds, log bytes.Buffer
	if err := g.WriteIndicators(&inds); err != nil {
		b.Fatal(err)
	}
	planted, err := g.WriteLog(&log)
	if err != nil {
		b.Fatal(err)
	}
	if *benchDir != "" {
		os.WriteFile(*benchDir+"/indicators.jsonl", inds.Bytes(), 0o644)
		os.WriteFile(*benchDir+"/log.jsonl", log.Bytes(), 0o644)
		var vals bytes.Buffer
		g.WriteValues(&vals)
		os.WriteFile(*benchDir+"/values.txt", vals.Bytes(), 0o644)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	t0, c0 := time.Now(), cpuTime()
	m := New()
	if err := LoadIndicators(m, bytes.NewReader(inds.Bytes())); err != nil {
		b.Fatal(err)
	}
	compile, compileCPU := time.Since(t0), cpuTime()-c0
	raw := float64(inds.Len()) / (1 << 20)
	inds = bytes.Buffer{}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc)) / (1 << 20)
	b.SetBytes(int64(log.Len()))
	b.ResetTimer()
	for b.Loop() {
		cpu0 := cpuTime()
		st, err := (&Stream{Matcher: m, Reader: NewJSONLinesReader(bytes.NewReader(log.Bytes()), nil)}).Run(context.Background())
		// On a shared machine wall time measures the neighbours too; the
		// process's CPU time gives the throughput per core.
		b.ReportMetric(float64(st.Records)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
		if err != nil {
			b.Fatal(err)
		}
		if st.Matched != int64(planted) || st.Malformed != 0 {
			b.Fatalf("matched %d records (malformed %d), planted %d", st.Matched, st.Malformed, planted)
		}
		b.ReportMetric(st.RecordsPerSecond(), "records/s")
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(compile.Seconds(), "compile-s")
	b.ReportMetric(compileCPU.Seconds(), "compile-cpu-s")
	b.ReportMetric(heap, "index-MiB")
	b.ReportMetric(raw, "indicators-MiB")
	b.Logf("indicators=%d patterns=%t records=%d planted=%d compile=%s (cpu %s) GOMAXPROCS=%d", g.Indicators, g.Patterns, g.Records, planted, compile, compileCPU, runtime.GOMAXPROCS(0))
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
