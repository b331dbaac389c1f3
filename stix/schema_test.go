package stix

// A JSON Schema (draft 2020-12) evaluator for the keywords the OASIS STIX
// 2.1 schemas use, so that tests can compare Validate with the schemas.
// It lives in test code only: Rampart validates with Validate.

import (
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const schemaDir = "../testdata/stix21-schemas/schemas"

// schemaSet holds the schema files, keyed by their path under schemaDir.
type schemaSet struct {
	docs    map[string]*node
	regexps sync.Map // pattern → *regexp.Regexp
}

var (
	loadSchemasOnce sync.Once
	loadedSchemas   *schemaSet
	loadSchemasErr  error
)

func loadSchemas(t testing.TB) *schemaSet {
	t.Helper()
	loadSchemasOnce.Do(func() {
		s := &schemaSet{docs: make(map[string]*node)}
		files, err := filepath.Glob(schemaDir + "/*/*.json")
		if err != nil || len(files) < 50 {
			loadSchemasErr = fmt.Errorf("found %d schema files: %v", len(files), err)
			return
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				loadSchemasErr = err
				return
			}
			doc, err := parseTree(data)
			if err != nil {
				loadSchemasErr = fmt.Errorf("%s: %v", f, err)
				return
			}
			rel, _ := filepath.Rel(schemaDir, f)
			s.docs[filepath.ToSlash(rel)] = doc
		}
		loadedSchemas = s
	})
	if loadSchemasErr != nil {
		t.Fatal(loadSchemasErr)
	}
	return loadedSchemas
}

// schemaFor returns the schema file of an object type, or "".
func schemaFor(typ string) string {
	switch CategoryOf(typ) {
	case SDO:
		return "sdos/" + typ + ".json"
	case SRO:
		return "sros/" + typ + ".json"
	case SCO:
		return "observables/" + typ + ".json"
	case Meta:
		return "common/" + typ + ".json"
	}
	return ""
}

// schemaValid reports whether instance is valid under the schema file doc
// and, when it is not, where the first failure was found.
func (s *schemaSet) valid(doc string, instance *node) (bool, string) {
	e := &evaluator{set: s}
	ok := e.eval(doc, s.docs[doc], instance, "")
	return ok, e.why
}

type evaluator struct {
	set *schemaSet
	why string
}

func (e *evaluator) fail(at, format string, args ...any) bool {
	if e.why == "" {
		e.why = at + ": " + fmt.Sprintf(format, args...)
	}
	return false
}

// eval evaluates schema (found in document doc) on v. at is v's location
// in the instance, for messages.
func (e *evaluator) eval(doc string, schema, v *node, at string) bool {
	switch schema.kind {
	case 't':
		return true
	case 'f':
		return e.fail(at, "false schema")
	case '{':
	default:
		panic("schema is not an object in " + doc)
	}
	ok := true
	for _, m := range schema.members {
		if !e.keyword(doc, schema, m.name, m.val, v, at) {
			ok = false
			if e.why != "" {
				// Keep going only to find nothing else: the first reason
				// is enough for a test message.
				return false
			}
		}
	}
	return ok
}

