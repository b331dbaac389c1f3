package warninglist

import (
	"net/netip"
	"slices"
	"strings"
)

// Kind is the kind of a value, which decides the lists that apply to it:
// a list applies to the kinds of its matching_attributes (MISP attribute
// types), every kind when it names none.
type Kind string

// The kinds of value STIX paths hold. A MISP attribute type that has no
// kind of its own here is its own kind.
const (
	KindIP        Kind = "ip"
	KindDomain    Kind = "domain"
	KindURL       Kind = "url"
	KindEmail     Kind = "email"
	KindFilename  Kind = "filename"
	KindUserAgent Kind = "user-agent"
	KindPhone     Kind = "phone"
	KindMD5       Kind = "md5"
	KindSHA1      Kind = "sha1"
	KindSHA224    Kind = "sha224"
	KindSHA256    Kind = "sha256"
	KindSHA384    Kind = "sha384"
	KindSHA512    Kind = "sha512"
	KindSSDEEP    Kind = "ssdeep"
	KindTLSH      Kind = "tlsh"
)

// attributeKinds maps MISP attribute types to kinds; composite types
// ("filename|md5") take the kinds of their parts.
var attributeKinds = map[string][]Kind{
	"ip-src": {KindIP}, "ip-dst": {KindIP}, "ip-src|port": {KindIP}, "ip-dst|port": {KindIP},
	"domain": {KindDomain}, "hostname": {KindDomain}, "hostname|port": {KindDomain},
	"domain|ip": {KindDomain, KindIP},
	"url":       {KindURL}, "uri": {KindURL}, "link": {KindURL},
	"email": {KindEmail}, "email-src": {KindEmail}, "email-dst": {KindEmail}, "target-email": {KindEmail},
	"email-reply-to": {KindEmail}, "whois-registrant-email": {KindEmail}, "dns-soa-email": {KindEmail},
	"filename": {KindFilename}, "user-agent": {KindUserAgent},
	"phone-number": {KindPhone}, "whois-registrant-phone": {KindPhone},
}

// KindsOf returns the kinds a MISP attribute type covers.
func KindsOf(attributeType string) []Kind {
	t := strings.ToLower(strings.TrimSpace(attributeType))
	if ks, ok := attributeKinds[t]; ok {
		return ks
	}
	if a, b, ok := strings.Cut(t, "|"); ok {
		return append(KindsOf(a), KindsOf(b)...)
	}
	return []Kind{Kind(t)}
}

// hashKinds maps STIX hash algorithm names to kinds.
var hashKinds = map[string]Kind{
	"MD5": KindMD5, "SHA-1": KindSHA1, "SHA1": KindSHA1, "SHA-224": KindSHA224, "SHA224": KindSHA224,
	"SHA-256": KindSHA256, "SHA256": KindSHA256, "SHA-384": KindSHA384, "SHA384": KindSHA384,
	"SHA-512": KindSHA512, "SHA512": KindSHA512, "SSDEEP": KindSSDEEP, "TLSH": KindTLSH,
}

// KindOf returns the kind of a value at a STIX object path: typ is the
// object type ("ipv4-addr"), path the property path after it as
// pattern.NamedValue writes it ("value", "dst_ref.value",
// "hashes.SHA-256"). A reference's value (dst_ref.value) is an address, an
// e-mail address or a domain by its form. It returns "" for paths no list
// applies to (ports, sizes, timestamps…).
func KindOf(typ, path, value string) Kind {
	if path == "value" {
		switch typ {
		case "ipv4-addr", "ipv6-addr":
			return KindIP
		case "domain-name":
			return KindDomain
		case "url":
			return KindURL
		case "email-addr":
			return KindEmail
		}
		return ""
	}
	last := path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		if strings.HasSuffix(path[:i], "hashes") {
			return hashKinds[strings.ToUpper(strings.Trim(path[i+1:], "'"))]
		}
		last = path[i+1:]
	}
	switch {
	case last == "value" && strings.Contains(path, "_ref"):
		if _, err := netip.ParseAddr(value); err == nil {
			return KindIP
		}
		if _, err := netip.ParsePrefix(value); err == nil {
			return KindIP
		}
		if strings.Contains(value, "@") {
			return KindEmail
		}
		return KindDomain
	case typ == "file" && path == "name":
		return KindFilename
	case strings.EqualFold(strings.Trim(last, "'"), "User-Agent"):
		return KindUserAgent
	}
	return ""
}

// Kinds returns the kinds of value the list applies to, in the order of
// its matching attributes; none when it applies to every kind.
func (l *List) Kinds() []Kind {
	var out []Kind
	for _, a := range l.MatchingAttributes {
		for _, k := range KindsOf(a) {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}
