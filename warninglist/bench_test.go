package warninglist

import (
	"flag"
	"runtime"
	"testing"
	"time"
)

var benchEntries = flag.Int("warninglist.entries", 500000, "generated entries in the warninglist benchmarks")

// benchLists returns the generated lists and the real samples.
func benchLists(b *testing.B) []*List {
	lists := (&Generator{Seed: 1, Entries: *benchEntries}).Lists()
	real, errs := ReadDir(samples)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	return append(lists, real...)
}

// BenchmarkCompile measures the compilation of the generated lists and
// the samples, and the heap the Checker holds.
//
//	go test ./warninglist -run '^$' -bench BenchmarkCompile -benchtime 3x
func BenchmarkCompile(b *testing.B) {
	lists := benchLists(b)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var c *Checker
	var took time.Duration
	for b.Loop() {
		t0 := time.Now()
		c, _ = Compile(lists)
		took = time.Since(t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(c.Entries()), "entries")
	b.ReportMetric(took.Seconds(), "compile-s")
	b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "heap-MiB")
	runtime.KeepAlive(c)
}

// BenchmarkCheck measures one Check of values of each kind, listed or not,
// against the generated lists and the samples.
//
//	go test ./warninglist -run '^$' -bench BenchmarkCheck
func BenchmarkCheck(b *testing.B) {
	c, _ := Compile(benchLists(b))
	for _, tc := range []struct {
		name  string
		kind  Kind
		value string
	}{
		{"ip-miss", KindIP, "185.199.108.77"},
		{"ip-hit", KindIP, "8.8.8.8"},
		{"ipv6-miss", KindIP, "2001:db8::77"},
		{"domain-miss", KindDomain, "www.evil-domain.example"},
		{"domain-hit", KindDomain, "www.bmw.de"},
		{"url-miss", KindURL, "http://evil.example/path/x.php?id=1"},
		{"sha256-miss", KindSHA256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"email-miss", KindEmail, "alice@example.org"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				c.Check(tc.kind, tc.value)
			}
		})
	}
}
