package pattern

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOASISVectors parses, checks and evaluates every STIX 2.1 vector
// of the OASIS matcher suite whose data is valid, the workload the Python
// reference runs at about 3,500 evaluations/s on the project machines.
// Observed data is decoded once beforehand, as the reference receives it
// decoded. The evals/s metric is the throughput to compare.
func BenchmarkOASISVectors(b *testing.B) {
	type prepared struct {
		pattern string
		obs     []*Observation
	}
	var work []prepared
	for _, v := range loadVectors[matcherVector](b, "matcher-vectors.json") {
		obs, err := ParseObservations(v.ObservedData)
		if err != nil {
			continue
		}
		work = append(work, prepared{v.Pattern, obs})
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		for _, w := range work {
			p, err := Compile(w.pattern)
			if err == nil {
				p.Evaluate(w.obs)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "evals/s")
	// On a shared machine wall time also measures the neighbours; CPU
	// time gives the throughput of one core.
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "evals/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkParse measures parsing and checking a typical indicator pattern.
func BenchmarkParse(b *testing.B) {
	const src = "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:name MATCHES '^inv.*\\\\.exe$'] FOLLOWEDBY [network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24'] WITHIN 300 SECONDS"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}
