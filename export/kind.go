package export

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of a value a blocklist carries.
type Kind uint8

const (
	KindIPv4   Kind = iota + 1 // one IPv4 address
	KindIPv6                   // one IPv6 address
	KindCIDR                   // an IPv4 or IPv6 prefix shorter than one address
	KindDomain                 // a domain name, which covers its subdomains
	KindURL                    // an http or https URL
	KindMD5                    // a file's MD5, lowercase hex
	KindSHA1                   // a file's SHA-1, lowercase hex
	KindSHA256                 // a file's SHA-256, lowercase hex
	KindEmail                  // an e-mail address
)

var kindNames = [...]string{KindIPv4: "ipv4", KindIPv6: "ipv6", KindCIDR: "cidr", KindDomain: "domain",
	KindURL: "url", KindMD5: "md5", KindSHA1: "sha1", KindSHA256: "sha256", KindEmail: "email"}

// Kinds are every kind, in order.
var Kinds = []Kind{KindIPv4, KindIPv6, KindCIDR, KindDomain, KindURL, KindMD5, KindSHA1, KindSHA256, KindEmail}

// String returns the kind's name as --kind and ?kind= take it ("ipv4").
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// IsIP reports whether k is an address or a prefix.
func (k Kind) IsIP() bool { return k == KindIPv4 || k == KindIPv6 || k == KindCIDR }

// IsHash reports whether k is a file hash.
func (k Kind) IsHash() bool { return k == KindMD5 || k == KindSHA1 || k == KindSHA256 }

// ParseKinds reads kind names separated by commas, in any case: the names
// String gives, and "ip" for ipv4, ipv6 and cidr together. It returns an
// error quoting the first unknown name, which lists the names it knows.
// An empty s gives no kinds (every kind).
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for f := range strings.SplitSeq(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		var ks []Kind
		switch f {
		case "ip":
			ks = []Kind{KindIPv4, KindIPv6, KindCIDR}
		case "sha-1":
			ks = []Kind{KindSHA1}
		case "sha-256":
			ks = []Kind{KindSHA256}
		default:
			i := slices.Index(kindNames[:], f)
			if i <= 0 {
				return nil, fmt.Errorf("%q is not a kind of value: use ipv4, ipv6, cidr, ip, domain, url, md5, sha1, sha256 or email", f)
			}
			ks = []Kind{Kind(i)}
		}
		for _, k := range ks {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out, nil
}
