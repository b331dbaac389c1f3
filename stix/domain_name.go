package stix

import (
	"encoding/json/jsontext"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DomainName is a network domain name (§6.4).
type DomainName struct {
	ObservableProperties
	Value          string                    `json:"value"`
	ResolvesToRefs []string                  `json:"resolves_to_refs,omitempty"`
	Extensions     Extensions                `json:"extensions,omitempty"`
	Custom         map[string]jsontext.Value `json:",embed"`
}

var domainNameSpec = scoSpec(map[string]*prop{
	"value":            str().with(checkDomainName),
	"resolves_to_refs": refs("ipv4-addr", "ipv6-addr", "domain-name"),
}, nil, []string{"value"})

func checkDomainName(c *checker, n *node, path string) {
	if n.kind == '"' {
		if why := domainNameProblem(n.str); why != "" {
			c.fail(path, "must be a domain name (RFC 1034, RFC 5890): %s (got %q)", why, truncate(n.str))
		}
	}
}

// domainNameProblem checks the shape of a domain name: dot-separated labels
// of 1 to 63 characters, 253 at most in all, of letters (any script, for
// IDNs), digits, '-' (not first or last) and '_' (used by SRV and DMARC
// names). A single trailing dot (the root) is allowed.
func domainNameProblem(s string) string {
	s = strings.TrimSuffix(s, ".")
	switch {
	case s == "":
		return "it is empty"
	case len(s) > 253:
		return "it is longer than 253 characters"
	}
	for _, label := range strings.Split(s, ".") {
		switch {
		case label == "":
			return "it has an empty label"
		case len(label) > 63 && isASCII(label):
			return "a label is longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "a label begins or ends with '-'"
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') ||
				r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))) {
				return "it contains " + strconvQuoteRune(r)
			}
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
