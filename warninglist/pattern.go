package warninglist

import (
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart/pattern"
)

// Pattern checks the values an indicator's pattern names (pattern.Values:
// those asserted equal, one of a set, or a subnet) and returns the hits,
// and whether every value of a kind some list may apply to is on a list:
// an indicator whose values are all known benign detects nothing useful.
// A pattern that names no such value is never all on lists.
func (c *Checker) Pattern(p *pattern.Pattern) (hits []Hit, all bool) {
	if c == nil || c.entries == 0 {
		return nil, false
	}
	checked, listed := 0, 0
	for _, nv := range pattern.Values(p) {
		k := KindOf(nv.Type, nv.Path, nv.Value)
		if k == "" {
			continue
		}
		checked++
		if hs := c.Check(k, nv.Value); len(hs) > 0 {
			listed++
			hits = append(hits, hs...)
		}
	}
	return hits, checked > 0 && listed == checked
}

// Observed checks the values observations showed where they met pattern
// p: for every comparison of p that is not negated, the values at its
// path in the objects of its type that meet it. It returns the hits and
// whether every such value of a kind some list may apply to is on a list:
// then the match says nothing but that a known benign value was seen (a
// resolver queried, an empty file written), and raises no sighting. A
// match that showed no such value is never all on lists.
func (c *Checker) Observed(p *pattern.Pattern, obs []*pattern.Observation) (hits []Hit, all bool) {
	if c == nil || c.entries == 0 {
		return nil, false
	}
	checked, listed := 0, 0
	pattern.Inspect(p, func(n pattern.Node) bool {
		cmp, ok := n.(*pattern.Comparison)
		if !ok {
			return true
		}
		if cmp.Not {
			return false
		}
		for _, o := range obs {
			for _, root := range o.Roots {
				obj := o.Objects[root]
				if t, _ := obj["type"].(string); t != cmp.Path.Type {
					continue
				}
				if ok, err := pattern.MatchRoot(cmp, o, root); !ok || err != nil {
					continue
				}
				vals := valuesAt(o, obj, cmp.Path.Steps, nil)
				if len(vals) > 1 {
					// Several values at the path (a list): only those
					// the comparison names are known to have met it.
					vals = named(cmp, vals)
				}
				path := pathText(cmp.Path.Steps)
				for _, v := range vals {
					k := KindOf(cmp.Path.Type, path, v)
					if k == "" {
						continue
					}
					checked++
					if hs := c.Check(k, v); len(hs) > 0 {
						listed++
						hits = append(hits, hs...)
					}
				}
			}
		}
		return false
	})
	return hits, checked > 0 && listed == checked
}

// valuesAt returns the strings at steps from v, following references
// within o.
func valuesAt(o *pattern.Observation, v any, steps []pattern.PathStep, out []string) []string {
	if len(steps) == 0 {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
		return out
	}
	s := steps[0]
	switch s.Kind {
	case pattern.StepKey:
		m, ok := v.(map[string]any)
		if !ok {
			return out
		}
		val := m[s.Key]
		switch {
		case strings.HasSuffix(s.Key, "_ref"):
			id, _ := val.(string)
			if ref, ok := o.Objects[id]; ok {
				return valuesAt(o, ref, steps[1:], out)
			}
			return out
		case strings.HasSuffix(s.Key, "_refs"):
			ids, _ := val.([]any)
			var refs []any
			for _, id := range ids {
				if id, ok := id.(string); ok {
					if ref, ok := o.Objects[id]; ok {
						refs = append(refs, ref)
					}
				}
			}
			return valuesAt(o, refs, steps[1:], out)
		}
		return valuesAt(o, val, steps[1:], out)
	case pattern.StepIndex:
		a, _ := v.([]any)
		i := s.Index
		if i < 0 {
			i += int64(len(a))
		}
		if i >= 0 && i < int64(len(a)) {
			return valuesAt(o, a[i], steps[1:], out)
		}
	case pattern.StepStar:
		a, _ := v.([]any)
		for _, e := range a {
			out = valuesAt(o, e, steps[1:], out)
		}
	}
	return out
}

// named keeps the values a comparison's string literals name.
func named(cmp *pattern.Comparison, vals []string) []string {
	var lits []*pattern.Literal
	switch v := cmp.Value.(type) {
	case *pattern.Literal:
		lits = []*pattern.Literal{v}
	case *pattern.SetLiteral:
		lits = v.Values
	}
	var out []string
	for _, v := range vals {
		for _, l := range lits {
			if l.Kind == pattern.LitString && l.Str == v {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// pathText writes path steps as pattern.NamedValue.Path does.
func pathText(steps []pattern.PathStep) string {
	var b strings.Builder
	for i, st := range steps {
		switch st.Kind {
		case pattern.StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(st.Key)
		case pattern.StepIndex:
			b.WriteString("[" + strconv.FormatInt(st.Index, 10) + "]")
		case pattern.StepStar:
			b.WriteString("[*]")
		}
	}
	return b.String()
}
