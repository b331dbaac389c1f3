package stix

import (
	"encoding/json/jsontext"
	"strings"
)

// ObservedData conveys information about cyber-security entities observed
// on systems and networks (§4.14): the SCOs of ObjectRefs, or (deprecated)
// the SCOs of the Objects container, seen NumberObserved times between
// FirstObserved and LastObserved.
type ObservedData struct {
	CommonProperties
	FirstObserved  Timestamp `json:"first_observed,omitzero"`
	LastObserved   Timestamp `json:"last_observed,omitzero"`
	NumberObserved int       `json:"number_observed"`
	// Objects is the deprecated observable container: SCOs keyed by a
	// container-local reference ("0", "1", …).
	Objects    map[string]jsontext.Value `json:"objects,omitempty"`
	ObjectRefs []string                  `json:"object_refs,omitempty"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var observedDataSpec = sdoSpec(map[string]*prop{
	"first_observed":  timestamp(),
	"last_observed":   timestamp(),
	"number_observed": intRange(1, 999999999),
	"objects": {kind: kCheckOnly, deprecated: "is deprecated; reference the SCOs with object_refs",
		check: checkObservableContainer},
	"object_refs": refs(anySCO, "relationship", "sighting").with(checkObjectRefsHaveSCO),
}, []string{"first_observed", "last_observed", "number_observed"},
	notBefore("first_observed", "last_observed", false),
	func(c *checker, n *node, path string) {
		switch o, r := n.has("objects"), n.has("object_refs"); {
		case o && r:
			c.fail("objects", "must not be present together with object_refs")
		case !o && !r:
			c.fail("", "an observed-data must have one of object_refs or objects")
		}
	})

// checkObjectRefsHaveSCO applies "object_refs MUST contain at least one
// SCO reference" (§4.14).
func checkObjectRefsHaveSCO(c *checker, n *node, path string) {
	if n.kind != '[' || len(n.items) == 0 {
		return
	}
	for _, it := range n.items {
		if it.kind == '"' {
			if cat := CategoryOf(IDType(it.str)); cat == SCO || cat == Custom {
				return
			}
		}
	}
	c.fail(path, "must contain at least one reference to an SCO")
}

// checkObservableContainer checks the deprecated objects property: a
// dictionary of at least one SCO, whose references are keys of the same
// dictionary (§2.13).
func checkObservableContainer(c *checker, n *node, path string) {
	if !c.wantKind(n, path, '{', "a dictionary of SCOs") {
		return
	}
	if len(n.members) == 0 {
		c.fail(path, "must contain at least one object")
		return
	}
	saved := c.container
	c.container = n
	defer func() { c.container = saved }()
	c.checkContainerRelated(n, path)
	for _, m := range n.members {
		p := join(path, m.name)
		if m.val.kind != '{' {
			c.fail(p, "must be an SCO object (got %s)", m.val.kindName())
			continue
		}
		t := m.val.get("type")
		if t == nil {
			c.fail(join(p, "type"), "is required")
			continue
		}
		if !c.wantKind(t, join(p, "type"), '"', "a string") {
			continue
		}
		if err := CheckTypeName(t.str); err != nil {
			c.fail(join(p, "type"), "%v", err)
			continue
		}
		ts := typeSpecs[t.str]
		switch {
		case ts == nil:
			c.object(m.val, p, customSCOSpec)
		case ts.category != SCO:
			c.fail(join(p, "type"), "must be the type of an SCO (got %q)", t.str)
		default:
			c.object(m.val, p, ts.spec)
		}
	}
}

// checkContainerRelated applies "Multiple objects not related to each other
// via cyber observable Relationships MUST NOT be contained within the same
// Observed Data instance" (§4.14): the references between the objects of
// the container must connect them all.
func (c *checker) checkContainerRelated(n *node, path string) {
	if len(n.members) < 2 {
		return
	}
	keys := make(map[string]int, len(n.members))
	for i, m := range n.members {
		keys[m.name] = i
	}
	parent := make([]int, len(n.members))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i, m := range n.members {
		forEachRef(m.val, "", func(ref string) {
			if j, ok := keys[ref]; ok {
				parent[find(i)] = find(j)
			}
		})
	}
	root := find(0)
	for i, m := range n.members {
		if find(i) != root {
			c.fail(join(path, m.name), "is not related by references to the other objects of the container; unrelated objects must not share an observed-data")
			return
		}
	}
}

// forEachRef calls fn with every string held by a property named *_ref or
// *_refs anywhere in n.
func forEachRef(n *node, name string, fn func(string)) {
	switch n.kind {
	case '"':
		if strings.HasSuffix(name, "_ref") || strings.HasSuffix(name, "_refs") {
			fn(n.str)
		}
	case '[':
		for _, it := range n.items {
			forEachRef(it, name, fn)
		}
	case '{':
		for _, m := range n.members {
			forEachRef(m.val, m.name, fn)
		}
	}
}
