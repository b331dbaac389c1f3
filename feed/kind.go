package feed

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Kind is what a feed's value is: an address, a domain, a hash...
type Kind string

// The kinds of value a feed's records may hold.
const (
	KindAuto   Kind = "auto"
	KindIPv4   Kind = "ipv4"
	KindIPv6   Kind = "ipv6"
	KindCIDR   Kind = "cidr"
	KindDomain Kind = "domain"
	KindURL    Kind = "url"
	KindMD5    Kind = "md5"
	KindSHA1   Kind = "sha1"
	KindSHA256 Kind = "sha256"
	KindEmail  Kind = "email"
	KindASN    Kind = "asn"
)

// kinds maps each kind to the function that checks a value of it and
// returns it in canonical form.
var kinds = map[Kind]func(string) (string, error){
	KindIPv4:   normIPv4,
	KindIPv6:   normIPv6,
	KindCIDR:   normCIDR,
	KindDomain: normDomain,
	KindURL:    normURL,
	KindMD5:    hexOf(32),
	KindSHA1:   hexOf(40),
	KindSHA256: hexOf(64),
	KindEmail:  normEmail,
	KindASN:    normASN,
}

func kindList() string {
	s := make([]string, 0, len(kinds)+1)
	for k := range kinds {
		s = append(s, string(k))
	}
	sort.Strings(s)
	return strings.Join(append(s, string(KindAuto)), ", ")
}

// Normalize checks v as a value of kind k (KindAuto: the kind its shape
// says) and returns its kind and canonical form: addresses as netip
// writes them, domains in lower case without a final dot, hashes in lower
// case, a CIDR block that is a single address as that address.
func Normalize(k Kind, v string) (Kind, string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return k, "", fmt.Errorf("empty value")
	}
	if k == "" || k == KindAuto {
		k = Guess(v)
		if k == "" {
			return k, "", fmt.Errorf("%q is not an address, CIDR block, domain, URL, hash, e-mail address or AS number", clip(v))
		}
	}
	norm := kinds[k]
	if norm == nil {
		return k, "", fmt.Errorf("kind %q is not one of %s", k, kindList())
	}
	n, err := norm(v)
	if err != nil {
		return k, "", err
	}
	if k == KindCIDR {
		// A /32 or /128 is an address; the matcher indexes both alike,
		// but one value should have one id.
		if p := netip.MustParsePrefix(n); p.IsSingleIP() {
			if p.Addr().Is4() {
				return KindIPv4, p.Addr().String(), nil
			}
			return KindIPv6, p.Addr().String(), nil
		}
	}
	return k, n, nil
}

// Guess returns the kind v's shape says, "" when none fits.
func Guess(v string) Kind {
	if a, err := netip.ParseAddr(v); err == nil {
		if a.Is4() || a.Is4In6() {
			return KindIPv4
		}
		return KindIPv6
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return KindCIDR
	}
	if strings.Contains(v, "://") {
		return KindURL
	}
	if isHex(v) {
		switch len(v) {
		case 32:
			return KindMD5
		case 40:
			return KindSHA1
		case 64:
			return KindSHA256
		}
	}
	if strings.Contains(v, "@") {
		if _, err := normEmail(v); err == nil {
			return KindEmail
		}
	}
	if _, err := normASN(v); err == nil && (strings.HasPrefix(strings.ToUpper(v), "AS")) {
		return KindASN
	}
	if _, err := normDomain(v); err == nil {
		return KindDomain
	}
	return ""
}

// kindNames maps the words feeds use for kinds (OTX, MISP, CTIP) to ours.
var kindNames = map[string]Kind{
	"ipv4": KindIPv4, "ip": KindIPv4, "ip-src": KindIPv4, "ip-dst": KindIPv4, "ipv4-addr": KindIPv4,
	"ipv6": KindIPv6, "ipv6-addr": KindIPv6,
	"cidr": KindCIDR, "netblock": KindCIDR,
	"domain": KindDomain, "hostname": KindDomain, "domain-name": KindDomain, "fqdn": KindDomain,
	"url": KindURL, "uri": KindURL, "link": KindURL,
	"md5": KindMD5, "filehash-md5": KindMD5,
	"sha1": KindSHA1, "filehash-sha1": KindSHA1,
	"sha256": KindSHA256, "filehash-sha256": KindSHA256,
	"email": KindEmail, "email-src": KindEmail, "email-dst": KindEmail, "email-addr": KindEmail,
	"asn": KindASN, "as": KindASN,
}

