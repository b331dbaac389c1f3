package stix

import (
	"bytes"
	"encoding/json/jsontext"
	"strings"
)

// MarkingDefinition is a data marking: handling or sharing guidance applied
// to objects by object_marking_refs and granular_markings (§7.2.1).
// Marking definitions are not versioned.
type MarkingDefinition struct {
	Type               string              `json:"type"`
	SpecVersion        string              `json:"spec_version"`
	ID                 string              `json:"id"`
	CreatedByRef       string              `json:"created_by_ref,omitempty"`
	Created            Timestamp           `json:"created,omitzero"`
	ExternalReferences []ExternalReference `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string            `json:"object_marking_refs,omitempty"`
	GranularMarkings   []GranularMarking   `json:"granular_markings,omitempty"`
	Extensions         Extensions          `json:"extensions,omitempty"`
	Name               string              `json:"name,omitempty"`
	// DefinitionType and Definition are deprecated in favour of an
	// extension, but still how TLP 1.0 and statement markings travel.
	DefinitionType string                    `json:"definition_type,omitempty"`
	Definition     jsontext.Value            `json:"definition,omitempty"`
	Custom         map[string]jsontext.Value `json:",embed"`
}

// StatementMarking is the definition of a "statement" marking (§7.2.1.3).
type StatementMarking struct {
	Statement string `json:"statement"`
}

var markingDefinitionSpec = &objSpec{
	props: map[string]*prop{
		"type":                str(),
		"spec_version":        str(),
		"id":                  str(),
		"created_by_ref":      ref("identity"),
		"created":             &prop{kind: kTimestamp, millis: true},
		"external_references": listOf(object(externalReferenceSpec)),
		"object_marking_refs": refs("marking-definition"),
		"granular_markings":   listOf(object(granularMarkingSpec)),
		"extensions":          extensions(nil),
		"name":                str(),
		"definition_type": {kind: kString,
			deprecated: "is deprecated; new marking definitions should use an extension"},
		"definition": {kind: kCheckOnly},
		"defanged":   notAllowed("must not be used on objects other than SCOs"),
	},
	required: []string{"type", "id", "created"},
	checks: []checkFn{
		checkID, checkSelectors, checkMarkingSelfRefs, checkMarkingDefinition, checkTLP2Marking,
	},
}

// checkMarkingSelfRefs applies §3.2: a marking definition must not mark
// itself (no circular references).
func checkMarkingSelfRefs(c *checker, n *node, path string) {
	if omr := n.get("object_marking_refs"); omr != nil && omr.kind == '[' {
		for i, r := range omr.items {
			if r.kind == '"' && r.str == c.id {
				c.fail(index("object_marking_refs", i), "must not refer to the marking definition itself")
			}
		}
	}
	if gm := n.get("granular_markings"); gm != nil && gm.kind == '[' {
		for i, m := range gm.items {
			if r := m.get("marking_ref"); r != nil && r.kind == '"' && r.str == c.id {
				c.fail(join(index("granular_markings", i), "marking_ref"), "must not refer to the marking definition itself")
			}
		}
	}
}

// checkMarkingDefinition applies §7.2.1: definition_type and definition are
// required without extensions, a statement has a statement, and "tlp" is
// reserved for the four predefined TLP 1.0 marking definitions.
func checkMarkingDefinition(c *checker, n *node, path string) {
	dt, def := n.get("definition_type"), n.get("definition")
	if !n.has("extensions") {
		if dt == nil {
			c.fail("definition_type", "is required when extensions is absent")
		}
		if def == nil {
			c.fail("definition", "is required when extensions is absent")
		}
	}
	if def != nil && def.kind != '{' {
		c.fail("definition", "must be an object (got %s)", def.kindName())
		return
	}
	if dt == nil || dt.kind != '"' {
		return
	}
	switch dt.str {
	case "statement":
		if def == nil {
			c.fail("definition", "is required for a statement marking")
			return
		}
		s := def.get("statement")
		if s == nil {
			c.fail("definition.statement", "is required for a statement marking")
		} else {
			c.wantKind(s, "definition.statement", '"', "a string")
		}
	case "tlp":
		level, ok := tlpByID[c.id]
		if !ok || level.version != 1 {
			c.fail("id", "a marking definition of type \"tlp\" must be one of the four predefined TLP marking definitions (got %q)", c.id)
			return
		}
		canonical := n.appendJSON(nil)
		if !sameJSON(canonical, []byte(level.json)) {
			c.fail("", "must be exactly the predefined TLP marking definition %s: other instances of TLP markings must not be created", level.name)
		}
	}
}

// checkTLP2Marking checks a marking definition that uses the TLP 2.0
// extension: the level must be one of the five, and the id and name those
// of its official marking definition.
func checkTLP2Marking(c *checker, n *node, path string) {
	ext := n.get("extensions")
	if ext == nil {
		return
	}
	e := ext.get(TLP2ExtensionID)
	if e == nil || e.kind != '{' {
		return
	}
	p := join("extensions", TLP2ExtensionID)
	t := e.get("tlp_2_0")
	if t == nil {
		c.fail(join(p, "tlp_2_0"), "is required by the TLP 2.0 extension")
		return
	}
	if !c.wantKind(t, join(p, "tlp_2_0"), '"', "a string") {
		return
	}
	var level *tlpMarking
	for _, m := range tlpMarkings {
		if m.version == 2 && m.value == t.str {
			level = m
		}
	}
	if level == nil {
		c.fail(join(p, "tlp_2_0"), "must be one of \"clear\", \"green\", \"amber\", \"amber+strict\", \"red\" (got %q)", t.str)
		return
	}
	if c.id != level.id {
		c.fail("id", "a TLP 2.0 %s marking definition must have the official id %q (got %q)", level.name, level.id, c.id)
	}
	if name := n.get("name"); name == nil || name.kind != '"' || name.str != level.name {
		c.fail("name", "must be %q for the TLP 2.0 %s marking definition", level.name, strings.TrimPrefix(level.name, "TLP:"))
	}
}

// sameJSON reports whether a and b hold the same JSON value, whatever the
// member order and formatting.
func sameJSON(a, b []byte) bool {
	va, vb := jsontext.Value(bytes.Clone(a)), jsontext.Value(bytes.Clone(b))
	if va.Canonicalize() != nil || vb.Canonicalize() != nil {
		return false
	}
	return bytes.Equal(va, vb)
}
