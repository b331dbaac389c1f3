package trust

import (
	"fmt"
	"testing"
)

// TestDistributionMatrix sends objects of every TLP level, created here or
// relayed, to every kind of peer, and checks the complete access matrix:
// nothing goes where TLP 2.0 says it must not.
func TestDistributionMatrix(t *testing.T) {
	f := newTestFed(t)
	d := &Distribution{Local: orgFR, Registry: func() *Registry { return f.reg }}
	peers := []string{orgDE, orgHub, orgObs, orgOut}
	type row struct {
		name  string
		local bool // created by this node's organisation
		tlp   TLP
		want  string // one letter per peer (DE, hub, observer, outsider): y or n
	}
	for _, r := range []row{
		{"clear", true, TLPClear, "yyyn"},
		{"green", true, TLPGreen, "yyyn"},
		{"amber", true, TLPAmber, "yynn"},
		{"amber+strict", true, TLPAmberStrict, "nnnn"},
		{"red", true, TLPRed, "nnnn"},
		{"unmarked", true, TLPNone, "yynn"},
		{"relayed clear", false, TLPClear, "yyyn"},
		{"relayed green", false, TLPGreen, "yyyn"},
		{"relayed amber", false, TLPAmber, "nnnn"},
		{"relayed amber+strict", false, TLPAmberStrict, "nnnn"},
		{"relayed red", false, TLPRed, "nnnn"},
		{"relayed unmarked", false, TLPNone, "nnnn"},
	} {
		creator := orgFR
		if !r.local {
			creator = orgIT
		}
		o := indicator(t, creator, r.tlp, "2026-10-02T10:00:00Z")
		for i, p := range peers {
			dec := d.Decide(o, p)
			if got := dec.Allow; got != (r.want[i] == 'y') {
				t.Errorf("%s to %s: allow = %v (%s)", r.name, p, got, dec.Reason)
			}
			if dec.Reason == "" {
				t.Errorf("%s to %s: no reason", r.name, p)
			}
		}
	}
	// A sealed envelope goes to its recipients and to hubs only.
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, TLPRed, "2026-10-02T10:00:00Z"))
	env, err := f.ids[orgFR].sealAt(t0, inner, f.reg, []string{orgDE})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{orgDE: true, orgHub: true, orgIT: false, orgObs: false, orgOut: false} {
		if got := d.Decide(env, p); got.Allow != want {
			t.Errorf("sealed to %s: allow = %v (%s)", p, got.Allow, got.Reason)
		}
	}
	// A setting can lower the default for unmarked objects.
	green := &Distribution{Local: orgFR, Unmarked: TLPGreen, Registry: d.Registry}
	if !green.Decide(indicator(t, orgIT, TLPNone, "2026-10-02T10:00:00Z"), orgObs).Allow {
		t.Error("Unmarked: TLPGreen did not apply")
	}
	// Marking definitions themselves are public.
	md := mustParse(t, fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2022-10-01T00:00:00.000Z","name":"TLP:RED"}`, TLPRed.MarkingID()))
	if !d.Decide(md, orgObs).Allow {
		t.Error("marking definition withheld")
	}
}

func TestObjectTLP(t *testing.T) {
	o := mustParse(t, `{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","marking-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"]}`)
	if got := ObjectTLP(o); got != TLPAmber {
		t.Errorf("ObjectTLP = %s, want the most restrictive, TLP:AMBER", got)
	}
}