// KindOf returns our kind for a feed's word for one ("FileHash-SHA256",
// "hostname", "ip-dst"), in any case; false when there is none.
func KindOf(word string) (Kind, bool) {
	k, ok := kindNames[strings.ToLower(strings.TrimSpace(word))]
	return k, ok
}

func normIPv4(v string) (string, error) {
	a, err := netip.ParseAddr(v)
	if err != nil || !(a.Is4() || a.Is4In6()) {
		return "", fmt.Errorf("%q is not an IPv4 address", clip(v))
	}
	return a.Unmap().String(), nil
}

func normIPv6(v string) (string, error) {
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is6() || a.Is4In6() {
		return "", fmt.Errorf("%q is not an IPv6 address", clip(v))
	}
	return a.WithZone("").String(), nil
}

// The broadest CIDR blocks a feed may list: an indicator for 0.0.0.0/0,
// whether a feed's mistake or its malice, would match every address.
const (
	MinIPv4Prefix = 8
	MinIPv6Prefix = 16
)

func normCIDR(v string) (string, error) {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		if a, aerr := netip.ParseAddr(v); aerr == nil {
			return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()).String(), nil
		}
		return "", fmt.Errorf("%q is not a CIDR block", clip(v))
	}
	if p.Addr().Is4() && p.Bits() < MinIPv4Prefix {
		return "", fmt.Errorf("CIDR block %s is broader than /%d (MinIPv4Prefix)", p, MinIPv4Prefix)
	}
	if p.Addr().Is6() && p.Bits() < MinIPv6Prefix {
		return "", fmt.Errorf("CIDR block %s is broader than /%d (MinIPv6Prefix)", p, MinIPv6Prefix)
	}
	return p.Masked().String(), nil
}

func normDomain(v string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(v), ".")
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return "", fmt.Errorf("%q is not a domain name", clip(v))
	}
	for _, label := range strings.Split(d, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("%q is not a domain name (label %q)", clip(v), label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("%q is not a domain name (character %q)", clip(v), c)
			}
		}
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", fmt.Errorf("%q is an address, not a domain name", clip(v))
	}
	return d, nil
}

func normURL(v string) (string, error) {
	if strings.ContainsAny(v, " \t\r\n") {
		return "", fmt.Errorf("%q is not a URL (it holds white space)", clip(v))
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", clip(v))
	}
	return v, nil
}

func normEmail(v string) (string, error) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return "", fmt.Errorf("%q is not an e-mail address", clip(v))
	}
	return v, nil
}

func normASN(v string) (string, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(v, "AS"), "as")
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return "", fmt.Errorf("%q is not an AS number", clip(v))
	}
	return strconv.FormatUint(n, 10), nil
}

func hexOf(n int) func(string) (string, error) {
	return func(v string) (string, error) {
		if len(v) != n || !isHex(v) {
			return "", fmt.Errorf("%q is not %d hexadecimal digits", clip(v), n)
		}
		return strings.ToLower(v), nil
	}
}

func isHex(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return v != ""
}

// clip shortens what an error quotes.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// Pattern returns the STIX pattern of a value of kind k (canonical form,
// from Normalize).
func Pattern(k Kind, v string) string {
	q := quote(v)
	switch k {
	case KindIPv4:
		return "[ipv4-addr:value = " + q + "]"
	case KindIPv6:
		return "[ipv6-addr:value = " + q + "]"
	case KindCIDR:
		if strings.Contains(v, ":") {
			return "[ipv6-addr:value ISSUBSET " + q + "]"
		}
		return "[ipv4-addr:value ISSUBSET " + q + "]"
	case KindDomain:
		return "[domain-name:value = " + q + "]"
	case KindURL:
		return "[url:value = " + q + "]"
	case KindMD5:
		return "[file:hashes.MD5 = " + q + "]"
	case KindSHA1:
		return "[file:hashes.'SHA-1' = " + q + "]"
	case KindSHA256:
		return "[file:hashes.'SHA-256' = " + q + "]"
	case KindEmail:
		return "[email-addr:value = " + q + "]"
	case KindASN:
		return "[autonomous-system:number = " + v + "]"
	}
	return ""
}

// quote writes a STIX pattern string literal.
func quote(s string) string {
	if !strings.ContainsAny(s, `\'`) {
		return "'" + s + "'"
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
