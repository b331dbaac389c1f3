package trust

import (
	"fmt"
	"testing"

	"github.com/rampart-cti/rampart/stix"
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
		tlp   stix.TLP
		want  string // one letter per peer (DE, hub, observer, outsider): y or n
	}
	for _, r := range []row{
		{"clear", true, stix.TLPClear, "yyyn"},
		{"green", true, stix.TLPGreen, "yyyn"},
		{"amber", true, stix.TLPAmber, "yynn"},
		{"amber+strict", true, stix.TLPAmberStrict, "nnnn"},
		{"red", true, stix.TLPRed, "nnnn"},
		{"unmarked", true, stix.TLPUnmarked, "yynn"},
		{"relayed clear", false, stix.TLPClear, "yyyn"},
		{"relayed green", false, stix.TLPGreen, "yyyn"},
		{"relayed amber", false, stix.TLPAmber, "nnnn"},
		{"relayed amber+strict", false, stix.TLPAmberStrict, "nnnn"},
		{"relayed red", false, stix.TLPRed, "nnnn"},
		{"relayed unmarked", false, stix.TLPUnmarked, "nnnn"},
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
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	env, err := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, []string{orgDE})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{orgDE: true, orgHub: true, orgIT: false, orgObs: false, orgOut: false} {
		if got := d.Decide(env, p); got.Allow != want {
			t.Errorf("sealed to %s: allow = %v (%s)", p, got.Allow, got.Reason)
		}
	}
	// A setting can lower the default for unmarked objects.
	green := &Distribution{Local: orgFR, Unmarked: stix.TLPGreen, Registry: d.Registry}
	if !green.Decide(indicator(t, orgIT, stix.TLPUnmarked, "2026-10-02T10:00:00Z"), orgObs).Allow {
		t.Error("Unmarked: stix.TLPGreen did not apply")
	}
	// Marking definitions themselves are public.
	md := mustParse(t, fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2022-10-01T00:00:00.000Z","name":"TLP:RED"}`, stix.TLPRed.MarkingID()))
	if !d.Decide(md, orgObs).Allow {
		t.Error("marking definition withheld")
	}
}

// TestDistributionGranularRED: an object marked TLP:GREEN as a whole but
// with one property marked TLP:RED does not go out in clear.
func TestDistributionGranularRED(t *testing.T) {
	f := newTestFed(t)
	d := &Distribution{Local: orgFR, Registry: func() *Registry { return f.reg }}
	o := mustParse(t, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-02T10:00:00.000Z","modified":"2026-10-02T10:00:00.000Z","created_by_ref":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-02T10:00:00Z","description":"source: a named informant","object_marking_refs":[%q],"granular_markings":[{"marking_ref":%q,"selectors":["description"]}]}`,
		orgFR, stix.TLPGreen.MarkingID(), stix.TLPRed.MarkingID()))
	if dec := d.Decide(o, orgDE); dec.Allow {
		t.Errorf("an object with a TLP:RED property goes to %s in clear: %s", orgDE, dec.Reason)
	}
}
