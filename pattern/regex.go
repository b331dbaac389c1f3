package pattern

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
)

// compileRegex turns the text of a MATCHES operand into a Go regular
// expression.
//
// STIX says MATCHES takes a PCRE; Go's regexp is RE2, which runs in time
// linear in its input (so no expression can stall the matcher) at the price
// of some PCRE features. compileRegex:
//
//   - rejects, naming the construct, what RE2 lacks: backreferences (\1,
//     \k<name>, \g1), lookahead and lookbehind ((?=, (?!, (?<=, (?<!),
//     atomic groups ((?>), possessive quantifiers (a++), conditionals ((?(),
//     recursion ((?R), (?1)), \G and \K;
//   - translates \uXXXX (Python) to \x{XXXX} and \Z to "end, or before a
//     final newline";
//   - refuses expressions longer than MaxRegexBytes or compiling to more
//     than MaxRegexInsts instructions, with the reason.
//
// Remaining differences: in Go \d, \w, \s and \b are ASCII-only (PCRE in
// Unicode mode and Python match any Unicode digit, letter or space), and $
// matches only at the very end of the text (PCRE and Python also match
// before a final newline). Both are documented in docs/PATTERNS.md.
func compileRegex(src string) (*regexp.Regexp, error) {
	regexCache.Lock()
	re, ok := regexCache.m[src]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	re, err := compileRegexUncached(src)
	if err != nil {
		return nil, err
	}
	regexCache.Lock()
	if len(regexCache.m) >= regexCacheSize {
		clear(regexCache.m)
	}
	regexCache.m[src] = re
	regexCache.Unlock()
	return re, nil
}

// regexCache keeps recently compiled MATCHES expressions: indicator feeds
// repeat the same few expressions across many patterns, and a compiled
// *regexp.Regexp is safe for concurrent use. Only valid expressions are
// kept; the cache is emptied when full.
var regexCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: make(map[string]*regexp.Regexp)}

const regexCacheSize = 1024

func compileRegexUncached(src string) (*regexp.Regexp, error) {
	if len(src) > MaxRegexBytes {
		return nil, fmt.Errorf("regular expression of %d bytes exceeds MaxRegexBytes (%d): %w", len(src), MaxRegexBytes, ErrTooCostly)
	}
	tr, err := translatePCRE(src)
	if err != nil {
		return nil, err
	}
	re, err := syntax.Parse(tr, syntax.Perl)
	if e, ok := err.(*syntax.Error); ok && (e.Code == syntax.ErrInvalidRepeatSize || e.Code == syntax.ErrLarge || e.Code == syntax.ErrNestingDepth) {
		return nil, fmt.Errorf("regular expression is too large for RE2 (%s in %q): nested counted repetition multiplies its size: %w", e.Code, e.Expr, ErrTooCostly)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %s", regexErrorText(err))
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %s", regexErrorText(err))
	}
	if n := len(prog.Inst); n > MaxRegexInsts {
		return nil, fmt.Errorf("regular expression compiles to %d instructions, more than MaxRegexInsts (%d); nested counted repetition such as (a{100}){100} multiplies its size: %w", n, MaxRegexInsts, ErrTooCostly)
	}
	return regexp.Compile(tr)
}

func regexErrorText(err error) string {
	if e, ok := err.(*syntax.Error); ok {
		return fmt.Sprintf("%s in %q", e.Code, e.Expr)
	}
	return err.Error()
}

// translatePCRE rejects PCRE constructs RE2 lacks and rewrites the few that
// have an RE2 equivalent.
func translatePCRE(s string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			d := s[i+1]
			switch {
			case d >= '1' && d <= '9' && !inClass:
				return "", unsupported(`a backreference (\`+string(d)+`)`, "capture the text once and compare it outside the pattern")
			case (d == 'k' || d == 'g') && !inClass:
				return "", unsupported(`a backreference (\`+string(d)+`)`, "capture the text once and compare it outside the pattern")
			case d == 'G' || d == 'K':
				return "", unsupported(`\`+string(d), "")
			case d == 'Z' && !inClass:
				b.WriteString(`(?:\n?\z)`)
				i++
				continue
			case d == 'u' && i+5 < len(s) && allHex(s[i+2:i+6]):
				b.WriteString(`\x{` + s[i+2:i+6] + `}`)
				i += 5
				continue
			}
			b.WriteByte(c)
			b.WriteByte(d)
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(s) && s[i+1] == '^' {
				b.WriteString("[^")
				i++
			} else {
				b.WriteByte('[')
			}
			if i+1 < len(s) && s[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
			continue
		case c == '(' && strings.HasPrefix(s[i:], "(?"):
			rest := s[i+2:]
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
				return "", unsupported("a lookahead ("+s[i:i+3]+")", "")
			case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				return "", unsupported("a lookbehind ("+s[i:i+4]+")", "")
			case strings.HasPrefix(rest, ">"):
				return "", unsupported("an atomic group ((?>)", "")
			case strings.HasPrefix(rest, "("):
				return "", unsupported("a conditional ((?()", "")
			case strings.HasPrefix(rest, "R"), len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9', strings.HasPrefix(rest, "&"), strings.HasPrefix(rest, "P>"):
				return "", unsupported("a recursive subpattern", "")
			}
		case c == '+' && i > 0 && strings.IndexByte("*+?}", s[i-1]) >= 0 && !(i > 1 && s[i-2] == '\\'):
			return "", unsupported("a possessive quantifier ("+s[i-1:i+1]+")", "use the plain quantifier; RE2 never backtracks")
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func unsupported(what, hint string) error {
	msg := "regular expression uses " + what + ", which Go's RE2 engine does not support"
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return fmt.Errorf("%s", msg)
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// latin1 returns the bytes of b as a string of the code points 0-255 they
// encode, so a regular expression written with \xNN escapes matches binary
// values byte for byte, as the reference implementation does.
func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// below256 reports whether every code point of s is below 256, which is
// when a string can be compared with binary data.
func below256(s string) bool {
	for _, r := range s {
		if r >= 256 {
			return false
		}
	}
	return true
}

// latin1Bytes returns the code points of s (all below 256) as bytes.
func latin1Bytes(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}
