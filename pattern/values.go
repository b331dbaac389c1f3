package pattern

import (
	"strconv"
	"strings"
)

// NamedValue is one value a pattern names: an object property that a
// comparison asserts equals, or is one of, a literal. "ipv4-addr",
// "value", "198.51.100.7".
type NamedValue struct {
	Type string // the object type, e.g. ipv4-addr
	// Path is the property path as written after the type, e.g. value,
	// dst_ref.value or hashes.SHA-256 (keys joined by dots, list steps
	// as [n] and [*]).
	Path  string
	Value string
}

// Values returns the values p names: those of every comparison that is
// not negated and asserts equality (=), membership (IN) or a subnet
// (ISSUBSET) with a string or integer literal. Other comparisons (!=, <,
// LIKE, MATCHES, EXISTS…) name no particular value and are left out. The
// values come in the pattern's order. Watchlists and early warning use
// them to tell which assets an indicator names.
func Values(p *Pattern) []NamedValue {
	var out []NamedValue
	Inspect(p, func(n Node) bool {
		c, ok := n.(*Comparison)
		if !ok {
			return true
		}
		if c.Not || (c.Op != OpEQ && c.Op != OpIn && c.Op != OpIsSubset) {
			return false
		}
		path := pathText(c.Path)
		var lits []*Literal
		switch v := c.Value.(type) {
		case *Literal:
			lits = []*Literal{v}
		case *SetLiteral:
			lits = v.Values
		}
		for _, l := range lits {
			switch l.Kind {
			case LitString:
				out = append(out, NamedValue{Type: c.Path.Type, Path: path, Value: l.Str})
			case LitInt:
				out = append(out, NamedValue{Type: c.Path.Type, Path: path, Value: strconv.FormatInt(l.Int, 10)})
			}
		}
		return false
	})
	return out
}

// pathText writes an object path's steps after the type: keys joined by
// dots, list steps as [n] and [*].
func pathText(p *ObjectPath) string {
	var b strings.Builder
	for i, st := range p.Steps {
		switch st.Kind {
		case StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(st.Key)
		case StepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.FormatInt(st.Index, 10))
			b.WriteByte(']')
		case StepStar:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// ValuesOf parses a pattern's text and returns the values it names
// (Values), and false when the text is not a pattern: what a store's
// search index takes, to hold an indicator's values without reading
// patterns itself.
func ValuesOf(text string) ([]string, bool) {
	p, err := Parse(text)
	if err != nil {
		return nil, false
	}
	nvs := Values(p)
	out := make([]string, len(nvs))
	for i, nv := range nvs {
		out[i] = nv.Value
	}
	return out, true
}
