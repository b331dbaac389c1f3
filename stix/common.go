package stix

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CommonProperties are the common properties of SDOs, SROs and meta
// objects (§3.2). Typed structs embed it; which of them a type requires is
// in its specification section and checked by Validate, not by decoding.
type CommonProperties struct {
	Type               string              `json:"type"`
	SpecVersion        string              `json:"spec_version,omitempty"`
	ID                 string              `json:"id"`
	CreatedByRef       string              `json:"created_by_ref,omitempty"`
	Created            Timestamp           `json:"created,omitzero"`
	Modified           Timestamp           `json:"modified,omitzero"`
	Revoked            bool                `json:"revoked,omitzero"`
	Labels             []string            `json:"labels,omitempty"`
	Confidence         *int                `json:"confidence,omitempty"`
	Lang               string              `json:"lang,omitempty"`
	ExternalReferences []ExternalReference `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string            `json:"object_marking_refs,omitempty"`
	GranularMarkings   []GranularMarking   `json:"granular_markings,omitempty"`
	Extensions         Extensions          `json:"extensions,omitempty"`
}

// ObservableProperties are the common properties of SCOs (§3.2). SCOs are
// not versioned; each SCO struct adds its own Extensions field because
// several types define predefined extensions.
type ObservableProperties struct {
	Type              string            `json:"type"`
	SpecVersion       string            `json:"spec_version,omitempty"`
	ID                string            `json:"id"`
	ObjectMarkingRefs []string          `json:"object_marking_refs,omitempty"`
	GranularMarkings  []GranularMarking `json:"granular_markings,omitempty"`
	Defanged          bool              `json:"defanged,omitzero"`
}

// Extensions is the extensions dictionary of an object (§3.2, §7.3): keys
// are extension-definition ids or predefined extension names, values the
// extension's properties, kept as JSON.
type Extensions map[string]jsontext.Value

// Decode unmarshals the extension named key into v and reports whether it
// was present.
func (e Extensions) Decode(key string, v any) (bool, error) {
	raw, ok := e[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("extension %q: %s", key, jsonErrorText(err))
	}
	return true, nil
}

// ExternalReference points to information outside STIX (§2.5).
type ExternalReference struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	Hashes      Hashes `json:"hashes,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
	// Custom holds members the specification does not define.
	Custom map[string]jsontext.Value `json:",embed"`
}

// KillChainPhase is a phase of a kill chain (§2.11).
type KillChainPhase struct {
	KillChainName string                    `json:"kill_chain_name"`
	PhaseName     string                    `json:"phase_name"`
	Custom        map[string]jsontext.Value `json:",embed"`
}

