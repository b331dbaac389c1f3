package stix

import (
	"encoding/json/jsontext"
	"strings"
)

// Software is a software product (§6.14).
type Software struct {
	ObservableProperties
	Name       string                    `json:"name"`
	CPE        string                    `json:"cpe,omitempty"`
	SWID       string                    `json:"swid,omitempty"`
	Languages  []string                  `json:"languages,omitempty"`
	Vendor     string                    `json:"vendor,omitempty"`
	Version    string                    `json:"version,omitempty"`
	Extensions Extensions                `json:"extensions,omitempty"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var softwareSpec = scoSpec(map[string]*prop{
	"name":      str(),
	"cpe":       str().with(checkCPE),
	"swid":      str(),
	"languages": listOf(str().with(checkLang)),
	"vendor":    str(),
	"version":   str(),
}, nil, []string{"name"})

func checkCPE(c *checker, n *node, path string) {
	if n.kind == '"' {
		if why := cpeProblem(n.str); why != "" {
			c.fail(path, "must be a CPE 2.3 formatted string: %s (got %q)", why, truncate(n.str))
		}
	}
}

// cpeProblem checks the CPE 2.3 formatted string binding (NISTIR 7695
// §6.2): "cpe:2.3:" and eleven colon-separated attributes, the first (the
// part) one of a, o, h, * or -, each attribute "*", "-" or a value whose
// characters other than letters, digits, '-', '.' and '_' are escaped
// with '\' ('*' and '?' may also appear unescaped at either end).
func cpeProblem(s string) string {
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return "it does not begin with \"cpe:2.3:\""
	}
	var attrs []string
	start := len("cpe:2.3:")
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			attrs = append(attrs, s[start:i])
			start = i + 1
		}
	}
	attrs = append(attrs, s[start:])
	if len(attrs) != 11 {
		return "it does not have eleven attributes after \"cpe:2.3:\""
	}
	switch attrs[0] {
	case "a", "o", "h", "*", "-":
	default:
		return "the part is not a, o, h, * or -"
	}
	for _, a := range attrs {
		if a == "" {
			return "an attribute is empty"
		}
		if a == "*" || a == "-" {
			continue
		}
		for i := 0; i < len(a); i++ {
			ch := a[i]
			switch {
			case ch == '\\':
				if i+1 >= len(a) || isCPEPlain(a[i+1]) {
					return "a '\\' escapes nothing that needs escaping"
				}
				i++
			case isCPEPlain(ch):
			case (ch == '*' || ch == '?') && (i == 0 || i == len(a)-1 || a[i-1] == '?' || a[i+1] == '?'):
			default:
				return "an attribute has an unescaped " + strconvQuoteRune(rune(ch))
			}
		}
	}
	return ""
}

func isCPEPlain(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_'
}
