package search

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rampart-cti/rampart/stix"
)

// Keys of the value index (the object_values table) begin with their
// kind, so that one ordered index holds them all and a domain's
// subdomains are one range of it. Until migration 0008 it also held
// "m:" (a marking) and "c:" (the author) keys; search_docs has columns
// for those now.
const (
	keyValue  = "v:" // an exact value, lower case
	keyDomain = "d:" // a domain, labels reversed: "d:com.example.evil."
)

// MaxTokenBytes is the longest word the text index keeps; longer ones
// (a base64 blob in a description) are left out of it.
const MaxTokenBytes = 255

// Words appends to out the words of s: its runs of letters, digits and
// marks, in lower case, each at most MaxTokenBytes long. Both indexes
// (SQLite's FTS5 with its ascii tokenizer, PostgreSQL's tsvector built
// here) and the queries take words from this one function, so that they
// agree on what a word is.
func Words(out []string, s string) []string {
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendWord(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendWord(out, s[start:])
	}
	return out
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func appendWord(out []string, w string) []string {
	w = strings.ToLower(w)
	if len(w) > MaxTokenBytes || w == "" {
		return out
	}
	return append(out, w)
}

// refang undoes the usual defanging of indicators in reports:
// "evil[.]example[.]com", "hxxp://", "bob[@]example.org".
var refang = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".",
	"[:]", ":", "[@]", "@", "[at]", "@",
	"hxxp://", "http://", "hxxps://", "https://",
)

// trimToken removes the punctuation that text puts around a value: quotes
// and brackets, and a sentence's full stop or comma after it.
func trimToken(s string) string {
	s = strings.TrimLeft(s, "\"'`([{<")
	for {
		n := len(s)
		s = strings.TrimRight(s, "\"'`)]}>.,;!?")
		// One colon ends a sentence ("see 198.51.100.7: …"); two end
		// an IPv6 address ("2001:db8::").
		if strings.HasSuffix(s, ":") && !strings.HasSuffix(s, "::") {
			s = s[:len(s)-1]
		}
		if len(s) == n {
			return s
		}
	}
}

// valueChars are the characters that make a token a value rather than a
// word.
const valueChars = ".:/\\@"

// A value is one value term or token, as the index keys it.
type value struct {
	// Key is the index key of an exact value; for a domain it is the
	// reversed domain ("d:com.example.evil."), whose subdomains are the
	// keys that begin with it.
	Key    string
	Domain bool
	// ID is set when the value is a STIX identifier: it also matches
	// the object of that id.
	ID string
	// Also are further keys the value is indexed under: a URL's host,
	// an e-mail address's domain.
	Also []string
}

// parseValue reports whether the token s (no spaces) is a value and how
// it is indexed. Words ("APT29", "phishing") are not values; tokens with
// ".", ":", "/", "\" or "@" in them, and hexadecimal strings as long as a
// hash, are.
func parseValue(s string) (value, bool) {
	// Most tokens of prose are words ("crime." among them): tell them at
	// once, without a copy.
	if t := trimToken(s); len(t) < 32 && !strings.ContainsAny(t, valueChars+"-[(") {
		return value{}, false
	}
	s = strings.ToLower(s)
	// The replacer copies every string it is given: only a token that
	// may be defanged goes through it.
	if strings.ContainsAny(s, "[({") || strings.Contains(s, "hxxp") {
		s = refang.Replace(s)
	}
	s = trimToken(s)
	if s == "" {
		return value{}, false
	}
	if isHash(s) {
		return value{Key: keyValue + s}, true
	}
	// Every identifier has "--": the others do not go to ParseID, whose
	// error would allocate for every URL and domain.
	if strings.Contains(s, "--") {
		if _, _, err := stix.ParseID(s); err == nil {
			return value{Key: keyValue + s, ID: s}, true
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return value{Key: keyValue + a.String()}, true
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return value{Key: keyValue + p.String()}, true
	}
	if !strings.ContainsAny(s, valueChars) || !hasWordRune(s) {
		return value{}, false
	}
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		v := value{Key: keyValue + s}
		if u, err := url.Parse(s); err == nil {
			if d, ok := domainKey(u.Hostname()); ok {
				v.Also = append(v.Also, d)
			} else if a, err := netip.ParseAddr(u.Hostname()); err == nil {
				v.Also = append(v.Also, keyValue+a.String())
			}
		}
		return v, true
	}
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		if d, ok := domainKey(s[at+1:]); ok && !strings.ContainsAny(s[:at], "/\\@") {
			return value{Key: keyValue + s, Also: []string{d}}, true
		}
	}
	if d, ok := domainKey(s); ok {
		return value{Key: d, Domain: true}, true
	}
	if isAbbreviation(s) {
		return value{}, false
	}
	return value{Key: keyValue + s}, true
}

// isAbbreviation reports whether s is letters separated by dots, as in
// "e.g" and "u.s": words of prose, not values.
func isAbbreviation(s string) bool {
	for i, r := range s {
		if i%2 == 1 && r != '.' || i%2 == 0 && !('a' <= r && r <= 'z') {
			return false
		}
	}
	return true
}

// String returns the value as a query would name it: the domain of a
// domain key, the value of an exact one.
func (v value) String() string {
	if !v.Domain {
		return strings.TrimPrefix(v.Key, keyValue)
	}
	labels := strings.Split(strings.TrimSuffix(strings.TrimPrefix(v.Key, keyDomain), "."), ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".")
}

// keys returns every index key of v.
func (v value) keys() []string {
	return append([]string{v.Key}, v.Also...)
}

// isHash reports whether s is hexadecimal of the length of an MD5, SHA-1,
// SHA-224, SHA-256, SHA-384 or SHA-512 digest.
func isHash(s string) bool {
	switch len(s) {
	case 32, 40, 56, 64, 96, 128:
	default:
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

func hasWordRune(s string) bool {
	return strings.ContainsFunc(s, isWordRune)
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// domainKey returns the index key of s if s is a domain name: at least
// two labels of letters, digits, "-" and "_", the last one (the top-level
// domain) of letters only and at least two long, or an IDN ("xn--…").
// The key holds the labels in reverse order, each followed by a dot, so
// that a domain's subdomains are the keys that begin with its own:
// "evil.example.com" is "d:com.example.evil.", "a.evil.example.com"
// "d:com.example.evil.a.".
func domainKey(s string) (string, bool) {
	s = strings.TrimSuffix(s, ".")
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", false
		}
		for _, r := range l {
			if !isWordRune(r) && r != '-' && r != '_' {
				return "", false
			}
		}
	}
	tld := labels[len(labels)-1]
	if !strings.HasPrefix(tld, "xn--") {
		if len(tld) < 2 {
			return "", false
		}
		for _, r := range tld {
			if !unicode.IsLetter(r) {
				return "", false
			}
		}
	}
	var b strings.Builder
	b.Grow(len(keyDomain) + len(s) + 1)
	b.WriteString(keyDomain)
	for i := len(labels) - 1; i >= 0; i-- {
		b.WriteString(labels[i])
		b.WriteByte('.')
	}
	return b.String(), true
}

// keyAfter returns the least string greater than every string that
// begins with prefix, for a range scan of an index ordered byte-wise:
// prefix ends with '.', and '/' follows '.' in ASCII.
func keyAfter(prefix string) string {
	return prefix[:len(prefix)-1] + "/"
}
