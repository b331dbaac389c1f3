package coord

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Observable is one value an indicator's pattern compares an object
// property with for equality or membership: "ipv4-addr", "value",
// "198.51.100.7".
type Observable struct {
	Type  string // the object type, e.g. ipv4-addr
	Path  string // the object path, e.g. value or dst_ref.value
	Value string
}

// Kind classifies an observable for watchlists: "ip", "asn", "domain",
// "url", "email", or "" for anything else.
func (v Observable) Kind() string {
	last := v.Path
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	switch {
	case (v.Type == "ipv4-addr" || v.Type == "ipv6-addr") && v.Path == "value":
		return "ip"
	case v.Type == "network-traffic" && (strings.HasPrefix(v.Path, "dst_ref.") || strings.HasPrefix(v.Path, "src_ref.")) && last == "value":
		return "ip"
	case v.Type == "autonomous-system" && v.Path == "number":
		return "asn"
	case v.Type == "domain-name" && v.Path == "value":
		return "domain"
	case v.Type == "url" && v.Path == "value":
		return "url"
	case v.Type == "email-addr" && v.Path == "value":
		return "email"
	case v.Type == "email-message" && last == "value" && strings.Contains(v.Path, "_ref"):
		return "email"
	}
	return ""
}

// PatternValues reads the values an indicator's pattern compares objects
// with. The early-warning engine needs no more of a pattern than this to
// check it against watchlists; a full parser (package pattern) can stand
// behind the same interface.
type PatternValues interface {
	// Values returns the observables of the comparisons that assert a
	// property equals, or is one of, given values ("=", "IN",
	// "ISSUBSET"); negated and other comparisons are left out, as they do
	// not name an asset.
	Values(pattern string) ([]Observable, error)
}

// MaxSimplePatternBytes is the longest pattern SimplePatterns reads.
const MaxSimplePatternBytes = 64 << 10

// ErrPatternTooLarge reports a pattern over MaxSimplePatternBytes.
var ErrPatternTooLarge = errors.New("pattern exceeds MaxSimplePatternBytes (64 KiB)")

// SimplePatterns reads the comparisons of STIX patterns with a scanner
// rather than a full parser: it finds every "type:path = 'value'", "type:path
// IN ('a', 'b')" and "type:path ISSUBSET 'prefix'" outside string literals,
// and skips comparisons preceded by NOT. It does not check that the pattern
// is well formed, which the node's validation does before an indicator is
// stored. The zero value is ready to use and safe for concurrent use.
type SimplePatterns struct{}

var comparisonRE = regexp.MustCompile(`([a-z0-9][a-z0-9-]*):([A-Za-z0-9_.*\[\]-]+)\s*(NOT\s+)?(=|!=|IN|ISSUBSET|ISSUPERSET|LIKE|MATCHES|<=|>=|<|>)\s*`)

// Values implements PatternValues. It returns an error for an
// unterminated string literal or a pattern over MaxSimplePatternBytes.
func (SimplePatterns) Values(pattern string) ([]Observable, error) {
	if len(pattern) > MaxSimplePatternBytes {
		return nil, ErrPatternTooLarge
	}
	masked, err := maskStrings(pattern)
	if err != nil {
		return nil, err
	}
	var out []Observable
	for _, m := range comparisonRE.FindAllStringSubmatchIndex(masked, -1) {
		// The operator is "=" and friends, or a word standing alone.
		if m[0] > 0 && isPathByte(masked[m[0]-1]) {
			continue
		}
		typ, path := pattern[m[2]:m[3]], pattern[m[4]:m[5]]
		negated, op := m[6] >= 0, pattern[m[8]:m[9]]
		if negated || (op != "=" && op != "IN" && op != "ISSUBSET") {
			continue
		}
		vals, ok := readLiterals(pattern[m[1]:])
		if !ok {
			continue
		}
		for _, v := range vals {
			out = append(out, Observable{Type: typ, Path: path, Value: v})
		}
	}
	return out, nil
}

func isPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

// maskStrings returns the pattern with the contents of string literals
// replaced by spaces, so that nothing inside a literal looks like a
// comparison.
func maskStrings(p string) (string, error) {
	b := []byte(p)
	for i := 0; i < len(b); i++ {
		if b[i] != '\'' {
			continue
		}
		start := i
		i++
		for ; i < len(b) && b[i] != '\''; i++ {
			if b[i] == '\\' {
				b[i] = ' '
				i++
			}
			if i < len(b) {
				b[i] = ' '
			}
		}
		if i >= len(b) {
			line, col := position(p, start)
			return "", fmt.Errorf("pattern:%d:%d: the string literal opened here is not closed", line, col)
		}
	}
	return string(b), nil
}

// readLiterals reads a string literal, a number, or a parenthesised list
// of them at the start of s.
func readLiterals(s string) ([]string, bool) {
	if strings.HasPrefix(s, "(") {
		var out []string
		rest := strings.TrimLeft(s[1:], " \t\r\n")
		for {
			v, n, ok := readLiteral(rest)
			if !ok {
				return nil, false
			}
			out = append(out, v)
			rest = strings.TrimLeft(rest[n:], " \t\r\n")
			switch {
			case strings.HasPrefix(rest, ","):
				rest = strings.TrimLeft(rest[1:], " \t\r\n")
			case strings.HasPrefix(rest, ")"):
				return out, true
			default:
				return nil, false
			}
		}
	}
	v, _, ok := readLiteral(s)
	if !ok {
		return nil, false
	}
	return []string{v}, true
}

// readLiteral reads one string literal ('…', with \' and \\ escapes) or
// integer, returning its value and length.
func readLiteral(s string) (string, int, bool) {
	if strings.HasPrefix(s, "'") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '\'':
				return b.String(), i + 1, true
			default:
				b.WriteByte(s[i])
			}
		}
		return "", 0, false
	}
	n := 0
	for n < len(s) && ('0' <= s[n] && s[n] <= '9' || n == 0 && s[n] == '-') {
		n++
	}
	if n == 0 || s[:n] == "-" {
		return "", 0, false
	}
	if _, err := strconv.ParseInt(s[:n], 10, 64); err != nil {
		return "", 0, false
	}
	return s[:n], n, true
}

// position returns the 1-based line and column (in bytes) of offset.
func position(s string, offset int) (line, col int) {
	line = 1 + strings.Count(s[:offset], "\n")
	return line, offset - strings.LastIndexByte(s[:offset], '\n')
}
