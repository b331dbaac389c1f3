package pattern

import "unicode/utf8"

// likeMatcher is a compiled SQL LIKE pattern: '%' matches any run of
// characters (also none), '_' exactly one character, every other character
// itself; the whole value must match.
type likeMatcher struct {
	pat []rune
	// prefix and suffix let the common shapes 'abc%', '%abc' and 'abc'
	// skip the general algorithm.
	literal bool
}

func newLikeMatcher(p string) *likeMatcher {
	m := &likeMatcher{pat: []rune(p), literal: true}
	for _, r := range m.pat {
		if r == '%' || r == '_' {
			m.literal = false
		}
	}
	return m
}

// match reports whether s matches the pattern. It runs the classic
// wildcard algorithm, which backtracks only to the last '%' and so takes
// at most len(pattern)·len(s) steps.
func (m *likeMatcher) match(s string) bool {
	if m.literal {
		return string(m.pat) == s
	}
	p := m.pat
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, w := utf8.DecodeRuneInString(s[si:])
		if pi < len(p) {
			switch p[pi] {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				pi++
				si += w
				continue
			default:
				if p[pi] == r {
					pi++
					si += w
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '%' absorb one more character and retry.
		_, w2 := utf8.DecodeRuneInString(s[starS:])
		starS += w2
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
