package stix

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// The validation rules of each object type are tables of properties (the
// specification's property tables) plus a few functions for the rules that
// relate several properties. The tables are built once and never changed.

type propKind uint8

const (
	kString propKind = iota + 1
	kBool
	kInt
	kFloat
	kTimestamp
	kRef
	kList
	kDict
	kObject
	kHashes
	kHex
	kBinary
	kExtensions
	kAny
	kCheckOnly // only the prop's check function applies
)

// prop describes one property's type and constraints.
type prop struct {
	kind       propKind
	elem       *prop    // kList: the element type
	obj        *objSpec // kObject: the nested object
	dictVal    *prop    // kDict: the value type (nil: any base type)
	targets    []string // kRef: allowed target types; see targetOK
	enum       []string // kString: values that MUST be used
	vocab      []string // kString: values that SHOULD be used (open vocabulary)
	vocabName  string
	min, max   float64 // kInt, kFloat, kList length
	hasMin     bool
	hasMax     bool
	millis     bool                                   // kTimestamp: at least millisecond precision (created, modified)
	seconds    bool                                   // kTimestamp: exactly second precision
	predefined map[string]*objSpec                    // kExtensions: the type's predefined extensions
	check      func(c *checker, n *node, path string) // extra value rule
	deprecated string                                 // non-empty: a warning to give when present
}

// objSpec describes a JSON object with named properties.
type objSpec struct {
	props    map[string]*prop
	required []string
	// anyOf lists properties of which at least one MUST be present.
	anyOf []string
	// custom says what members outside props may be.
	custom customRule
	checks []func(c *checker, n *node, path string)
}

type customRule uint8

const (
	// customNamed: custom properties, whose names MUST match
	// ^[a-z0-9_]{3,250}$ and whose values are any base type.
	customNamed customRule = iota
	// customFree: anything (nested types the specification leaves open).
	customFree
)

// Property constructors, named after the specification's data types.

func str() *prop     { return &prop{kind: kString} }
func boolean() *prop { return &prop{kind: kBool} }
func integer() *prop { return &prop{kind: kInt} }
func nonNegative() *prop {
	return &prop{kind: kInt, min: 0, hasMin: true}
}
func intRange(lo, hi float64) *prop {
	return &prop{kind: kInt, min: lo, hasMin: true, max: hi, hasMax: true}
}
func float() *prop { return &prop{kind: kFloat} }
func floatRange(lo, hi float64) *prop {
	return &prop{kind: kFloat, min: lo, hasMin: true, max: hi, hasMax: true}
}
func timestamp() *prop            { return &prop{kind: kTimestamp} }
func ref(targets ...string) *prop { return &prop{kind: kRef, targets: targets} }
func refs(targets ...string) *prop {
	return listOf(ref(targets...))
}
func listOf(p *prop) *prop    { return &prop{kind: kList, elem: p} }
func strList() *prop          { return listOf(str()) }
func dictOf(v *prop) *prop    { return &prop{kind: kDict, dictVal: v} }
func object(s *objSpec) *prop { return &prop{kind: kObject, obj: s} }
func hashes() *prop           { return &prop{kind: kHashes} }
func hexString() *prop        { return &prop{kind: kHex} }
func binary() *prop           { return &prop{kind: kBinary} }
func enum(values ...string) *prop {
	return &prop{kind: kString, enum: values}
}
func vocab(name string, values []string) *prop {
	return &prop{kind: kString, vocab: values, vocabName: name}
}
func vocabList(name string, values []string) *prop {
	return listOf(vocab(name, values))
}
func extensions(predefined map[string]*objSpec) *prop {
	return &prop{kind: kExtensions, predefined: predefined}
}

func (p *prop) with(check func(c *checker, n *node, path string)) *prop {
	p.check = check
	return p
}

// merge returns a property table holding all of the given tables; later
// tables win.
func merge(tables ...map[string]*prop) map[string]*prop {
	m := make(map[string]*prop)
	for _, t := range tables {
		for k, v := range t {
			m[k] = v
		}
	}
	return m
}

// maxInt is the largest magnitude a STIX integer may have (§2.10: a signed
// 54-bit value).
const maxInt = 1<<53 - 1

