package attribution

import "testing"

// TestHideTiesHidesEveryPath: hiding a technique from a set removes its
// tie whatever the path (own uses, software, hierarchy, campaigns) and
// leaves the other sets' ties alone.
func TestHideTiesHidesEveryPath(t *testing.T) {
	b := small(t)
	k := b.k
	tie := func(e *Engine, set, tech string) (tie, bool) {
		c := e.groups.cands[e.groupIndex[k.Lookup(set)]]
		x, ok := c.profile[k.Lookup(tech)]
		return x, ok
	}
	base := NewEngine(k, Config{})
	for _, c := range []struct {
		set, tech string
		src       Source
	}{
		{"G1", "T9", SourceDirect},   // its own uses
		{"G1", "T6", SourceSoftware}, // S1, which G1 uses, implements T6
		{"G2", "T5.001", SourceParent},
		{"G2", "T4", SourceCampaign}, // C1, attributed to G2, uses T4
		{"G1", "T3", SourceRevoked},  // G4, revoked by G1, uses T3
	} {
		x, ok := tie(base, c.set, c.tech)
		if !ok || x.src != c.src {
			t.Fatalf("before hiding: %s–%s tie %+v %v, want %v", c.set, c.tech, x, ok, c.src)
		}
		hidden := NewEngine(k, Config{HideTies: map[string][]string{k.Lookup(c.set).ID: {k.Lookup(c.tech).ID}}})
		if x, ok := tie(hidden, c.set, c.tech); ok {
			t.Errorf("hiding %s from %s left a tie %+v", c.tech, c.set, x)
		}
		// Evidence of the hidden technique counts against the set now.
		r := hidden.Explain(Query{Techniques: []string{c.tech}}, c.set)
		if len(r) != 1 || contribution(r[0].For, c.tech) != nil {
			t.Errorf("hiding %s from %s: explanation still counts it for the set: %+v", c.tech, c.set, r)
		}
	}
	// G3 uses T4 itself: hiding T4 from G2 leaves G3's tie.
	hidden := NewEngine(k, Config{HideTies: map[string][]string{k.Lookup("G2").ID: {k.Lookup("T4").ID}}})
	if x, ok := tie(hidden, "G3", "T4"); !ok || x.src != SourceDirect {
		t.Errorf("G3–T4 after hiding T4 from G2: %+v %v, want its own direct tie", x, ok)
	}
	// Hiding the sub-technique T5.001 from a set that uses it also hides
	// what it implied: the parent T5.
	b.uses("G3", "T5.001")
	k3 := b.k
	base = NewEngine(k3, Config{})
	if x, ok := tie(base, "G3", "T5"); !ok || x.src != SourceChild {
		t.Fatalf("G3–T5 = %+v %v, want through its sub-technique", x, ok)
	}
	hidden = NewEngine(k3, Config{HideTies: map[string][]string{k3.Lookup("G3").ID: {k3.Lookup("T5.001").ID}}})
	if x, ok := tie(hidden, "G3", "T5"); ok {
		t.Errorf("G3–T5 survived hiding T5.001: %+v", x)
	}
}

// TestHeldOutHidesEveryPath draws held-out incidents from ATT&CK: under
// the default regime no hidden tie survives, while removing only the uses
// relationships leaves most of them (the leak the regime closes).
func TestHeldOutHidesEveryPath(t *testing.T) {
	k := attack(t)
	for _, regime := range []string{HideAll, HideUses} {
		cfg := DefaultEvalConfig
		cfg.HeldOut, cfg.HeldOutHide = 6, regime
		ev := &evaluator{k: k, cfg: cfg}
		ev.base = NewEngine(k, Config{})
		l := Leak{UsesOnly: map[Source]int{}}
		for _, in := range ev.heldOut(21) {
			e, _ := ev.engine(in)
			ev.countLeak(&l, in, e)
		}
		leaked := 0
		for _, n := range l.UsesOnly {
			leaked += n
		}
		if l.Pairs != cfg.HeldOut*cfg.HeldOutHidden {
			t.Errorf("%s: %d hidden pairs, want %d", regime, l.Pairs, cfg.HeldOut*cfg.HeldOutHidden)
		}
		if leaked == 0 || l.UsesOnly[SourceDirect] != 0 {
			t.Errorf("%s: uses-only leak %v: want some ties back, none direct", regime, l.UsesOnly)
		}
		want := 0
		if regime == HideUses {
			want = leaked
		}
		if l.Remaining != want {
			t.Errorf("%s: %d hidden ties remain when ranked, want %d", regime, l.Remaining, want)
		}
	}
	cfg := DefaultEvalConfig
	cfg.HeldOutHide = "some"
	if _, err := Evaluate(NewKnowledge(), cfg); err == nil {
		t.Error("unknown held-out regime accepted")
	}
}
