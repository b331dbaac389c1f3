package export

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Limits on values, beyond which a value is refused.
const (
	MaxDomainBytes = 253  // RFC 1035, without the final dot
	MaxLabelBytes  = 63   // RFC 1035
	MaxURLBytes    = 2048 // what browsers and proxies reliably carry
	MaxEmailBytes  = 254  // RFC 5321
)

// ipEntry reads an address or a prefix of an ipv4-addr or ipv6-addr
// (typ; network-traffic takes either).
func ipEntry(typ, v string) (Entry, error) {
	var p netip.Prefix
	if strings.IndexByte(v, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(v); err != nil {
			return Entry{}, errors.New("not an address prefix")
		}
	} else {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return Entry{}, errors.New("not an IP address")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	a := p.Addr()
	if a.Zone() != "" {
		return Entry{}, errors.New("an address with a zone")
	}
	if (typ == "ipv4-addr" && !a.Is4()) || (typ == "ipv6-addr" && !a.Is6()) {
		return Entry{}, fmt.Errorf("not an address of %s", typ)
	}
	if p.Bits() == 0 {
		return Entry{}, errors.New("a prefix of length 0 covers every address")
	}
	p = p.Masked()
	switch {
	case p.IsSingleIP() && a.Is4():
		return Entry{KindIPv4, a.String()}, nil
	case p.IsSingleIP():
		return Entry{KindIPv6, a.String()}, nil
	}
	return Entry{KindCIDR, p.String()}, nil
}

// CheckDomain returns a domain name in canonical form (lowercase, no final
// dot), or an error when it is not a host name of at least two labels of
// letters, digits, hyphens and underscores: what a rule or a zone can
// carry without quoting. Internationalised names must come in their ASCII
// (xn--) form. Names under a top-level label beginning "rpz-" are refused:
// in a response policy zone they would be triggers of another kind.
func CheckDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(s, "."))
	if d == "" {
		return "", errors.New("empty domain name")
	}
	if len(d) > MaxDomainBytes {
		return "", fmt.Errorf("domain name longer than %d bytes", MaxDomainBytes)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", errors.New("a single label: a whole top-level domain")
	}
	for _, l := range labels {
		if l == "" || len(l) > MaxLabelBytes {
			return "", fmt.Errorf("label %q: empty or longer than %d bytes", l, MaxLabelBytes)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("label %q begins or ends with a hyphen", l)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("label %q: character %q is not a letter, digit, hyphen or underscore (write internationalised names as xn--)", l, c)
			}
		}
	}
	if strings.HasPrefix(labels[len(labels)-1], "rpz-") {
		return "", errors.New("a name under rpz-: a response policy trigger, not a domain")
	}
	return d, nil
}

// CheckURL returns an http or https URL with a lowercase host, or an error
// when it is not one: no spaces or control characters, a host that is a
// domain name (CheckDomain) or an address.
func CheckURL(s string) (string, error) {
	if len(s) > MaxURLBytes {
		return "", fmt.Errorf("URL longer than %d bytes", MaxURLBytes)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "", fmt.Errorf("byte %q at %d: write URLs percent-encoded", s[i], i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("scheme %q: only http and https URLs are exported", u.Scheme)
	}
	if u.User != nil {
		return "", errors.New("a URL with credentials")
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err != nil {
		if _, err := CheckDomain(host); err != nil {
			return "", fmt.Errorf("host: %v", err)
		}
	}
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// CheckEmail returns an e-mail address with a lowercase domain, or an
// error when it is not local@domain with a printable local part without
// quotes, and a domain CheckDomain accepts.
func CheckEmail(s string) (string, error) {
	if len(s) > MaxEmailBytes {
		return "", fmt.Errorf("address longer than %d bytes", MaxEmailBytes)
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 {
		return "", errors.New("not local@domain")
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"\;,<>()[]:@`, c) >= 0 {
			return "", fmt.Errorf("local part: character %q", c)
		}
	}
	d, err := CheckDomain(domain)
	if err != nil {
		return "", err
	}
	return local + "@" + d, nil
}

var hashLen = map[Kind]int{KindMD5: 32, KindSHA1: 40, KindSHA256: 64}

// checkHash returns a hash in lowercase hex, or an error when it is not
// hex of the kind's length.
func checkHash(k Kind, s string) (string, error) {
	h := strings.ToLower(s)
	if len(h) != hashLen[k] {
		return "", fmt.Errorf("%d hex digits, want %d for %s", len(h), hashLen[k], k)
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", fmt.Errorf("character %q is not a hex digit", c)
		}
	}
	return h, nil
}
