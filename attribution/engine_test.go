package attribution

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func find(cs []Candidate, ext string) *Candidate {
	for i := range cs {
		if cs[i].Entry.ExternalID == ext {
			return &cs[i]
		}
	}
	return nil
}

func contribution(cs []Contribution, ext string) *Contribution {
	for i := range cs {
		if cs[i].Evidence.ExternalID == ext {
			return &cs[i]
		}
	}
	return nil
}

func TestRankExplainsEvidenceForAndAgainst(t *testing.T) {
	p := DefaultParams
	p.Forgive = 0 // every missing tie counts (TestForgiveTakesWorstForNoise)
	e := NewEngine(small(t).k, Config{Params: p})
	r := e.Rank(Query{ID: "q", Techniques: []string{"T1", "T9", "T3"}})
	if r.Abstained {
		t.Fatalf("abstained: %s", r.Reason)
	}
	if got := r.Candidates[0].Entry.ExternalID; got != "G1" {
		t.Fatalf("best = %s, want G1 (the only set with the rare T9)", got)
	}
	g1 := r.Candidates[0]
	rare, common := contribution(g1.For, "T9"), contribution(g1.For, "T1")
	if rare == nil || common == nil {
		t.Fatalf("G1 for = %+v, want T9 and T1", g1.For)
	}
	if !(rare.Weight > common.Weight) {
		t.Errorf("rare T9 weighs %.3f, common T1 %.3f: rare evidence must weigh more", rare.Weight, common.Weight)
	}
	// T9 is G1's, and G3's only through the alias they share.
	if rare.Sets != 2 || common.Sets != 3 {
		t.Errorf("sets tied: T9 %d (want 2), T1 %d (want 3)", rare.Sets, common.Sets)
	}
	if rare.Source != SourceDirect || rare.String() != "uses it" {
		t.Errorf("T9 tie = %v %q, want direct", rare.Source, rare.String())
	}
	// T3 is G4's, and G4 was revoked in favour of G1: a weighted link.
	t3 := contribution(g1.For, "T3")
	if t3 == nil || t3.Source != SourceRevoked || t3.Via.ExternalID != "G4" {
		t.Errorf("T3 for G1 = %+v, want through revoked G4", t3)
	}
	// G2 has no tie to T9: it counts against it.
	g2 := find(r.Candidates, "G2")
	if g2 == nil || contribution(g2.Against, "T9") == nil || !(contribution(g2.Against, "T9").Weight < 0) {
		t.Errorf("G2 against = %+v, want T9 with a negative weight", g2)
	}
	// Contributions and prior add up to the log score.
	sum := e.groups.cands[e.groupIndex[g1.Entry]].prior
	for _, c := range append(g1.For, g1.Against...) {
		sum += c.Weight
	}
	base := make([]float64, len(e.groups.cands))
	e.groups.score(r.Evidence, e.params, base)
	if got := base[e.groupIndex[g1.Entry]]; math.Abs(got-sum) > 1e-9 {
		t.Errorf("contributions add to %.6f, score is %.6f", sum, got)
	}
	// Scores are probabilities, best first.
	for i, c := range r.Candidates {
		if c.Score < 0 || c.Score > 1 || i > 0 && c.Posterior > r.Candidates[i-1].Posterior {
			t.Errorf("candidate %d: score %.3f posterior %.3f out of order or range", i, c.Score, c.Posterior)
		}
	}
}

func TestRankHierarchyAliasesAndSharedAttribution(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	// T5.001 is observed; G2 only records its parent T5.
	r := e.Rank(Query{Techniques: []string{"T5.001"}})
	g2 := find(r.Candidates, "G2")
	if g2 == nil {
		t.Fatal("G2 not ranked")
	}
	c := contribution(g2.For, "T5.001")
	if c == nil || c.Source != SourceParent || c.Via.ExternalID != "T5" {
		t.Fatalf("T5.001 for G2 = %+v, want through the parent technique T5", c)
	}
	if !strings.Contains(c.String(), "parent technique Five (T5)") {
		t.Errorf("tie text = %q", c.String())
	}

	// T4 and S2 are campaign C1's, attributed to both G2 and G3; G1 sees
	// G3's T4 through the alias they share.
	r = e.Rank(Query{Techniques: []string{"T4"}, Software: []string{"S2"}})
	g1, g3 := find(r.Candidates, "G1"), find(r.Candidates, "G3")
	if g1 == nil || g3 == nil {
		t.Fatal("G1 or G3 not ranked")
	}
	a := contribution(g1.For, "T4")
	if a == nil || a.Source != SourceAlias || a.Alias != "shared bear" || a.Via.ExternalID != "G3" {
		t.Errorf("T4 for G1 = %+v, want through alias %q of G3", a, "shared bear")
	}
	var alias bool
	for _, l := range g1.Links {
		alias = alias || l.Kind == LinkAlias && l.Other.ExternalID == "G3"
	}
	if !alias {
		t.Errorf("G1 links = %v, want the alias link to G3", g1.Links)
	}
	s := contribution(g3.For, "S2")
	if s == nil || s.Source != SourceCampaign || s.Via.ExternalID != "C1" {
		t.Errorf("S2 for G3 = %+v, want in campaign C1", s)
	}
	var shared string
	for _, l := range g3.Links {
		if l.Kind == LinkCampaign {
			shared = labels(l.Shared)
		}
	}
	if shared != "G2" {
		t.Errorf("G3's campaign link is shared with %q, want G2", shared)
	}
	// The alias link never merges: G1 and G3 stay separate candidates.
	if g1.Entry == g3.Entry || g1.Score == g3.Score && g1.LogOdds == g3.LogOdds {
		t.Errorf("G1 and G3 look merged: %+v %+v", g1, g3)
	}
	if len(r.Campaigns) == 0 || r.Campaigns[0].Entry.ExternalID != "C1" || labels(r.Campaigns[0].AttributedTo) != "G2,G3" {
		t.Errorf("campaigns = %+v, want C1 first, attributed to G2,G3", r.Campaigns)
	}
}