func (e *evaluator) keyword(doc string, schema *node, kw string, arg, v *node, at string) bool {
	switch kw {
	case "$id", "$schema", "title", "description", "definitions", "$defs", "format",
		"then", "else", "minContains", "maxContains", "$comment", "examples", "default":
		// Annotations, or handled with their partner keyword. "format" is
		// an annotation in 2020-12 unless the format vocabulary is
		// asserted, which the OASIS CI (ajv) does not do.
		return true
	case "$ref":
		d, target := e.resolve(doc, arg.str)
		return e.eval(d, target, v, at)
	case "type":
		if arg.kind == '"' {
			return typeMatches(arg.str, v) || e.fail(at, "not of type %s", arg.str)
		}
		for _, t := range arg.items {
			if typeMatches(t.str, v) {
				return true
			}
		}
		return e.fail(at, "not of any listed type")
	case "enum":
		for _, c := range arg.items {
			if jsonEqual(c, v) {
				return true
			}
		}
		return e.fail(at, "not in enum")
	case "const":
		return jsonEqual(arg, v) || e.fail(at, "not const")
	case "pattern":
		if v.kind != '"' {
			return true
		}
		return e.regexp(arg.str).MatchString(v.str) || e.fail(at, "%q does not match %s", v.str, arg.str)
	case "minLength":
		return v.kind != '"' || float64(utf8.RuneCountInString(v.str)) >= arg.num || e.fail(at, "too short")
	case "maxLength":
		return v.kind != '"' || float64(utf8.RuneCountInString(v.str)) <= arg.num || e.fail(at, "too long")
	case "minimum":
		return v.kind != '0' || v.num >= arg.num || e.fail(at, "below minimum")
	case "maximum":
		return v.kind != '0' || v.num <= arg.num || e.fail(at, "above maximum")
	case "minItems":
		return v.kind != '[' || float64(len(v.items)) >= arg.num || e.fail(at, "too few items")
	case "maxItems":
		return v.kind != '[' || float64(len(v.items)) <= arg.num || e.fail(at, "too many items")
	case "minProperties":
		return v.kind != '{' || float64(len(v.members)) >= arg.num || e.fail(at, "too few properties")
	case "maxProperties":
		return v.kind != '{' || float64(len(v.members)) <= arg.num || e.fail(at, "too many properties")
	case "required":
		if v.kind != '{' {
			return true
		}
		for _, r := range arg.items {
			if !v.has(r.str) {
				return e.fail(at, "missing %s", r.str)
			}
		}
		return true
	case "items":
		if v.kind != '[' {
			return true
		}
		for i, it := range v.items {
			if !e.eval(doc, arg, it, fmt.Sprintf("%s[%d]", at, i)) {
				return false
			}
		}
		return true
	case "contains":
		if v.kind != '[' {
			return true
		}
		n := 0
		for _, it := range v.items {
			if (&evaluator{set: e.set}).eval(doc, arg, it, at) {
				n++
			}
		}
		lo, hi := 1.0, math.Inf(1)
		if m := schema.get("minContains"); m != nil {
			lo = m.num
		}
		if m := schema.get("maxContains"); m != nil {
			hi = m.num
		}
		return float64(n) >= lo && float64(n) <= hi || e.fail(at, "contains count %d", n)
	case "properties", "patternProperties", "additionalProperties":
		if kw != "additionalProperties" && schema.has("additionalProperties") {
			return true // evaluated together below
		}
		return e.properties(doc, schema, v, at)
	case "propertyNames":
		if v.kind != '{' {
			return true
		}
		for _, m := range v.members {
			if !e.eval(doc, arg, &node{kind: '"', str: m.name}, at+"."+m.name) {
				return false
			}
		}
		return true
	case "allOf":
		for _, sub := range arg.items {
			if !e.eval(doc, sub, v, at) {
				return false
			}
		}
		return true
	case "anyOf":
		for _, sub := range arg.items {
			if (&evaluator{set: e.set}).eval(doc, sub, v, at) {
				return true
			}
		}
		return e.fail(at, "anyOf: no branch matches")
	case "oneOf":
		n := 0
		for _, sub := range arg.items {
			if (&evaluator{set: e.set}).eval(doc, sub, v, at) {
				n++
			}
		}
		return n == 1 || e.fail(at, "oneOf: %d branches match", n)
	case "not":
		return !(&evaluator{set: e.set}).eval(doc, arg, v, at) || e.fail(at, "not: the schema matches")
	case "if":
		if (&evaluator{set: e.set}).eval(doc, arg, v, at) {
			if th := schema.get("then"); th != nil {
				return e.eval(doc, th, v, at)
			}
			return true
		}
		if el := schema.get("else"); el != nil {
			return e.eval(doc, el, v, at)
		}
		return true
	}
	panic("schema keyword " + kw + " is not supported (in " + doc + ")")
}

// properties applies properties, patternProperties and
// additionalProperties of one schema object.
func (e *evaluator) properties(doc string, schema, v *node, at string) bool {
	if v.kind != '{' {
		return true
	}
	props, patterns, additional := schema.get("properties"), schema.get("patternProperties"), schema.get("additionalProperties")
	for _, m := range v.members {
		matched := false
		if props != nil {
			if sub := props.get(m.name); sub != nil {
				matched = true
				if !e.eval(doc, sub, m.val, at+"."+m.name) {
					return false
				}
			}
		}
		if patterns != nil {
			for _, pm := range patterns.members {
				if e.regexp(pm.name).MatchString(m.name) {
					matched = true
					if !e.eval(doc, pm.val, m.val, at+"."+m.name) {
						return false
					}
				}
			}
		}
		if !matched && additional != nil && !e.eval(doc, additional, m.val, at+"."+m.name) {
			return false
		}
	}
	return true
}

