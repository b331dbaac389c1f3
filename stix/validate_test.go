package stix

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

// corpusJSON returns the corpus object of typ with a deterministic id in
// place of an SCO's "type--ID" placeholder.
func corpusJSON(t testing.TB, typ string) string {
	t.Helper()
	s, ok := corpus[typ]
	if !ok {
		t.Fatalf("no corpus object of type %q", typ)
	}
	placeholder := `"` + typ + `--ID"`
	if strings.Contains(s, placeholder) {
		id, _, err := scoID([]byte(strings.Replace(s, placeholder, `"`+typ+`--00000000-0000-4000-8000-000000000000"`, 1)))
		if err != nil {
			t.Fatalf("%s: SCO id: %v", typ, err)
		}
		s = strings.Replace(s, placeholder, `"`+id+`"`, 1)
	}
	return s
}

func corpusObject(t testing.TB, typ string) *Object {
	t.Helper()
	o, err := ParseObject([]byte(corpusJSON(t, typ)))
	if err != nil {
		t.Fatalf("%s: ParseObject: %v", typ, err)
	}
	return o
}

func corpusTypes() []string {
	var types []string
	for k := range corpus {
		types = append(types, k)
	}
	sort.Strings(types)
	return types
}

func TestCorpusValid(t *testing.T) {
	all := append(append(append(append([]string(nil), sdoTypes...), sroTypes...), scoTypes...), metaTypes...)
	for _, typ := range all {
		if _, ok := corpus[typ]; !ok {
			t.Errorf("corpus lacks type %q", typ)
		}
	}
	for _, typ := range corpusTypes() {
		o := corpusObject(t, typ)
		if err := Validate(o); err != nil {
			t.Errorf("%s: Validate: %v", typ, err)
		}
		for _, w := range Warnings(o) {
			if !(typ == "marking-definition" && strings.Contains(w.Error(), "definition_type is deprecated")) {
				t.Errorf("%s: unexpected warning: %v", typ, w)
			}
		}
	}
}

var _ = errors.As

// edit changes one property of a corpus object: path is dot-separated
// names and list indexes; value is JSON, or "" to delete the property.
type edit struct{ path, value string }

func set(path, value string) edit { return edit{path, value} }
func del(path string) edit          { return edit{path, ""} }

// mutated returns the corpus object of typ with edits applied. It builds
// the Object without ParseObject so that Validate sees exactly the edits.
func mutated(t testing.TB, typ string, edits ...edit) *Object {
	t.Helper()
	root, err := parseTree([]byte(corpusJSON(t, typ)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		applyEdit(t, root, e)
	}
	o := &Object{Type: typ, Raw: root.appendJSON(nil)}
	if id := root.get("id"); id != nil {
		o.ID = id.str
	}
	if tn := root.get("type"); tn != nil {
		o.Type = tn.str
	}
	return o
}

func applyEdit(t testing.TB, root *node, e edit) {
	t.Helper()
	parts := strings.Split(e.path, ".")
	cur := root
	for _, p := range parts[:len(parts)-1] {
		if i, ok := atoi(p); ok && cur.kind == '[' {
			cur = cur.items[i]
			continue
		}
		next := cur.get(p)
		if next == nil {
			next = &node{kind: '{'}
			cur.members = append(cur.members, member{p, next})
			cur.index = nil
		}
		cur = next
	}
	last := parts[len(parts)-1]
	var val *node
	if e.value != "" {
		var err error
		if val, err = parseTree([]byte(e.value)); err != nil {
			t.Fatalf("edit %s: %v", e.path, err)
		}
	}
	if i, ok := atoi(last); ok && cur.kind == '[' {
		if val == nil {
			cur.items = append(cur.items[:i], cur.items[i+1:]...)
		} else {
			cur.items[i] = val
		}
		return
	}
	cur.index = nil
	for i, m := range cur.members {
		if m.name == last {
			if val == nil {
				cur.members = append(cur.members[:i], cur.members[i+1:]...)
			} else {
				cur.members[i].val = val
			}
			return
		}
	}
	if val != nil {
		cur.members = append(cur.members, member{last, val})
	}
}

func atoi(s string) (int, bool) {
	n := 0
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
