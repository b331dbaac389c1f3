package match

import (
	"net/netip"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/rampart-cti/rampart/pattern"
)

// anchorKind is how an index finds candidate indicators for a value.
type anchorKind uint8

const (
	anchorExact   anchorKind = iota + 1 // path = value
	anchorCIDR                          // path ISSUBSET prefix
	anchorSuffix                        // path LIKE '%.domain': value ends in .domain
	anchorLiteral                       // LIKE or MATCHES: value contains a literal, whatever its case
)

// anchor is a condition some observed value must meet for an indicator to
// possibly match: every observation that can meet the pattern (or, for
// patterns spanning several observations, any of its bracketed parts) holds
// a value meeting one of the indicator's anchors. Anchors only narrow; the
// evaluator decides.
type anchor struct {
	kind   anchorKind
	path   string // canonical object path, as ObjectPath.String prints it
	value  string // exact value, the domain for a suffix, the literal (in lower case)
	prefix netip.Prefix
}

// anchorsOf returns the anchors of a pattern, and false when some bracketed
// expression has none, in which case the indicator is evaluated against
// every observation.
func anchorsOf(x pattern.ObservationExpr) ([]anchor, bool) {
	var out []anchor
	ok := true
	pattern.Inspect(x, func(n pattern.Node) bool {
		if s, isSimple := n.(*pattern.ObservationSimple); isSimple {
			a, aok := cmpAnchors(s.Expr)
			if !aok {
				ok = false
			}
			out = append(out, a...)
			return false
		}
		return ok
	})
	return out, ok && len(out) > 0
}

// cmpAnchors returns anchors for a comparison expression: for OR, those of
// both sides (both must have some); for AND, those of one side.
func cmpAnchors(x pattern.ComparisonExpr) ([]anchor, bool) {
	switch x := x.(type) {
	case *pattern.ComparisonParen:
		return cmpAnchors(x.X)
	case *pattern.ComparisonBinary:
		l, lok := cmpAnchors(x.Left)
		r, rok := cmpAnchors(x.Right)
		if !x.And {
			if !lok || !rok {
				return nil, false
			}
			return append(l, r...), true
		}
		switch {
		case lok && rok:
			// Prefer exact anchors, then the fewer.
			if score(r) < score(l) {
				return r, true
			}
			return l, true
		case lok:
			return l, true
		case rok:
			return r, true
		}
		return nil, false
	case *pattern.Comparison:
		return comparisonAnchors(x)
	}
	return nil, false
}

func score(as []anchor) int {
	s := 0
	for _, a := range as {
		s += int(a.kind) * 4
	}
	return s
}

func comparisonAnchors(c *pattern.Comparison) ([]anchor, bool) {
	if c.Not {
		return nil, false
	}
	path := c.Path.String()
	fold := func(v string) string { return v }
	if c.Path.IsHashPath() {
		// Hashes compare whatever their case: indexed in lower case, as
		// Session.Match looks them up.
		fold = strings.ToLower
	}
	switch c.Op {
	case pattern.OpEQ:
		if l := c.Value.(*pattern.Literal); l.Kind == pattern.LitString {
			return []anchor{{kind: anchorExact, path: path, value: fold(l.Str)}}, true
		}
	case pattern.OpIn:
		set := c.Value.(*pattern.SetLiteral)
		if len(set.Values) == 0 {
			return nil, false
		}
		var out []anchor
		for _, l := range set.Values {
			if l.Kind != pattern.LitString {
				return nil, false
			}
			out = append(out, anchor{kind: anchorExact, path: path, value: fold(l.Str)})
		}
		return out, true
	case pattern.OpIsSubset:
		s := c.Value.(*pattern.Literal).Str
		p, ok := parsePrefix(s)
		if !ok {
			return nil, false
		}
		return []anchor{{kind: anchorCIDR, path: path, prefix: p.Masked()}}, true
	case pattern.OpLike:
		// LIKE compares NFC forms; Session.Match looks values up in
		// theirs too.
		s := norm.NFC.String(c.Value.(*pattern.Literal).Str)
		if !strings.ContainsAny(s, "%_") {
			return []anchor{{kind: anchorExact, path: path, value: fold(s)}}, true
		}
		if d, ok := strings.CutPrefix(s, "%."); ok && d != "" && !strings.ContainsAny(d, "%_") {
			return []anchor{{kind: anchorSuffix, path: path, value: fold(d)}}, true
		}
		if l, ok := likeLiteral(s); ok && !binaryPath(c.Path) {
			return []anchor{{kind: anchorLiteral, path: path, value: l}}, true
		}
	case pattern.OpMatches:
		if re := c.Regexp(); re != nil && !binaryPath(c.Path) {
			if ls := regexLiterals(re); ls != nil {
				out := make([]anchor, len(ls))
				for i, l := range ls {
					out[i] = anchor{kind: anchorLiteral, path: path, value: l}
				}
				return out, true
			}
		}
	}
	return nil, false
}

// binaryPath reports whether a path names a binary property (_hex, _bin),
// which LIKE and MATCHES read as bytes, not as the text a log holds.
func binaryPath(p *pattern.ObjectPath) bool {
	last := p.Steps[len(p.Steps)-1]
	return last.Kind == pattern.StepKey && (strings.HasSuffix(last.Key, "_hex") || strings.HasSuffix(last.Key, "_bin"))
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		return p, err == nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// maxObservations returns how many observations the pattern may need at
// most: 1 means a single observation decides it, so it is matched record by
// record; more means it is matched over a window of recent observations.
func maxObservations(x pattern.ObservationExpr) int64 {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		return 1
	case *pattern.ObservationParen:
		return maxObservations(x.X)
	case *pattern.ObservationBinary:
		l, r := maxObservations(x.Left), maxObservations(x.Right)
		if x.Op == pattern.ObsOr {
			return max(l, r)
		}
		return l + r
	case *pattern.Qualified:
		n := maxObservations(x.X)
		if q, ok := x.Qualifier.(*pattern.Repeats); ok {
			return n * q.Count
		}
		return n
	}
	return 1
}