// object checks n against spec.
func (c *checker) object(n *node, path string, spec *objSpec) {
	if n.kind != '{' {
		c.fail(path, "must be an object (got %s)", n.kindName())
		return
	}
	for _, name := range spec.required {
		if !n.has(name) {
			c.fail(join(path, name), "is required")
		}
	}
	if len(spec.anyOf) > 0 {
		found := false
		for _, name := range spec.anyOf {
			if n.has(name) {
				found = true
				break
			}
		}
		if !found {
			c.fail(path, "must have at least one of %s", strings.Join(spec.anyOf, ", "))
		}
	}
	for _, m := range n.members {
		p := spec.props[m.name]
		if p == nil {
			c.customProperty(m, path, spec.custom)
			continue
		}
		c.value(m.val, join(path, m.name), p)
	}
	for _, check := range spec.checks {
		check(c, n, path)
	}
}

// customProperty checks a member that is not defined for its object.
func (c *checker) customProperty(m member, path string, rule customRule) {
	if rule == customFree {
		return
	}
	p := join(path, m.name)
	if !validCustomName(m.name) {
		c.fail(p, "is not a valid custom property name: names must be 3 to 250 characters of a-z, 0-9 and '_', beginning with a letter")
		return
	}
	if reservedProperty(m.name) {
		c.fail(p, "is a reserved property name and must not be used")
		return
	}
	c.baseValue(m.val, p)
	switch {
	case strings.HasSuffix(m.name, "_hex"):
		c.value(m.val, p, hexString())
	case strings.HasSuffix(m.name, "_bin"):
		c.value(m.val, p, binary())
	}
	if path == "" && c.container == nil && typeSpecs[c.typ] != nil {
		// Collected and reported once per object: data sets such as
		// ATT&CK carry a dozen custom properties on every object.
		if !c.topLevelExt && c.warnings {
			c.customProps = append(c.customProps, m.name)
		}
		if !strings.HasPrefix(m.name, "x_") {
			c.warn(p, "custom property names should start with \"x_\"")
		}
	}
}

