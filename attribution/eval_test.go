package attribution

import (
	"math"
	"testing"
)

// TestEvaluateBeatsBaselines runs the harness on a small seed set over
// ATT&CK and checks that the engine ranks better than every baseline, by
// mean reciprocal rank, on sampled incidents and on campaigns.
func TestEvaluateBeatsBaselines(t *testing.T) {
	cfg := DefaultEvalConfig
	cfg.Seed, cfg.CalibrationSeed = 11, 12
	cfg.Ks = []int{5}
	cfg.PerK = 40
	cfg.HeldOut = 20
	cfg.Families = nil
	rep, err := Evaluate(attack(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sets != 172 || rep.Campaigns.N != 24 {
		t.Errorf("ranked %d sets over %d campaigns, want 172 and 24", rep.Sets, rep.Campaigns.N)
	}
	for _, regime := range []RegimeResult{rep.Sampled[0], rep.Campaigns} {
		ours := regime.Method(MethodRampart)
		for _, m := range []string{MethodJaccard, MethodTFIDF, MethodTFIDFSoftware} {
			b := regime.Method(m)
			if !(ours.MRR.Value > b.MRR.Value) {
				t.Errorf("%s: rampart MRR %.3f does not beat %s %.3f", regime.Name, ours.MRR.Value, m, b.MRR.Value)
			}
			if ours.Top5.Value < b.Top5.Value {
				t.Errorf("%s: rampart top-5 %.3f below %s %.3f", regime.Name, ours.Top5.Value, m, b.Top5.Value)
			}
		}
	}
	// The fitted map is monotone and the diagram accounts for every
	// top-10 candidate.
	n := 0
	for _, b := range rep.Reliability["sampled"] {
		n += b.N
	}
	if n != 10*rep.Sampled[0].N {
		t.Errorf("reliability diagram holds %d candidates, want %d", n, 10*rep.Sampled[0].N)
	}
	if _, err := ParseCalibration(must(rep.Calibration.MarshalJSON())); err != nil {
		t.Errorf("fitted calibration does not parse back: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestEvaluateRefusesEqualSeeds(t *testing.T) {
	cfg := DefaultEvalConfig
	cfg.CalibrationSeed = cfg.Seed
	if _, err := Evaluate(NewKnowledge(), cfg); err == nil {
		t.Error("equal seeds accepted")
	}
}

func TestRankOutcomeTies(t *testing.T) {
	for _, tc := range []struct {
		scores []float64
		truth  []int
		top1   float64
		top3   float64
		rr     float64
	}{
		{[]float64{3, 2, 1}, []int{0}, 1, 1, 1},
		{[]float64{3, 2, 1}, []int{2}, 0, 1, 1.0 / 3},
		{[]float64{1, 1, 1, 1}, []int{0}, 0.25, 0.75, (1 + 0.5 + 1.0/3 + 0.25) / 4},
		{[]float64{5, 1, 4}, []int{1, 2}, 0, 1, 0.5},
	} {
		o := rankOutcome(tc.scores, tc.truth)
		if math.Abs(o.hits[0]-tc.top1) > 1e-12 || math.Abs(o.hits[1]-tc.top3) > 1e-12 || math.Abs(o.rr-tc.rr) > 1e-12 {
			t.Errorf("rankOutcome(%v, %v) = top1 %v top3 %v rr %v, want %v %v %v", tc.scores, tc.truth, o.hits[0], o.hits[1], o.rr, tc.top1, tc.top3, tc.rr)
		}
	}
}

func TestWilson(t *testing.T) {
	r := wilson(16, 24)
	// 16/24 with z = 1.96: 0.667 [0.467, 0.820].
	if math.Abs(r.Value-0.6667) > 1e-3 || math.Abs(r.Low-0.467) > 2e-3 || math.Abs(r.High-0.820) > 2e-3 {
		t.Errorf("wilson(16, 24) = %+v", r)
	}
}
