package warning

import (
	"strings"

	"github.com/rampart-cti/rampart/pattern"
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

// Observables returns the values an indicator's STIX pattern names
// (pattern.Values: the properties it asserts equal, or among, given
// values), as observables a watchlist can match. It returns the parser's
// error, with its position, for a pattern that does not parse.
func Observables(src string) ([]Observable, error) {
	p, err := pattern.Parse(src)
	if err != nil {
		return nil, err
	}
	vs := pattern.Values(p)
	out := make([]Observable, len(vs))
	for i, v := range vs {
		out[i] = Observable(v)
	}
	return out, nil
}