// validCustomName reports whether name obeys §11.1.1 (and §7.3.2.1 for
// extension properties): 3 to 250 characters of a-z, 0-9 and underscore,
// beginning with a letter as §3.1 requires of every property name.
func validCustomName(name string) bool {
	if len(name) < 3 || len(name) > 250 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// reservedProperty reports the names §3.8 reserves across all objects.
func reservedProperty(name string) bool {
	switch name {
	case "severity", "username", "phone_number", "action":
		return true
	}
	return false
}

// baseValue checks that n is a value of one of the STIX base types: not
// null, and no empty list or dictionary (§2.3, §2.12), recursively.
func (c *checker) baseValue(n *node, path string) {
	switch n.kind {
	case 'n':
		c.fail(path, "must not be null")
	case '0':
		c.checkNumber(n, path)
	case '[':
		if len(n.items) == 0 {
			c.fail(path, "must not be an empty list")
		}
		for i, it := range n.items {
			c.baseValue(it, index(path, i))
		}
	case '{':
		if len(n.members) == 0 {
			c.fail(path, "must not be an empty dictionary")
		}
		for _, m := range n.members {
			c.baseValue(m.val, join(path, m.name))
		}
	}
}

// checkNumber rejects numbers a float64 cannot hold.
func (c *checker) checkNumber(n *node, path string) bool {
	if math.IsInf(n.num, 0) || math.IsNaN(n.num) {
		c.fail(path, "number %s is out of range", n.str)
		return false
	}
	return true
}

// value checks n against p.
func (c *checker) value(n *node, path string, p *prop) {
	if n.kind == 'n' {
		c.fail(path, "must not be null")
		return
	}
	if p.deprecated != "" {
		c.warn(path, "%s", p.deprecated)
	}
	switch p.kind {
	case kString:
		if !c.wantKind(n, path, '"', "a string") {
			return
		}
		if p.enum != nil && !contains(p.enum, n.str) {
			c.fail(path, "must be one of %s (got %q)", quoteList(p.enum), n.str)
		}
		if p.vocab != nil {
			c.vocabTerm(n.str, path, p)
		}
	case kBool:
		if n.kind != 't' && n.kind != 'f' {
			c.fail(path, "must be a boolean (got %s)", n.kindName())
		}
	case kInt:
		if !c.wantKind(n, path, '0', "an integer") || !c.checkNumber(n, path) {
			return
		}
		if n.num != math.Trunc(n.num) {
			c.fail(path, "must be an integer (got %s)", n.str)
			return
		}
		if math.Abs(n.num) > maxInt {
			c.fail(path, "must fit in 54 bits, between -(2^53-1) and 2^53-1 (got %s)", n.str)
			return
		}
		c.checkRange(n, path, p)
	case kFloat:
		if !c.wantKind(n, path, '0', "a number") || !c.checkNumber(n, path) {
			return
		}
		c.checkRange(n, path, p)
	case kTimestamp:
		c.timestampValue(n, path, p)
	case kRef:
		c.refValue(n, path, p.targets)
	case kList:
		if !c.wantKind(n, path, '[', "a list") {
			return
		}
		if len(n.items) == 0 {
			c.fail(path, "must not be an empty list")
			return
		}
		for i, it := range n.items {
			c.value(it, index(path, i), p.elem)
		}
	case kDict:
		c.dictionary(n, path, p.dictVal)
	case kObject:
		c.object(n, path, p.obj)
	case kHashes:
		c.hashesValue(n, path)
	case kHex:
		if c.wantKind(n, path, '"', "a string") && !validHex(n.str) {
			c.fail(path, "must be an even number of hexadecimal digits (got %q)", truncate(n.str))
		}
	case kBinary:
		if c.wantKind(n, path, '"', "a string") && !validBase64(n.str) {
			c.fail(path, "must be base64-encoded binary data (got %q)", truncate(n.str))
		}
	case kExtensions:
		c.extensionsValue(n, path, p.predefined)
	case kAny:
		c.baseValue(n, path)
	case kCheckOnly:
	}
	if p.check != nil {
		p.check(c, n, path)
	}
}

func (c *checker) wantKind(n *node, path string, kind byte, what string) bool {
	if byte(n.kind) != kind {
		c.fail(path, "must be %s (got %s)", what, n.kindName())
		return false
	}
	return true
}

func (c *checker) checkRange(n *node, path string, p *prop) {
	switch {
	case p.hasMin && p.hasMax && (n.num < p.min || n.num > p.max):
		c.fail(path, "must be between %s and %s (got %s)", fmtNum(p.min), fmtNum(p.max), n.str)
	case p.hasMin && n.num < p.min:
		c.fail(path, "must not be less than %s (got %s)", fmtNum(p.min), n.str)
	case p.hasMax && n.num > p.max:
		c.fail(path, "must not be greater than %s (got %s)", fmtNum(p.max), n.str)
	}
}

func (c *checker) timestampValue(n *node, path string, p *prop) (Timestamp, bool) {
	if !c.wantKind(n, path, '"', "a timestamp string") {
		return Timestamp{}, false
	}
	ts, err := ParseTimestamp(n.str)
	if err != nil {
		c.fail(path, "%v", err)
		return Timestamp{}, false
	}
	switch {
	case p.millis && ts.Precision() < 3:
		c.fail(path, "must have at least millisecond precision, three digits after the seconds (got %q)", n.str)
	case p.seconds && ts.Precision() != 0:
		c.fail(path, "must be precise to the second, without a fraction (got %q)", n.str)
	}
	return ts, true
}

// dictionary checks a dictionary (§2.3): an object with at least one member
// whose keys are at most 250 ASCII letters, digits, '-' and '_'.
func (c *checker) dictionary(n *node, path string, val *prop) {
	if !c.wantKind(n, path, '{', "a dictionary") {
		return
	}
	if len(n.members) == 0 {
		c.fail(path, "must not be an empty dictionary")
		return
	}
	for _, m := range n.members {
		p := join(path, m.name)
		if !validDictKey(m.name) {
			c.fail(p, "is not a valid dictionary key: keys must be at most 250 characters of a-z, A-Z, 0-9, '-' and '_'")
			continue
		}
		if val == nil {
			c.baseValue(m.val, p)
		} else {
			c.value(m.val, p, val)
		}
	}
}

func validDictKey(k string) bool {
	if len(k) > 250 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// vocabTerm warns about a value outside its open vocabulary.
func (c *checker) vocabTerm(v, path string, p *prop) {
	if contains(p.vocab, v) {
		return
	}
	c.warn(path, "%q is not in the %s vocabulary", v, p.vocabName)
	if v != strings.ToLower(v) || strings.ContainsAny(v, " _") {
		c.warn(path, "values outside a vocabulary should be lowercase with hyphens between words (got %q)", v)
	}
}

// validHex reports whether s is hexadecimal octets. §2.8 asks for
// lowercase, but the specification's own examples and the OASIS schemas
// use and accept upper case, so both are taken.
func validHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// validBase64 reports whether s is padded standard base64 (RFC 4648 §4),
// as the binary type requires.
func validBase64(s string) bool {
	if len(s) == 0 || len(s)%4 != 0 {
		return false
	}
	_, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil && !strings.ContainsAny(s, "\r\n")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	var b strings.Builder
	for i, v := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('"')
		b.WriteString(v)
		b.WriteByte('"')
	}
	return b.String()
}

func fmtNum(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// truncate shortens a quoted bad value in a message.
func truncate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
