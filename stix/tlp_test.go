package stix

import (
	"strings"
	"testing"
)

func TestTLPMarkingDefinitions(t *testing.T) {
	objs := TLPMarkingDefinitions()
	if len(objs) != 9 {
		t.Fatalf("%d marking definitions, want 9", len(objs))
	}
	want := []struct {
		id   string
		tlp  TLP
		name string
	}{
		{TLPClearID, TLPClear, "TLP:CLEAR"},
		{TLPGreenID, TLPGreen, "TLP:GREEN"},
		{TLPAmberID, TLPAmber, "TLP:AMBER"},
		{TLPAmberStrictID, TLPAmberStrict, "TLP:AMBER+STRICT"},
		{TLPRedID, TLPRed, "TLP:RED"},
		{TLP1WhiteID, TLPClear, "TLP:WHITE"},
		{TLP1GreenID, TLPGreen, "TLP:GREEN"},
		{TLP1AmberID, TLPAmber, "TLP:AMBER"},
		{TLP1RedID, TLPRed, "TLP:RED"},
	}
	for i, o := range objs {
		w := want[i]
		if o.ID != w.id || o.Type != "marking-definition" || o.SpecVersion != "2.1" {
			t.Errorf("objs[%d] = %s %s %s, want %s", i, o.Type, o.ID, o.SpecVersion, w.id)
		}
		if err := Validate(o); err != nil {
			t.Errorf("%s: Validate: %v", w.name, err)
		}
		md := new(MarkingDefinition)
		if err := o.Decode(md); err != nil || md.Name != w.name {
			t.Errorf("%s: name %q, %v", w.id, md.Name, err)
		}
		if got, ok := TLPOfMarking(o.ID); !ok || got != w.tlp {
			t.Errorf("TLPOfMarking(%s) = %v, %v; want %v", o.ID, got, ok, w.tlp)
		}
	}
	// The TLP 2.0 objects are exactly those of the OASIS TLP 2.0 extension
	// specification (examples/tlp-*.json of cti-stix-common-objects).
	amberStrict := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}`
	if o := TLPMarkingDefinition(TLPAmberStrict); !sameJSON(o.Raw, []byte(amberStrict)) {
		t.Errorf("TLP:AMBER+STRICT = %s", o.Raw)
	}
	// And the TLP 1.0 ones those of §7.2.1.4.
	white := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}`
	if !sameJSON(objs[5].Raw, []byte(white)) {
		t.Errorf("TLP:WHITE = %s", objs[5].Raw)
	}
	if TLPMarkingDefinition(TLPUnmarked) != nil || TLPUnmarked.MarkingID() != "" {
		t.Error("TLPUnmarked has a marking definition")
	}
	if TLPRed.MarkingID() != TLPRedID {
		t.Errorf("TLPRed.MarkingID() = %q", TLPRed.MarkingID())
	}
	// Each call gives a new object.
	if a, b := TLPMarkingDefinition(TLPRed), TLPMarkingDefinition(TLPRed); a == b {
		t.Error("TLPMarkingDefinition returns a shared object")
	}
}

func TestEffectiveTLP(t *testing.T) {
	for _, tc := range []struct {
		name     string
		markings string // object_marking_refs, JSON
		granular string // granular_markings, JSON
		want     TLP
		strict   TLP
	}{
		{"unmarked", "", "", TLPUnmarked, TLPUnmarked},
		{"statement only", `["marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd"]`, "", TLPUnmarked, TLPUnmarked},
		{"TLP 1.0 white is clear", `["` + TLP1WhiteID + `"]`, "", TLPClear, TLPClear},
		{"TLP 2.0 green", `["` + TLPGreenID + `"]`, "", TLPGreen, TLPGreen},
		{"most restrictive wins", `["` + TLP1GreenID + `","` + TLPAmberStrictID + `","` + TLPAmberID + `"]`, "", TLPAmberStrict, TLPAmberStrict},
		{"mixed versions", `["` + TLP1RedID + `","` + TLPClearID + `"]`, "", TLPRed, TLPRed},
		{"granular red", `["` + TLPGreenID + `"]`, `[{"marking_ref":"` + TLPRedID + `","selectors":["description"]}]`, TLPGreen, TLPRed},
		{"granular language only", `["` + TLPGreenID + `"]`, `[{"lang":"de","selectors":["description"]}]`, TLPGreen, TLPGreen},
	} {
		edits := []edit{del("object_marking_refs"), del("granular_markings")}
		if tc.markings != "" {
			edits = append(edits, set("object_marking_refs", tc.markings))
		}
		if tc.granular != "" {
			edits = append(edits, set("granular_markings", tc.granular))
		}
		raw := mutated(t, "attack-pattern", edits...).Raw
		o, err := ParseObject(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := EffectiveTLP(o); got != tc.want {
			t.Errorf("%s: EffectiveTLP = %v, want %v", tc.name, got, tc.want)
		}
		if got := StrictestTLP(o); got != tc.strict {
			t.Errorf("%s: StrictestTLP = %v, want %v", tc.name, got, tc.strict)
		}
	}
	// Levels order from least to most restrictive.
	if !(TLPUnmarked < TLPClear && TLPClear < TLPGreen && TLPGreen < TLPAmber && TLPAmber < TLPAmberStrict && TLPAmberStrict < TLPRed) {
		t.Error("TLP levels are not ordered")
	}
	// Unreadable granular markings count as red.
	o := &Object{Raw: []byte(`{"type":"x","granular_markings":5}`)}
	if got := StrictestTLP(o); got != TLPRed {
		t.Errorf("StrictestTLP(unreadable) = %v", got)
	}
}

func TestParseTLP(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want TLP
	}{
		{"TLP:CLEAR", TLPClear}, {"clear", TLPClear}, {"TLP:WHITE", TLPClear}, {"white", TLPClear},
		{"tlp:green", TLPGreen}, {"AMBER", TLPAmber}, {"TLP:AMBER+STRICT", TLPAmberStrict},
		{" red ", TLPRed},
	} {
		got, err := ParseTLP(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTLP(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseTLP(got.String()); err != nil || back != got {
			t.Errorf("ParseTLP(%q) does not read back", got.String())
		}
	}
	if _, err := ParseTLP("purple"); err == nil || !strings.Contains(err.Error(), `"purple" is not a TLP level`) {
		t.Errorf("ParseTLP(purple) error = %v", err)
	}
	if TLPUnmarked.String() != "unmarked" {
		t.Errorf("TLPUnmarked.String() = %q", TLPUnmarked.String())
	}
}
