package stix

import (
	"encoding/json/jsontext"
	"net/netip"
	"regexp"
	"strings"
)

// IPv4Addr is one or more IPv4 addresses in CIDR notation (§6.8).
type IPv4Addr struct {
	ObservableProperties
	Value          string                    `json:"value"`
	ResolvesToRefs []string                  `json:"resolves_to_refs,omitempty"`
	BelongsToRefs  []string                  `json:"belongs_to_refs,omitempty"`
	Extensions     Extensions                `json:"extensions,omitempty"`
	Custom         map[string]jsontext.Value `json:",embed"`
}

// IPv6Addr is one or more IPv6 addresses in CIDR notation (§6.9).
type IPv6Addr struct {
	ObservableProperties
	Value          string                    `json:"value"`
	ResolvesToRefs []string                  `json:"resolves_to_refs,omitempty"`
	BelongsToRefs  []string                  `json:"belongs_to_refs,omitempty"`
	Extensions     Extensions                `json:"extensions,omitempty"`
	Custom         map[string]jsontext.Value `json:",embed"`
}

// MACAddr is a MAC-48 address (§6.10).
type MACAddr struct {
	ObservableProperties
	Value      string                    `json:"value"`
	Extensions Extensions                `json:"extensions,omitempty"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var ipv4AddrSpec = scoSpec(map[string]*prop{
	"value":            str().with(checkIP(true)),
	"resolves_to_refs": refs("mac-addr"),
	"belongs_to_refs":  refs("autonomous-system"),
}, nil, []string{"value"})

var ipv6AddrSpec = scoSpec(map[string]*prop{
	"value":            str().with(checkIP(false)),
	"resolves_to_refs": refs("mac-addr"),
	"belongs_to_refs":  refs("autonomous-system"),
}, nil, []string{"value"})

var macRE = regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)

var macAddrSpec = scoSpec(map[string]*prop{
	"value": str().with(func(c *checker, n *node, path string) {
		if n.kind == '"' && !macRE.MatchString(n.str) {
			c.fail(path, "must be a single colon-delimited, lowercase MAC-48 address with leading zeros, like 00:00:ab:cd:ef:01 (got %q)", truncate(n.str))
		}
	}),
}, nil, []string{"value"})

// checkIP checks an address or CIDR block of one family.
func checkIP(v4 bool) checkFn {
	return func(c *checker, n *node, path string) {
		if n.kind != '"' {
			return
		}
		if _, ok := parseIPValue(n.str, v4); !ok {
			family := "IPv6"
			if v4 {
				family = "IPv4"
			}
			c.fail(path, "must be an %s address or CIDR block (got %q)", family, truncate(n.str))
		}
	}
}

// parseIPValue parses the value of an ipv4-addr or ipv6-addr: an address,
// or a CIDR block. A single address gets the full-length prefix.
func parseIPValue(s string, v4 bool) (netip.Prefix, bool) {
	var p netip.Prefix
	if strings.IndexByte(s, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, false
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			// A zone (fe80::1%eth0) is local to one host, not CIDR notation.
			return p, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if !p.IsValid() {
		return p, false
	}
	if v4 {
		return p, p.Addr().Is4()
	}
	return p, p.Addr().Is6()
}