func TestRankNotesAndAbstains(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	for _, tc := range []struct {
		name   string
		q      Query
		notes  []string
		reason string
	}{
		{"empty", Query{}, nil, "the query is empty"},
		{"unknown only", Query{Techniques: []string{"T9999"}}, []string{`"T9999": unknown technique; ignored`}, "no item of the query is known evidence"},
		{"deprecated", Query{Techniques: []string{"T7"}}, []string{"Seven (T7) is deprecated in ATT&CK; ignored"}, "no item"},
		{"wrong type", Query{Techniques: []string{"S1"}}, []string{"Malware One (S1) is a malware, not a technique; ignored"}, "no item"},
		{"revoked counted as replacement", Query{Techniques: []string{"T8", "T9"}}, []string{"Eight (T8) is revoked; counted as Two (T2)"}, ""},
		{"unknown with known", Query{Techniques: []string{"T9", "T0000"}, Software: []string{"S1"}}, []string{`"T0000": unknown technique; ignored`}, ""},
	} {
		r := e.Rank(tc.q)
		var notes []string
		for _, n := range r.Notes {
			notes = append(notes, n.String())
		}
		for _, want := range tc.notes {
			if !strings.Contains(strings.Join(notes, "\n"), want) {
				t.Errorf("%s: notes = %q, want %q", tc.name, notes, want)
			}
		}
		if tc.reason == "" {
			if r.Abstained {
				t.Errorf("%s: abstained (%s), want a ranking", tc.name, r.Reason)
			}
			continue
		}
		if !r.Abstained || !strings.Contains(r.Reason, tc.reason) || len(r.Candidates) != 0 {
			t.Errorf("%s: abstained %v reason %q candidates %d, want abstention %q without candidates", tc.name, r.Abstained, r.Reason, len(r.Candidates), tc.reason)
		}
	}
}

func TestRankExcludeHidesCampaign(t *testing.T) {
	b := small(t)
	e := NewEngine(b.k, Config{Exclude: map[string]bool{b.ids["C1"]: true}})
	r := e.Rank(Query{Techniques: []string{"T4"}, Software: []string{"S2"}})
	g2 := find(r.Candidates, "G2")
	if g2 != nil && contribution(g2.For, "T4") != nil {
		t.Errorf("G2 still tied to T4 through the hidden campaign: %+v", g2.For)
	}
	for _, c := range r.Campaigns {
		if c.Entry.ExternalID == "C1" {
			t.Error("the hidden campaign is still ranked")
		}
	}
}

func TestWriteText(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	r := e.Rank(Query{ID: "inc-7", Techniques: []string{"T1", "T9", "T3", "T0000"}})
	var buf bytes.Buffer
	if err := r.WriteText(&buf, 4); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Query inc-7",
		`note: "T0000": unknown technique; ignored`,
		" 1. Alpha (G1)  score ",
		"also known as: Shared Bear",
		"Rare Nine (T9): uses it (tied to 2 sets)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "Three (T3): through revoked Old Alpha (G4)") || !strings.Contains(out, "Old Alpha (G4) was revoked in its favour") {
		t.Errorf("output does not explain the revoked-by link:\n%s", out)
	}
	if !strings.Contains(out, "against:") {
		t.Errorf("output lists no evidence against any candidate:\n%s", out)
	}
}

