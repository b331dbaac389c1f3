package stix

import (
	"bytes"
	json "encoding/json/v2"
	"fmt"
	"strings"
)

// TLP is a Traffic Light Protocol level. Levels are ordered from the least
// to the most restrictive, so the stricter of two levels is the larger.
//
// TLP 2.0 levels are the reference; the TLP 1.0 marking definitions of
// STIX 2.1 map onto them (WHITE is CLEAR, the others keep their colour).
type TLP uint8

const (
	// TLPUnmarked means no TLP marking applies.
	TLPUnmarked TLP = iota
	TLPClear
	TLPGreen
	TLPAmber
	TLPAmberStrict
	TLPRed
)

// String returns the TLP 2.0 label ("TLP:AMBER+STRICT"), or "unmarked".
func (t TLP) String() string {
	switch t {
	case TLPClear:
		return "TLP:CLEAR"
	case TLPGreen:
		return "TLP:GREEN"
	case TLPAmber:
		return "TLP:AMBER"
	case TLPAmberStrict:
		return "TLP:AMBER+STRICT"
	case TLPRed:
		return "TLP:RED"
	}
	return "unmarked"
}

// ParseTLP reads a TLP level written as a label ("TLP:AMBER+STRICT") or a
// bare colour ("amber+strict"), in any case; "white" is TLP 1.0's name for
// CLEAR. It returns an error quoting s for anything else.
func ParseTLP(s string) (TLP, error) {
	switch strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "tlp:") {
	case "clear", "white":
		return TLPClear, nil
	case "green":
		return TLPGreen, nil
	case "amber":
		return TLPAmber, nil
	case "amber+strict":
		return TLPAmberStrict, nil
	case "red":
		return TLPRed, nil
	}
	return TLPUnmarked, fmt.Errorf("%q is not a TLP level: use clear, green, amber, amber+strict or red", s)
}

