package attribution

import (
	"slices"
	"strings"
	"testing"
)

// TestFamiliesDrawWhatTheySay checks each family's incidents against its
// protocol: where the noise comes from, the group sizes, the software, the
// share of a campaign observed.
func TestFamiliesDrawWhatTheySay(t *testing.T) {
	k := attack(t)
	cfg := DefaultEvalConfig
	cfg.FamilyN = 40
	ev := &evaluator{k: k, cfg: cfg}
	ev.base = NewEngine(k, Config{})
	draw := func(name string) []incident {
		t.Helper()
		fs, err := FindFamilies([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		ins, err := ev.family(fs[0], 7)
		if err != nil {
			t.Fatal(err)
		}
		return ins
	}
	profile := func(in incident) *candidate { return ev.base.groups.cands[ev.base.groupIndex[in.truth[0]]] }
	for _, side := range []string{"inside", "outside"} {
		ins := draw("noise top-50 " + side)
		if len(ins) != cfg.FamilyN {
			t.Fatalf("%s: %d incidents, want %d", side, len(ins), cfg.FamilyN)
		}
		pool := ev.noisePoolN(50)
		for _, in := range ins {
			c := profile(in)
			if n := len(directTechniques(c)); n < 10 {
				t.Errorf("%s: %s has %d techniques, want at least 10", side, in.truth[0].ExternalID, n)
			}
			if len(in.query.Techniques) != 7 {
				t.Fatalf("%s: %d techniques, want 5 + 2 noise", side, len(in.query.Techniques))
			}
			for _, id := range in.query.Techniques[5:] {
				x := k.Entry(id)
				tt, tied := c.profile[x]
				own := tied && tt.src == SourceDirect
				if !slices.Contains(pool, x) || own != (side == "inside") {
					t.Errorf("%s: noise %s of %s: in pool %v, the group's own %v", side, x.ExternalID, in.truth[0].ExternalID, slices.Contains(pool, x), own)
				}
			}
		}
	}
	for _, in := range draw("few techniques (<10), k≤5, 2 noise") {
		if n := len(directTechniques(profile(in))); n >= 10 || n < 1 {
			t.Errorf("few: %s has %d techniques", in.truth[0].ExternalID, n)
		}
	}
	with, without := draw("with software (2), 2 noise"), draw("without software, same incidents")
	for i := range with {
		if len(with[i].query.Software) != 2 || len(without[i].query.Software) != 0 || !slices.Equal(with[i].query.Techniques, without[i].query.Techniques) {
			t.Fatalf("incident %d: with %+v, without %+v: want the same techniques, 2 software and none", i, with[i].query, without[i].query)
		}
		for _, s := range with[i].query.Software {
			if tt, ok := profile(with[i]).profile[k.Entry(s)]; !ok || tt.src != SourceDirect {
				t.Errorf("software %s is not used by %s", s, with[i].truth[0].ExternalID)
			}
		}
	}
	whole, half := draw("campaigns, each hidden"), draw("campaigns, all hidden, half of techniques")
	if len(whole) != len(half) || len(whole) == 0 {
		t.Fatalf("campaign families hold %d and %d incidents", len(whole), len(half))
	}
	for i := range whole {
		n := len(whole[i].query.Techniques)
		if got := len(half[i].query.Techniques); n > 0 && got != max(1, (n+1)/2) && got != max(1, n/2) {
			t.Errorf("campaign %s: %d of %d techniques observed, want half", whole[i].query.ID, got, n)
		}
		if len(half[i].exclude) < len(whole) {
			t.Errorf("campaign %s: %d objects hidden, want every campaign", half[i].query.ID, len(half[i].exclude))
		}
	}
	if _, err := FindFamilies([]string{"no such family"}); err == nil {
		t.Error("unknown family accepted")
	}
	bad := DefaultEvalConfig
	bad.Families = []Family{{Name: "sideways", K: 5, Noise: 2, NoisePool: 20, NoiseSide: "sideways"}}
	if _, err := Evaluate(NewKnowledge(), bad); err == nil || !strings.Contains(err.Error(), `family "sideways": noise side`) {
		t.Errorf("bad family: err = %v, want one naming the family and its noise side", err)
	}
}
