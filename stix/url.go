package stix

import (
	"encoding/json/jsontext"
	"net/url"
)

// URL is a uniform resource locator (§6.15).
type URL struct {
	ObservableProperties
	Value      string                    `json:"value"`
	Extensions Extensions                `json:"extensions,omitempty"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var urlSpec = scoSpec(map[string]*prop{
	"value": str().with(checkURL),
}, nil, []string{"value"})

// checkURL checks an RFC 3986 URL: it parses, and has a scheme.
func checkURL(c *checker, n *node, path string) {
	if n.kind != '"' {
		return
	}
	u, err := url.Parse(n.str)
	if err != nil || u.Scheme == "" {
		c.fail(path, "must be a URL with a scheme (RFC 3986) (got %q)", truncate(n.str))
	}
}