// Identifiers of the predefined TLP marking definitions: TLP 2.0, from the
// OASIS TLP 2.0 extension definition, and TLP 1.0, from §7.2.1.4.
const (
	TLP2ExtensionID  = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	TLPClearID       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLPGreenID       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLPAmberID       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLPAmberStrictID = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLPRedID         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	TLP1WhiteID = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1GreenID = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1AmberID = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1RedID   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

type tlpMarking struct {
	level   TLP
	version int    // 1 or 2
	id      string // marking-definition id
	name    string // "TLP:WHITE"
	value   string // definition.tlp or tlp_2_0: "white", "amber+strict"
	json    string
}

func tlp1(level TLP, id, value string) *tlpMarking {
	name := "TLP:" + strings.ToUpper(value)
	return &tlpMarking{level: level, version: 1, id: id, name: name, value: value,
		json: `{"type":"marking-definition","spec_version":"2.1","id":"` + id +
			`","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"` + name +
			`","definition":{"tlp":"` + value + `"}}`}
}

func tlp2(level TLP, id, value string) *tlpMarking {
	name := "TLP:" + strings.ToUpper(value)
	return &tlpMarking{level: level, version: 2, id: id, name: name, value: value,
		json: `{"type":"marking-definition","spec_version":"2.1","id":"` + id +
			`","created":"2022-10-01T00:00:00.000Z","name":"` + name +
			`","extensions":{"` + TLP2ExtensionID + `":{"extension_type":"property-extension","tlp_2_0":"` + value + `"}}}`}
}

// tlpMarkings are the nine predefined TLP marking definitions, TLP 2.0
// first.
var tlpMarkings = []*tlpMarking{
	tlp2(TLPClear, TLPClearID, "clear"),
	tlp2(TLPGreen, TLPGreenID, "green"),
	tlp2(TLPAmber, TLPAmberID, "amber"),
	tlp2(TLPAmberStrict, TLPAmberStrictID, "amber+strict"),
	tlp2(TLPRed, TLPRedID, "red"),
	tlp1(TLPClear, TLP1WhiteID, "white"),
	tlp1(TLPGreen, TLP1GreenID, "green"),
	tlp1(TLPAmber, TLP1AmberID, "amber"),
	tlp1(TLPRed, TLP1RedID, "red"),
}

var tlpByID = func() map[string]*tlpMarking {
	m := make(map[string]*tlpMarking, len(tlpMarkings))
	for _, t := range tlpMarkings {
		m[t.id] = t
	}
	return m
}()

func (t *tlpMarking) object() *Object {
	o, err := ParseObject([]byte(t.json))
	if err != nil {
		panic(fmt.Sprintf("stix: predefined marking %s: %v", t.name, err)) // a bug in this file
	}
	return o
}

// MarkingID returns the id of the TLP 2.0 marking definition of level t,
// or "" for TLPUnmarked.
func (t TLP) MarkingID() string {
	for _, m := range tlpMarkings {
		if m.version == 2 && m.level == t {
			return m.id
		}
	}
	return ""
}

// TLPMarkingDefinition returns the official TLP 2.0 marking definition
// object of level t (a new Object on each call), or nil for TLPUnmarked.
func TLPMarkingDefinition(t TLP) *Object {
	for _, m := range tlpMarkings {
		if m.version == 2 && m.level == t {
			return m.object()
		}
	}
	return nil
}

// TLPMarkingDefinitions returns the nine predefined TLP marking
// definitions: the five of TLP 2.0 (CLEAR, GREEN, AMBER, AMBER+STRICT,
// RED) followed by the four TLP 1.0 ones of STIX 2.1 (WHITE, GREEN, AMBER,
// RED). The Objects are new on each call.
func TLPMarkingDefinitions() []*Object {
	objs := make([]*Object, len(tlpMarkings))
	for i, m := range tlpMarkings {
		objs[i] = m.object()
	}
	return objs
}

// TLPOfMarking returns the TLP level of a marking-definition id, for the
// TLP 2.0 and TLP 1.0 marking definitions, and false for any other id.
func TLPOfMarking(id string) (TLP, bool) {
	if m := tlpByID[id]; m != nil {
		return m.level, true
	}
	return TLPUnmarked, false
}

// EffectiveTLP returns the most restrictive TLP level among o's object
// markings (object_marking_refs), TLP 1.0 and 2.0 alike, or TLPUnmarked
// when none is a TLP marking.
//
// It recognises markings by the ids of the predefined marking definitions
// only: a marking-definition object that merely claims to be TLP under
// another id counts for nothing. Non-TLP markings (statements, custom
// markings) are ignored; policy about them is the caller's. Granular
// markings are not considered; see StrictestTLP.
func EffectiveTLP(o *Object) TLP {
	level := TLPUnmarked
	for _, ref := range o.ObjectMarkingRefs {
		if t, ok := TLPOfMarking(ref); ok && t > level {
			level = t
		}
	}
	return level
}

// StrictestTLP returns the most restrictive TLP level applied anywhere in
// o: its object markings and the marking_ref of each of its granular
// markings. A node deciding whether it may pass an object on uses this,
// since a single TLP:RED property makes the whole object unfit to share
// further than RED allows. Objects whose granular markings cannot be read
// are treated as TLPRed.
func StrictestTLP(o *Object) TLP {
	level := EffectiveTLP(o)
	// Most objects have no granular markings, and no escapes that could
	// spell the member's name: the object markings then decide alone.
	if !bytes.Contains(o.Raw, []byte(`"granular_markings"`)) && !bytes.Contains(o.Raw, []byte(`\u`)) {
		return level
	}
	var g struct {
		GranularMarkings []struct {
			MarkingRef string `json:"marking_ref"`
		} `json:"granular_markings"`
	}
	if err := json.Unmarshal(o.Raw, &g); err != nil {
		return TLPRed
	}
	for _, gm := range g.GranularMarkings {
		if t, ok := TLPOfMarking(gm.MarkingRef); ok && t > level {
			level = t
		}
	}
	return level
}
