package stix

import (
	"errors"
	"fmt"
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

// edit changes one property of a corpus object: path is dot-separated
// names and list indexes; value is JSON, or "" to delete the property.
type edit struct{ path, value string }

func set(path, value string) edit { return edit{path, value} }
func del(path string) edit        { return edit{path, ""} }

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

func TestValidationErrorListsEveryProblem(t *testing.T) {
	o := mutated(t, "indicator", set("valid_until", `"2015-01-01T00:00:00Z"`), set("confidence", "200"), del("pattern"))
	err := Validate(o)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want a *ValidationError", err)
	}
	if len(ve.Errors) != 3 || ve.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" {
		t.Fatalf("errors = %q (id %q), want 3", ve.Errors, ve.ID)
	}
	var first *Error
	if !errors.As(err, &first) || first != ve.Errors[0] {
		t.Errorf("errors.As(*Error) = %v, want the first problem %v", first, ve.Errors[0])
	}
	if first.Property != "confidence" && first.Property != "pattern" && first.Property != "valid_until" {
		t.Errorf("first.Property = %q", first.Property)
	}
	for _, e := range ve.Errors {
		if !strings.Contains(err.Error(), e.Error()) {
			t.Errorf("Error() = %q lacks %q", err.Error(), e.Error())
		}
	}
	want := `indicator "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": valid_until must be later than valid_from (got 2015-01-01T00:00:00Z <= 2016-01-01T00:00:00Z)`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Error() = %q\nwant it to contain %q", err, want)
	}
}

func TestValidateUnreadable(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    *Object
		want string
	}{
		{"nil", nil, "no object"},
		{"not JSON", &Object{ID: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", Raw: []byte(`{"type":`)}, `indicator "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": malformed JSON`},
		{"array", &Object{Raw: []byte(`[1]`)}, "a STIX object must be a JSON object, not a list"},
		{"too deep", &Object{Raw: []byte(`{"x_a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`)}, "MaxDepth"},
		{"duplicate member", &Object{Raw: []byte(`{"type":"tool","type":"tool"}`)}, "duplicate"},
		{"no type", &Object{Raw: []byte(`{"id":"tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`)}, "type is required"},
		{"type not a string", &Object{Raw: []byte(`{"type":5}`)}, "type must be a string (got a number)"},
		{"bad type name", &Object{Raw: []byte(`{"type":"Tool"}`)}, `type "Tool" may only contain`},
		{"invalid UTF-8", &Object{Raw: []byte("{\"type\":\"tool\",\"name\":\"\xff\"}")}, "malformed JSON"},
	} {
		err := Validate(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
		if tc.o != nil {
			Warnings(tc.o) // must not panic
		}
	}
}

func TestCustomObjects(t *testing.T) {
	const ext = `"extensions":{"extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62":{"extension_type":"%s"}}`
	for _, tc := range []struct {
		name, json, want, warn string
	}{
		{"new-sdo", `{"type":"my-favorite-sdo","spec_version":"2.1","id":"my-favorite-sdo--ac97aae4-83f1-46ca-a351-7aeb76678189","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","name":"This is the name of my favorite","some_property_name1":"value1",` + fmt.Sprintf(ext, "new-sdo") + `}`, "", ""},
		{"new-sdo without created", `{"type":"my-favorite-sdo","spec_version":"2.1","id":"my-favorite-sdo--ac97aae4-83f1-46ca-a351-7aeb76678189","modified":"2014-02-20T09:16:08.989Z","name":"x",` + fmt.Sprintf(ext, "new-sdo") + `}`, "created is required", ""},
		{"new-sdo without spec_version", `{"type":"my-favorite-sdo","id":"my-favorite-sdo--ac97aae4-83f1-46ca-a351-7aeb76678189","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","name":"x",` + fmt.Sprintf(ext, "new-sdo") + `}`, "spec_version is required", ""},
		{"new-sco", `{"type":"my-favorite-sco","spec_version":"2.1","id":"my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874","name":"This is the name of my favorite SCO","some_network_protocol_field":"value",` + fmt.Sprintf(ext, "new-sco") + `}`, "", ""},
		{"new-sco with a custom extension", `{"type":"my-favorite-sco","id":"my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874","name":"x","extensions":{"extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62":{"extension_type":"new-sco"},"x-acme-ext":{"a_b":1}}}`, "", "custom extensions are deprecated"},
		{"new-sro", `{"type":"my-link","spec_version":"2.1","id":"my-link--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","from_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",` + fmt.Sprintf(ext, "new-sro") + `}`, "", ""},
		{"new-sco without own properties", `{"type":"my-favorite-sco","id":"my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874",` + fmt.Sprintf(ext, "new-sco") + `}`, "a custom object must have at least one property of its own", ""},
		{"custom property names in a new object", `{"type":"my-favorite-sco","id":"my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874","Name":"x",` + fmt.Sprintf(ext, "new-sco") + `}`, "Name is not a valid custom property name", ""},
		{"deprecated custom object", `{"type":"x-example-com-customobject","id":"x-example-com-customobject--4527e5de-8572-446a-a57a-706f15467461","created":"2016-08-01T00:00:00.000Z","modified":"2016-08-01T00:00:00.000Z","some_custom_stuff":14,"other_custom_stuff":"hello"}`, "", "custom objects are deprecated"},
		{"custom object without x-", `{"type":"example-com-customobject","id":"example-com-customobject--4527e5de-8572-446a-a57a-706f15467461","stuff":14}`, "", `custom object types should start with "x-"`},
		{"custom object with bad common property", `{"type":"x-acme-thing","id":"x-acme-thing--4527e5de-8572-446a-a57a-706f15467461","created":"2016","stuff":14}`, `created timestamp "2016" is not of the form`, ""},
		{"custom object id of another type", `{"type":"x-acme-thing","id":"x-acme-other--4527e5de-8572-446a-a57a-706f15467461","stuff":14}`, `id must begin with the object's type "x-acme-thing"`, ""},
	} {
		o := &Object{Raw: []byte(tc.json)}
		err := Validate(o)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
		if tc.warn != "" {
			found := false
			for _, w := range Warnings(o) {
				found = found || strings.Contains(w.Error(), tc.warn)
			}
			if !found {
				t.Errorf("%s: Warnings = %v, want %q", tc.name, Warnings(o), tc.warn)
			}
		}
	}
}

func TestValidatorPatternHook(t *testing.T) {
	bad := errors.New("expected ']' at 1:10")
	v := Validator{Pattern: func(p string) error {
		if strings.Contains(p, "oops") {
			return bad
		}
		return nil
	}}
	if err := v.Validate(corpusObject(t, "indicator")); err != nil {
		t.Errorf("Validate(good pattern) = %v", err)
	}
	err := v.Validate(mutated(t, "indicator", set("pattern", `"[oops"`)))
	if err == nil || !strings.Contains(err.Error(), "pattern is not a valid STIX pattern: expected ']' at 1:10") {
		t.Errorf("Validate(bad pattern) = %v", err)
	}
	// Other pattern languages are not the hook's business.
	if err := v.Validate(mutated(t, "indicator", set("pattern", `"oops"`), set("pattern_type", `"snort"`))); err != nil {
		t.Errorf("Validate(snort) = %v", err)
	}
	// The package-level Validate has no hook.
	if err := Validate(mutated(t, "indicator", set("pattern", `"[oops"`))); err != nil {
		t.Errorf("Validate without hook = %v", err)
	}
}
