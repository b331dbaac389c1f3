package match

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Literals narrow LIKE and MATCHES comparisons: a value can only meet one
// if it contains one of the comparison's required literals, which the
// index finds for many indicators at once with an automaton. Literals are
// ASCII, folded to lower case, of minLiteral bytes at least (shorter ones
// would let almost every value through) and cut to maxLiteral bytes (a
// part of a required literal is required too, and a shorter one keeps the
// automaton small).
const (
	minLiteral = 3
	maxLiteral = 16
	// maxAlternatives bounds the literals of one expression: one of
	// (a|b|c…) must appear.
	maxAlternatives = 8
)

// likeLiteral returns the longest run of ASCII characters of a LIKE
// pattern that holds no wildcard: every value the pattern matches
// contains it. LIKE compares NFC forms, so the run is read from the
// pattern's.
func likeLiteral(s string) (string, bool) {
	s = norm.NFC.String(s)
	best := ""
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '%' || r == '_' || r >= utf8.RuneSelf }) {
		if len(f) > len(best) {
			best = f
		}
	}
	return fitLiteral(best)
}

func fitLiteral(s string) (string, bool) {
	if len(s) < minLiteral {
		return "", false
	}
	if len(s) > maxLiteral {
		s = s[:maxLiteral]
	}
	return strings.ToLower(s), true
}

// regexLiterals returns literals one of which every string re matches
// contains, or nil when it cannot tell.
func regexLiterals(re *regexp.Regexp) []string {
	x, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	return required(x.Simplify())
}

// required returns literals one of which every match of x contains.
func required(x *syntax.Regexp) []string {
	switch x.Op {
	case syntax.OpLiteral:
		// The longest ASCII run: other runes may match more than
		// themselves under case folding.
		best := ""
		for f := range strings.FieldsFuncSeq(string(x.Rune), func(r rune) bool { return r >= utf8.RuneSelf }) {
			if len(f) > len(best) {
				best = f
			}
		}
		if l, ok := fitLiteral(best); ok {
			return []string{l}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return required(x.Sub[0])
	case syntax.OpRepeat:
		if x.Min >= 1 {
			return required(x.Sub[0])
		}
	case syntax.OpConcat:
		// The part whose shortest literal is longest narrows best.
		var best []string
		for _, sub := range x.Sub {
			if ls := required(sub); ls != nil && shortest(ls) > shortest(best) {
				best = ls
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range x.Sub {
			ls := required(sub)
			if ls == nil {
				return nil
			}
			out = append(out, ls...)
		}
		if len(out) > maxAlternatives {
			return nil
		}
		return dedupe(out)
	}
	return nil
}

func shortest(ls []string) int {
	n := 0
	for i, l := range ls {
		if i == 0 || len(l) < n {
			n = len(l)
		}
	}
	return n
}

func dedupe(ls []string) []string {
	seen := map[string]bool{}
	out := ls[:0]
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// literalForm is a value as literals are looked for in it: its NFC form,
// as LIKE and MATCHES compare it, with the two non-ASCII letters that
// fold to ASCII ones (U+017F ſ to s; U+212A, the Kelvin sign, is K in NFC)
// read as those, so that a case-insensitive expression's literal is found.
func literalForm(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			v = norm.NFC.String(v)
			return strings.ReplaceAll(v, "ſ", "s")
		}
	}
	return v
}