// resolve finds the schema a $ref names, relative to document doc.
func (e *evaluator) resolve(doc, ref string) (string, *node) {
	file, frag, _ := strings.Cut(ref, "#")
	target := doc
	if file != "" {
		target = path.Clean(path.Join(path.Dir(doc), file))
	}
	n := e.set.docs[target]
	if n == nil {
		panic("$ref " + ref + " from " + doc + ": no such schema")
	}
	for _, p := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if p == "" {
			continue
		}
		if n = n.get(p); n == nil {
			panic("$ref " + ref + " from " + doc + ": no such fragment")
		}
	}
	return target, n
}

func (e *evaluator) regexp(pattern string) *regexp.Regexp {
	if re, ok := e.set.regexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	e.set.regexps.Store(pattern, re)
	return re
}

func typeMatches(t string, v *node) bool {
	switch t {
	case "object":
		return v.kind == '{'
	case "array":
		return v.kind == '['
	case "string":
		return v.kind == '"'
	case "boolean":
		return v.kind == 't' || v.kind == 'f'
	case "null":
		return v.kind == 'n'
	case "number":
		return v.kind == '0'
	case "integer":
		return v.kind == '0' && v.num == math.Trunc(v.num) && !math.IsInf(v.num, 0)
	}
	panic("unknown schema type " + t)
}

// jsonEqual compares two JSON values as JSON Schema does.
func jsonEqual(a, b *node) bool {
	switch {
	case a.kind == '0' && b.kind == '0':
		return a.num == b.num
	case a.kind != b.kind:
		return false
	case a.kind == '"':
		return a.str == b.str
	case a.kind == '[':
		if len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			if !jsonEqual(a.items[i], b.items[i]) {
				return false
			}
		}
		return true
	case a.kind == '{':
		if len(a.members) != len(b.members) {
			return false
		}
		for _, m := range a.members {
			if o := b.get(m.name); o == nil || !jsonEqual(m.val, o) {
				return false
			}
		}
		return true
	}
	return true // null, true, false
}

// TestSchemaEvaluator checks the evaluator itself on small schemas.
func TestSchemaEvaluator(t *testing.T) {
	set := &schemaSet{docs: map[string]*node{}}
	for _, tc := range []struct {
		schema, instance string
		want             bool
	}{
		{`{"type":"integer"}`, `5.0`, true},
		{`{"type":"integer"}`, `5.5`, false},
		{`{"type":["string","null"]}`, `null`, true},
		{`{"required":["a"],"properties":{"a":{"minimum":3}}}`, `{"a":2}`, false},
		{`{"properties":{"a":{}},"patternProperties":{"^x_":{"type":"string"}},"additionalProperties":false}`, `{"a":1,"x_b":"s"}`, true},
		{`{"properties":{"a":{}},"additionalProperties":false}`, `{"a":1,"b":2}`, false},
		{`{"oneOf":[{"type":"string"},{"minLength":2}]}`, `"abc"`, false},
		{`{"oneOf":[{"type":"string"},{"type":"number"}]}`, `"abc"`, true},
		{`{"not":{"enum":["a"]}}`, `"a"`, false},
		{`{"if":{"required":["a"]},"then":{"required":["b"]}}`, `{"a":1}`, false},
		{`{"if":{"required":["a"]},"then":{"required":["b"]}}`, `{"c":1}`, true},
		{`{"contains":{"const":1}}`, `[2,1]`, true},
		{`{"contains":{"const":1},"maxContains":1}`, `[1,1]`, false},
		{`{"propertyNames":{"pattern":"^[a-z]+$"}}`, `{"Ab":1}`, false},
		{`{"allOf":[{"minProperties":1},{"maxProperties":1}]}`, `{}`, false},
		{`{"pattern":"^a"}`, `5`, true},
		{`{"enum":[{"a":[1,2]}]}`, `{"a":[1,2.0]}`, true},
	} {
		s, err := parseTree([]byte(tc.schema))
		if err != nil {
			t.Fatal(err)
		}
		v, err := parseTree([]byte(tc.instance))
		if err != nil {
			t.Fatal(err)
		}
		set.docs["t.json"] = s
		if got, why := set.valid("t.json", v); got != tc.want {
			t.Errorf("%s on %s = %v (%s), want %v", tc.schema, tc.instance, got, why, tc.want)
		}
	}
}
