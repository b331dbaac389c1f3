package attribution

import (
	"bytes"
	"strings"
	"testing"
)

// sharp returns the small knowledge's engine with little smoothing: its
// profiles are tiny, and with the default mass a missing tie costs little.
// sharp is an engine over the small knowledge that trusts profiles more
// and takes nothing for noise (Forgive 0), so that every missing tie
// counts against its hypothesis.
func sharp(t *testing.T) *Engine {
	p := DefaultParams
	p.TechniqueMu = 1
	p.Forgive = 0
	return NewEngine(small(t).k, Config{Params: p})
}

func cellOf(c *Comparison, evidence, hypothesis string) *Cell {
	for _, r := range c.Rows {
		if r.Evidence.Entry.ExternalID != evidence {
			continue
		}
		for i, h := range c.Hypotheses {
			if h.Entry.ExternalID == hypothesis {
				return &r.Cells[i]
			}
		}
	}
	return nil
}

func TestCompareSetsHypothesesSideBySide(t *testing.T) {
	e := sharp(t)
	// T9 is G1's alone (and G3's through a shared alias); T3 is G2's (and
	// G1's through the revoked G4).
	c := e.Compare(Query{Techniques: []string{"T9", "T3"}}, 3)
	if c == nil || len(c.Hypotheses) != 3 {
		t.Fatalf("comparison = %+v, want 3 hypotheses", c)
	}
	if got := c.Hypotheses[0].Entry.ExternalID; got != "G1" {
		t.Errorf("H1 = %s, want G1", got)
	}
	if len(c.Rows) != 2 {
		t.Fatalf("rows = %d, want one per piece of evidence (2)", len(c.Rows))
	}
	for _, r := range c.Rows {
		if len(r.Cells) != len(c.Hypotheses) {
			t.Errorf("row %s has %d cells, want %d", r.Evidence.Entry.ExternalID, len(r.Cells), len(c.Hypotheses))
		}
	}
	if c.Rows[0].Diagnosticity < c.Rows[1].Diagnosticity {
		t.Errorf("rows not most diagnostic first: %.2f then %.2f", c.Rows[0].Diagnosticity, c.Rows[1].Diagnosticity)
	}
	if x := cellOf(c, "T9", "G1"); x == nil || x.Consistency != Consistent || x.Source != SourceDirect || !(x.Weight > 0) {
		t.Errorf("T9 against G1 = %+v, want consistent, direct, positive", x)
	}
	if x := cellOf(c, "T9", "G2"); x != nil && (x.Consistency != Inconsistent || x.Matched || !(x.Weight < 0)) {
		t.Errorf("T9 against G2 = %+v, want inconsistent, no tie, negative", x)
	}
	// G2 uses T5 and T1, which were not observed: its profile predicts them.
	for i, h := range c.Hypotheses {
		if h.Entry.ExternalID != "G2" {
			continue
		}
		var got []string
		for _, m := range c.Missing[i] {
			got = append(got, m.Entry.ExternalID)
			if m.For != h.Entry {
				t.Errorf("missing %s is for %s, want G2", m.Entry.ExternalID, m.For.ExternalID)
			}
		}
		if !strings.Contains(strings.Join(got, ","), "T5") {
			t.Errorf("G2 missing = %v, want T5 among them", got)
		}
	}
	if len(c.Separating) == 0 {
		t.Fatal("no separating evidence listed")
	}
	for _, s := range c.Separating {
		if s.For != c.Hypotheses[0].Entry && s.For != c.Hypotheses[1].Entry {
			t.Errorf("separating %s favours %s, neither of the first two", s.Entry.ExternalID, s.For.ExternalID)
		}
		if !(s.Gain > 0) {
			t.Errorf("separating %s has gain %.3f, want > 0", s.Entry.ExternalID, s.Gain)
		}
	}
	var text bytes.Buffer
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"H1  Alpha (G1)", "Rare Nine (T9)", "diagnosticity", "predicts, not observed", "would separate them"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("comparison text lacks %q:\n%s", want, text.String())
		}
	}
	v := NewComparisonView(c)
	if len(v.Hypotheses) != 3 || len(v.Evidence) != 2 || len(v.Evidence[0].Cells) != 3 || len(v.Hypotheses[0].Missing) == 0 {
		t.Errorf("view = %+v, want 3 hypotheses, 2 rows of 3 cells, missing evidence", v)
	}
}

func TestCompareWithoutEvidenceIsNil(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	if c := e.Compare(Query{Techniques: []string{"T9999"}}, 3); c != nil {
		t.Errorf("comparison of unknown evidence = %+v, want nil", c)
	}
}

// TestRankSaysWhenUndecided: evidence every candidate shows does not
// separate them; the ranking says so and names what would.
func TestRankSaysWhenUndecided(t *testing.T) {
	e := sharp(t)
	r := e.Rank(Query{Techniques: []string{"T1"}})
	if !r.Close || len(r.Separating) == 0 {
		t.Fatalf("T1 alone: close %v (margin %.2f), separating %d; want undecided with separating evidence", r.Close, r.Margin, len(r.Separating))
	}
	if r.Candidates[0].Score > 0.9 {
		t.Errorf("undecided ranking scores its best %.2f", r.Candidates[0].Score)
	}
	var text bytes.Buffer
	r.WriteText(&text, 8)
	if !strings.Contains(text.String(), "Undecided: the evidence does not separate") || !strings.Contains(text.String(), "would separate them") {
		t.Errorf("explanation does not say it is undecided:\n%s", text.String())
	}
	// G1's own rare evidence does separate them.
	if r := e.Rank(Query{Techniques: []string{"T9", "T2"}, Software: []string{"S1"}}); r.Close {
		t.Errorf("T9, T2 and S1 (G1's own): undecided with margin %.2f", r.Margin)
	}
}
