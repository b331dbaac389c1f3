package bench

import (
	"math"
	"testing"
)

// TestHistogram reads the round histogram of two scrapes as a node serves
// them and checks what was observed in between.
func TestHistogram(t *testing.T) {
	scrape := func(fast, slow, sum string) string {
		return `# HELP rampart_peer_round_seconds Time of the rounds.
# TYPE rampart_peer_round_seconds histogram
rampart_peer_round_seconds_bucket{outcome="nothing-new",le="0.001"} 0
rampart_peer_round_seconds_bucket{outcome="nothing-new",le="0.005"} ` + fast + `
rampart_peer_round_seconds_bucket{outcome="nothing-new",le="0.1"} ` + slow + `
rampart_peer_round_seconds_bucket{outcome="nothing-new",le="+Inf"} ` + slow + `
rampart_peer_round_seconds_sum{outcome="nothing-new"} ` + sum + `
rampart_peer_round_seconds_count{outcome="nothing-new"} ` + slow + `
rampart_peer_round_seconds_bucket{outcome="stored",le="+Inf"} 7
rampart_peer_round_seconds_count{outcome="stored"} 7
rampart_peer_round_seconds_sum{outcome="stored"} 3.5
`
	}
	var before, after, d histogram
	before.parse(scrape("10", "10", "0.03"), roundMetric, `outcome="nothing-new"`)
	after.parse(scrape("109", "110", "0.53"), roundMetric, `outcome="nothing-new"`)
	d.sub(after, before)
	if d.count != 100 || math.Abs(d.sum-0.5) > 1e-9 {
		t.Errorf("between the scrapes: count %v, sum %v; want 100, 0.5", d.count, d.sum)
	}
	if got := d.quantile(0.5); got != 0.005 {
		t.Errorf("p50 bound %v, want 0.005", got)
	}
	if got := d.quantile(0.99); got != 0.005 {
		t.Errorf("p99 bound %v, want 0.005 (99 of 100 rounds within it)", got)
	}
	if got := d.quantile(1); got != 0.1 {
		t.Errorf("p100 bound %v, want 0.1", got)
	}
	var none histogram
	if got := none.quantile(0.99); got != 0 {
		t.Errorf("empty histogram: %v, want 0", got)
	}
}
