package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MatchRoot reports whether the comparison expression x holds for the object
// stored under key root in o, following references within o. Matching a
// bracketed observation expression means finding one root object for which
// MatchRoot is true: the comparisons joined by AND must all hold for the
// same object, as in the OASIS reference implementation.
//
// The pattern x belongs to must have passed Check. An error reports a value
// that cannot be compared as the pattern asks (a malformed timestamp or
// hex/base64 property in the data).
func MatchRoot(x ComparisonExpr, o *Observation, root string) (bool, error) {
	obj, ok := o.Objects[root]
	if !ok {
		return false, nil
	}
	return matchCmp(x, o, obj)
}

func matchCmp(x ComparisonExpr, o *Observation, root Object) (bool, error) {
	switch x := x.(type) {
	case *Comparison:
		return x.matchObject(o, root)
	case *ComparisonParen:
		return matchCmp(x.X, o, root)
	case *ComparisonBinary:
		l, err := matchCmp(x.Left, o, root)
		if err != nil {
			return false, err
		}
		if l != x.And {
			// true OR …, false AND …
			return l, nil
		}
		return matchCmp(x.Right, o, root)
	}
	return false, nil
}

// MatchObservation reports whether some root object of o meets the
// comparison expression of a bracketed observation expression.
func MatchObservation(x ComparisonExpr, o *Observation) (bool, error) {
	for _, k := range o.Roots {
		ok, err := matchCmp(x, o, o.Objects[k])
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// matchObject applies one comparison to a root object: the object has the
// path's type, the path selects at least one value, and the test holds for
// one of them (NOT applies to each value).
func (c *Comparison) matchObject(o *Observation, root Object) (bool, error) {
	if t, _ := root["type"].(string); t != c.Path.Type {
		return false, nil
	}
	return c.walk(o, root, c.Path.Steps)
}

// walk follows the remaining path steps from v and tests every value
// reached, stopping at the first that passes.
func (c *Comparison) walk(o *Observation, v any, steps []PathStep) (bool, error) {
	if len(steps) == 0 {
		return c.test(v)
	}
	s := steps[0]
	switch s.Kind {
	case StepKey:
		m, ok := v.(map[string]any)
		if !ok {
			return false, nil
		}
		val, ok := m[s.Key]
		if !ok {
			if val, ok = hashValue(m, s.Key); !ok {
				return false, nil
			}
		}
		val, err := suffixValue(s.Key, val)
		if err != nil {
			return false, err
		}
		switch {
		case strings.HasSuffix(s.Key, "_ref"):
			id, _ := val.(string)
			ref, ok := o.Objects[id]
			if !ok {
				return false, nil
			}
			return c.walk(o, ref, steps[1:])
		case strings.HasSuffix(s.Key, "_refs"):
			ids, ok := val.([]any)
			if !ok {
				return false, nil
			}
			refs := make([]any, 0, len(ids))
			for _, id := range ids {
				if s, ok := id.(string); ok {
					if ref, ok := o.Objects[s]; ok {
						refs = append(refs, ref)
					}
				}
			}
			if len(refs) == 0 {
				return false, nil
			}
			return c.walk(o, refs, steps[1:])
		}
		return c.walk(o, val, steps[1:])
	case StepIndex:
		a, ok := v.([]any)
		if !ok {
			return false, nil
		}
		i := s.Index
		if i < 0 {
			// As in the reference implementation (Python), -1 is the last
			// element.
			i += int64(len(a))
		}
		if i < 0 || i >= int64(len(a)) {
			return false, nil
		}
		return c.walk(o, a[i], steps[1:])
	case StepStar:
		a, ok := v.([]any)
		if !ok {
			return false, nil
		}
		for _, e := range a {
			ok, err := c.walk(o, e, steps[1:])
			if ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// suffixValue decodes the binary properties: names ending in _hex hold hex,
// names ending in _bin base64; both are compared as bytes.
func suffixValue(key string, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	switch {
	case strings.HasSuffix(key, "_hex"):
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("property %s: %q is not hexadecimal", key, shorten(s))
		}
		return b, nil
	case strings.HasSuffix(key, "_bin"):
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("property %s: %q is not base64", key, shorten(s))
		}
		return b, nil
	}
	return v, nil
}

// test applies the operator to one selected value.
func (c *Comparison) test(v any) (bool, error) {
	var r bool
	var err error
	switch c.Op {
	case OpExists:
		return true, nil
	case OpEQ, OpNE:
		if c.c != nil && c.c.hash {
			r, err = equalHash(c.Value.(*Literal), v)
		} else {
			r, err = equal(c.Value.(*Literal), v)
		}
		if c.Op == OpNE {
			r = !r
		}
	case OpLT, OpLE, OpGT, OpGE:
		var cmp int
		var ok bool
		cmp, ok, err = order(c.Value.(*Literal), v)
		if ok {
			switch c.Op {
			case OpLT:
				r = cmp < 0
			case OpLE:
				r = cmp <= 0
			case OpGT:
				r = cmp > 0
			case OpGE:
				r = cmp >= 0
			}
		}
	case OpIn:
		r, err = c.in(v)
	case OpLike:
		r = c.like(v)
	case OpMatches:
		r = c.matches(v)
	case OpIsSubset, OpIsSuperset:
		if s, ok := v.(string); ok {
			if p, ok := parseIPOrCIDR(s); ok {
				if c.Op == OpIsSubset {
					r = prefixContains(c.c.prefix, p)
				} else {
					r = prefixContains(p, c.c.prefix)
				}
			}
		}
	}
	if err != nil {
		return false, fmt.Errorf("evaluate %s: %v", c, err)
	}
	if c.Not {
		r = !r
	}
	return r, nil
}

// equal compares a literal and a value. Values of types that cannot be
// compared are unequal; integers and floats compare as numbers; a string
// equals bytes when its code points, all below 256, are those bytes. A
// timestamp literal reads a string value as a timestamp, which must be
// well-formed.
func equal(l *Literal, v any) (bool, error) {
	switch l.Kind {
	case LitString:
		switch v := v.(type) {
		case string:
			return v == l.Str, nil
		case []byte:
			return below256(l.Str) && bytes.Equal(latin1Bytes(l.Str), v), nil
		}
	case LitInt:
		switch v := v.(type) {
		case int64:
			return v == l.Int, nil
		case float64:
			return v == float64(l.Int), nil
		}
	case LitFloat:
		switch v := v.(type) {
		case int64:
			return float64(v) == l.Float, nil
		case float64:
			return v == l.Float, nil
		}
	case LitBool:
		b, ok := v.(bool)
		return ok && b == l.Bool, nil
	case LitHex, LitBinary:
		switch v := v.(type) {
		case []byte:
			return bytes.Equal(v, l.Bytes), nil
		case string:
			return below256(v) && bytes.Equal(latin1Bytes(v), l.Bytes), nil
		}
	case LitTimestamp:
		if s, ok := v.(string); ok {
			t, err := parseJSONTimestamp(s)
			if err != nil {
				return false, err
			}
			return t.Equal(l.Time), nil
		}
	}
	return false, nil
}

// order compares value v with literal l: cmp < 0 when v < l. ok is false
// when the two cannot be ordered (different types, booleans, a string with
// code points over 255 against bytes), and then every order test is false.
func order(l *Literal, v any) (cmp int, ok bool, err error) {
	switch l.Kind {
	case LitString:
		switch v := v.(type) {
		case string:
			return strings.Compare(v, l.Str), true, nil
		case []byte:
			if !below256(l.Str) {
				return 0, false, nil
			}
			return bytes.Compare(v, latin1Bytes(l.Str)), true, nil
		}
	case LitInt, LitFloat:
		f := l.Float
		if l.Kind == LitInt {
			if n, isInt := v.(int64); isInt {
				return cmpInt(n, l.Int), true, nil
			}
			f = float64(l.Int)
		}
		switch v := v.(type) {
		case int64:
			return cmpFloat(float64(v), f), true, nil
		case float64:
			return cmpFloat(v, f), true, nil
		}
	case LitHex, LitBinary:
		switch v := v.(type) {
		case []byte:
			return bytes.Compare(v, l.Bytes), true, nil
		case string:
			if !below256(v) {
				return 0, false, nil
			}
			return bytes.Compare(latin1Bytes(v), l.Bytes), true, nil
		}
	case LitTimestamp:
		if s, ok := v.(string); ok {
			t, err := parseJSONTimestamp(s)
			if err != nil {
				return 0, false, err
			}
			return t.Compare(l.Time), true, nil
		}
	}
	return 0, false, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// in reports set membership. Unlike =, it does not compare strings with
// bytes, as in the reference implementation.
func (c *Comparison) in(v any) (bool, error) {
	set := c.Value.(*SetLiteral)
	if c.c.strSet != nil {
		s, ok := v.(string)
		if c.c.hash {
			s = strings.ToLower(s)
		}
		return ok && c.c.strSet[s], nil
	}
	if c.c.timeSet {
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		t, err := parseJSONTimestamp(s)
		if err != nil {
			return false, err
		}
		for _, l := range set.Values {
			if t.Equal(l.Time) {
				return true, nil
			}
		}
		return false, nil
	}
	for _, l := range set.Values {
		switch v.(type) {
		case string:
			if l.Kind != LitString {
				continue
			}
		case []byte:
			if l.Kind != LitHex && l.Kind != LitBinary {
				continue
			}
		}
		eq := equal
		if c.c.hash {
			eq = equalHash
		}
		if ok, _ := eq(l, v); ok {
			return true, nil
		}
	}
	return false, nil
}

// like applies LIKE: strings are NFC-normalised first; binary values are
// read as UTF-8 when the pattern has only code points below 256.
func (c *Comparison) like(v any) bool {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		if !c.c.binaryOK || !utf8.Valid(v) {
			return false
		}
		s = string(v)
	default:
		return false
	}
	return c.c.like.match(nfc(s))
}

// matches applies MATCHES: strings are NFC-normalised; binary values match
// byte for byte when the expression has only code points below 256.
func (c *Comparison) matches(v any) bool {
	switch v := v.(type) {
	case string:
		return c.c.re.MatchString(nfc(v))
	case []byte:
		return c.c.binaryOK && c.c.re.MatchString(latin1(v))
	}
	return false
}

func nfc(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if norm.NFC.IsNormalString(s) {
				return s
			}
			return norm.NFC.String(s)
		}
	}
	return s
}

// hashValue looks a hash algorithm up in a hashes dictionary that spells
// it another way: "sha256" or "SHA256" for the path's "SHA-256".
func hashValue(m map[string]any, name string) (any, bool) {
	if canon, ok := CanonicalHash(name); !ok || canon != name {
		return nil, false
	}
	for k, v := range m {
		if canon, ok := CanonicalHash(k); ok && canon == name {
			return v, true
		}
	}
	return nil, false
}

// equalHash compares a hash literal and a value: hex digits compare
// whatever their case.
func equalHash(l *Literal, v any) (bool, error) {
	if s, ok := v.(string); ok && l.Kind == LitString {
		return strings.EqualFold(s, l.Str), nil
	}
	return equal(l, v)
}