// GranularMarking applies a marking definition or a language to the parts
// of an object its selectors name (§7.2.3). Exactly one of Lang and
// MarkingRef is set.
type GranularMarking struct {
	Lang       string                    `json:"lang,omitempty"`
	MarkingRef string                    `json:"marking_ref,omitempty"`
	Selectors  []string                  `json:"selectors"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

// Hashes maps hash algorithm names (§10.7: "MD5", "SHA-256", …) to
// digests (§2.7).
type Hashes map[string]string

// Validation tables shared by every type.

// sdoCommon is the property table of §3.2 for SDOs and SROs.
var sdoCommon = map[string]*prop{
	"type":                str(),
	"spec_version":        str(),
	"id":                  str(),
	"created_by_ref":      ref("identity"),
	"created":             &prop{kind: kTimestamp, millis: true},
	"modified":            &prop{kind: kTimestamp, millis: true},
	"revoked":             boolean(),
	"labels":              strList(),
	"confidence":          intRange(0, 100),
	"lang":                str().with(checkLang),
	"external_references": listOf(object(externalReferenceSpec)),
	"object_marking_refs": refs("marking-definition"),
	"granular_markings":   listOf(object(granularMarkingSpec)),
	"extensions":          extensions(nil),
	"defanged":            notAllowed("must not be used on objects other than SCOs"),
}

var sdoRequired = []string{"type", "id", "created", "modified"}

var sdoChecks = []func(c *checker, n *node, path string){
	checkID, checkModified, checkSelectors,
}

// scoCommon is the property table of §3.2 for SCOs. The versioning
// properties are not applicable to SCOs but §3.6 lets producers version
// them, so they are typed when present.
func scoCommon(predefined map[string]*objSpec) map[string]*prop {
	return map[string]*prop{
		"type":                str(),
		"spec_version":        str(),
		"id":                  str(),
		"object_marking_refs": refs("marking-definition"),
		"granular_markings":   listOf(object(granularMarkingSpec)),
		"defanged":            boolean(),
		"extensions":          extensions(predefined),
		"created_by_ref":      ref("identity"),
		"created":             timestamp(),
		"modified":            timestamp(),
		"revoked":             boolean(),
		"labels":              strList(),
		"confidence":          intRange(0, 100),
		"lang":                str().with(checkLang),
		"external_references": listOf(object(externalReferenceSpec)),
	}
}

var scoChecks = []func(c *checker, n *node, path string){
	checkSCOID, checkID, checkModified, checkSelectors, checkDeterministicID,
}

// checkID checks the id property: an identifier of the object's own type.
func checkID(c *checker, n *node, path string) {
	id := n.get("id")
	if id == nil || id.kind != '"' {
		return
	}
	typ, ok := c.identifier(id.str, join(path, "id"))
	if !ok {
		return
	}
	if t := n.get("type"); t != nil && t.kind == '"' && typ != t.str {
		c.fail(join(path, "id"), "must begin with the object's type %q (got %q)", t.str, id.str)
	}
}

// notAllowed is a property that must not be present at all.
func notAllowed(rule string) *prop {
	return &prop{kind: kCheckOnly, check: func(c *checker, n *node, path string) {
		c.fail(path, "%s", rule)
	}}
}

// checkSCOID requires the id of a top-level SCO (objects inside an
// observed-data container are identified by their key instead).
func checkSCOID(c *checker, n *node, path string) {
	if c.container == nil && !n.has("id") {
		c.fail(join(path, "id"), "is required")
	}
}

// checkModified applies §3.6.1: modified must not be earlier than created.
func checkModified(c *checker, n *node, path string) {
	cr, md := n.get("created"), n.get("modified")
	if cr == nil || md == nil || cr.kind != '"' || md.kind != '"' {
		return
	}
	ct, err1 := ParseTimestamp(cr.str)
	mt, err2 := ParseTimestamp(md.str)
	if err1 == nil && err2 == nil && mt.Compare(ct) < 0 {
		c.fail(join(path, "modified"), "must not be earlier than created (got %s < %s)", mt, ct)
	}
}

// notBefore returns a check that the timestamp property later is not
// earlier than earlier (strict: later must be strictly after).
func notBefore(earlier, later string, strict bool) func(c *checker, n *node, path string) {
	return func(c *checker, n *node, path string) {
		e, l := n.get(earlier), n.get(later)
		if e == nil || l == nil || e.kind != '"' || l.kind != '"' {
			return
		}
		et, err1 := ParseTimestamp(e.str)
		lt, err2 := ParseTimestamp(l.str)
		if err1 != nil || err2 != nil {
			return
		}
		cmp := lt.Compare(et)
		switch {
		case strict && cmp <= 0:
			c.fail(join(path, later), "must be later than %s (got %s <= %s)", earlier, lt, et)
		case !strict && cmp < 0:
			c.fail(join(path, later), "must not be earlier than %s (got %s < %s)", earlier, lt, et)
		}
	}
}

// external-reference (§2.5).

var externalReferenceSpec = &objSpec{
	props: map[string]*prop{
		"source_name": str(),
		"description": str(),
		"url":         str(),
		"hashes":      hashes(),
		"external_id": str(),
	},
	required: []string{"source_name"},
	anyOf:    []string{"description", "url", "external_id"},
	custom:   customFree,
	checks:   []func(c *checker, n *node, path string){checkExternalID},
}

var (
	capecRE = regexp.MustCompile(`^CAPEC-[0-9]+$`)
	cveRE   = regexp.MustCompile(`^CVE-[0-9]{4}-(0[0-9]{3}|[1-9][0-9]{3,})$`)
)

// checkExternalID applies §4.1 and §4.19: a CAPEC id must read
// "CAPEC-[id]" and a CVE id must be the exact CVE identifier.
func checkExternalID(c *checker, n *node, path string) {
	src, id := n.get("source_name"), n.get("external_id")
	if src == nil || id == nil || src.kind != '"' || id.kind != '"' {
		return
	}
	switch {
	case src.str == "capec" && !capecRE.MatchString(id.str):
		c.fail(join(path, "external_id"), "must be of the form CAPEC-[id] when source_name is \"capec\" (got %q)", id.str)
	case src.str == "cve" && !cveRE.MatchString(id.str):
		c.fail(join(path, "external_id"), "must be a CVE identifier (CVE-YYYY-NNNN) when source_name is \"cve\" (got %q)", id.str)
	}
}

// kill-chain-phase (§2.11).

var killChainPhases = listOf(object(&objSpec{
	props: map[string]*prop{
		"kill_chain_name": str().with(checkLowerHyphen),
		"phase_name":      str().with(checkLowerHyphen),
	},
	required: []string{"kill_chain_name", "phase_name"},
	custom:   customFree,
}))

func checkLowerHyphen(c *checker, n *node, path string) {
	if n.kind == '"' && (n.str != strings.ToLower(n.str) || strings.ContainsAny(n.str, " _")) {
		c.warn(path, "should be lowercase with hyphens between words (got %q)", n.str)
	}
}

// granular-marking (§7.2.3).

var granularMarkingSpec = &objSpec{
	props: map[string]*prop{
		"lang":        str().with(checkLang),
		"marking_ref": ref("marking-definition"),
		"selectors":   listOf(str().with(checkSelectorSyntax)),
	},
	required: []string{"selectors"},
	custom:   customFree,
	checks: []func(c *checker, n *node, path string){
		func(c *checker, n *node, path string) {
			switch lang, mr := n.has("lang"), n.has("marking_ref"); {
			case lang && mr:
				c.fail(path, "must have one of lang and marking_ref, not both")
			case !lang && !mr:
				c.fail(path, "must have one of lang and marking_ref")
			}
		},
	},
}

// parseSelector splits a granular marking selector into its components:
// property names or dictionary keys, and list indexes as "[n]".
func parseSelector(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
		if p[0] == '[' {
			if _, ok := selectorIndex(p); !ok {
				return nil, false
			}
		}
	}
	return parts, true
}

func selectorIndex(p string) (int, bool) {
	if len(p) < 3 || p[0] != '[' || p[len(p)-1] != ']' {
		return 0, false
	}
	digits := p[1 : len(p)-1]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(digits)
	return i, err == nil
}

func checkSelectorSyntax(c *checker, n *node, path string) {
	if n.kind != '"' {
		return
	}
	if _, ok := parseSelector(n.str); !ok {
		c.fail(path, "is not a selector: property names and [index] list positions separated by '.' (got %q)", n.str)
	}
}

// checkSelectors applies "Selectors MUST refer to properties or list items
// that are actually present on the marked object" (§7.2.3) and, for
// marking definitions, that no marking refers to the object itself (§3.2).
func checkSelectors(c *checker, n *node, path string) {
	gm := n.get("granular_markings")
	if gm == nil || gm.kind != '[' {
		return
	}
	for i, m := range gm.items {
		sel := m.get("selectors")
		if sel == nil || sel.kind != '[' {
			continue
		}
		for j, s := range sel.items {
			if s.kind != '"' {
				continue
			}
			parts, ok := parseSelector(s.str)
			if !ok {
				continue
			}
			if why := resolveSelector(n, parts); why != "" {
				c.fail(index(join(index(join(path, "granular_markings"), i), "selectors"), j), "does not select anything in the object: %s (got %q)", why, s.str)
			}
		}
	}
}

// resolveSelector walks parts from n and says why it fails, or "".
func resolveSelector(n *node, parts []string) string {
	cur := n
	for i, p := range parts {
		at := strings.Join(parts[:i+1], ".")
		if idx, ok := selectorIndex(p); ok && p[0] == '[' {
			if cur.kind != '[' {
				return fmt.Sprintf("%q is not a list", strings.Join(parts[:i], "."))
			}
			if idx >= len(cur.items) {
				return fmt.Sprintf("%q is past the end of the list", at)
			}
			cur = cur.items[idx]
			continue
		}
		if cur.kind != '{' {
			return fmt.Sprintf("%q is not an object", strings.Join(parts[:i], "."))
		}
		next := cur.get(p)
		if next == nil {
			return fmt.Sprintf("%q is not present", at)
		}
		cur = next
	}
	return ""
}

// checkLang checks an RFC 5646 language tag (the lang properties).
func checkLang(c *checker, n *node, path string) {
	if n.kind == '"' && !ValidLanguageTag(n.str) {
		c.fail(path, "must be an RFC 5646 language tag (got %q)", n.str)
	}
}