func TestAttackQueryRanksAPT29ForSolarWindsSoftware(t *testing.T) {
	e := NewEngine(attack(t), Config{})
	// SUNBURST, TEARDROP, Raindrop and GoldMax: software of the SolarWinds
	// compromise, all APT29's.
	r := e.Rank(Query{Software: []string{"S0559", "S0560", "S0565", "S0588"}, Techniques: []string{"T1195.002"}})
	if r.Abstained || r.Candidates[0].Entry.ExternalID != "G0016" {
		t.Fatalf("best = %s (abstained %v), want APT29 (G0016)", r.Candidates[0].Entry.Label(), r.Abstained)
	}
	if r.Candidates[0].Score < 0.5 {
		t.Errorf("APT29 scores %.2f, want a confident score", r.Candidates[0].Score)
	}
}

// TestExplainAgreesWithRank: a candidate explained on its own has the
// score, place and contributions Rank gives it, whatever its place.
func TestExplainAgreesWithRank(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	q := Query{Techniques: []string{"T1", "T9", "T3"}, Limit: 100}
	r := e.Rank(q)
	for _, c := range r.Candidates {
		got := e.Explain(q, c.Entry.ExternalID)
		if len(got) != 1 {
			t.Fatalf("Explain(%s) = %d candidates", c.Entry.Label(), len(got))
		}
		x := got[0]
		if x.Place != c.Place || x.Score != c.Score || x.Posterior != c.Posterior || len(x.For) != len(c.For) || len(x.Against) != len(c.Against) {
			t.Errorf("%s: explained place %d score %.4f, %d for, %d against; ranked place %d score %.4f, %d for, %d against",
				c.Entry.Label(), x.Place, x.Score, len(x.For), len(x.Against), c.Place, c.Score, len(c.For), len(c.Against))
		}
	}
	if got := e.Explain(q, "T1", "no such set"); len(got) != 0 {
		t.Errorf("Explain of a technique and an unknown name: %d candidates, want none", len(got))
	}
}

// TestForgiveTakesWorstForNoise: with Params.Forgive a candidate's least
// fitting named techniques, as long as they count against it and are not
// its own uses, are taken for noise: they weigh 0 in its explanation and in the ACH comparison,
// and the contributions still add up to its score.
func TestForgiveTakesWorstForNoise(t *testing.T) {
	p := DefaultParams
	p.Forgive = 0.34 // one of three named techniques
	e := NewEngine(small(t).k, Config{Params: p})
	q := Query{Techniques: []string{"T1", "T9", "T3"}}
	r := e.Rank(q)
	g2 := find(r.Candidates, "G2")
	if g2 == nil {
		t.Fatalf("G2 not ranked: %+v", r.Candidates)
	}
	t9 := contribution(g2.Against, "T9")
	if t9 == nil || !t9.Noise || t9.Weight != 0 || !strings.Contains(t9.String(), "taken for noise") {
		t.Fatalf("T9 against G2 = %+v; want taken for noise, weight 0", t9)
	}
	noise := 0
	for _, c := range r.Candidates {
		sum := e.groups.cands[e.groupIndex[c.Entry]].prior
		for _, x := range append(c.For, c.Against...) {
			sum += x.Weight
			if x.Noise {
				noise++
				if x.Weight != 0 {
					t.Errorf("%s: %s taken for noise weighs %.3f", c.Entry.Label(), x.Evidence.Label(), x.Weight)
				}
				if x.Matched && x.Source == SourceDirect {
					t.Errorf("%s: its own use of %s taken for noise", c.Entry.Label(), x.Evidence.Label())
				}
			}
		}
		base := make([]float64, len(e.groups.cands))
		e.groups.score(r.Evidence, e.params, base)
		if got := base[e.groupIndex[c.Entry]]; math.Abs(got-sum) > 1e-6 {
			t.Errorf("%s: contributions add to %.6f, score is %.6f", c.Entry.Label(), sum, got)
		}
	}
	if noise == 0 || noise > len(r.Candidates) {
		t.Errorf("%d contributions taken for noise over %d candidates; want one at most each, and some", noise, len(r.Candidates))
	}
	// Without Forgive, T9 costs G2: the forgiven score is higher by that.
	p.Forgive = 0
	plain := NewEngine(small(t).k, Config{Params: p})
	pr := plain.Rank(q)
	if c := contribution(find(pr.Candidates, "G2").Against, "T9"); c == nil || !(c.Weight < 0) || c.Noise {
		t.Errorf("without Forgive T9 against G2 = %+v; want a negative weight", c)
	}
	cmp := e.Compare(q, 3)
	for _, row := range cmp.Rows {
		for i, cell := range row.Cells {
			if cell.Noise && cell.Weight != 0 {
				t.Errorf("ACH cell %s × %s taken for noise weighs %.3f", row.Evidence.Entry.Label(), cmp.Hypotheses[i].Entry.Label(), cell.Weight)
			}
		}
	}
}
