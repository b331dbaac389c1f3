package export

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// RPZ actions: the record a trigger gets (RFC draft
// draft-vixie-dnsop-dns-rpz, BIND's response-policy).
const (
	RPZNXDomain = "nxdomain" // CNAME . : the name does not exist
	RPZNoData   = "nodata"   // CNAME *. : the name has no data
	RPZDrop     = "drop"     // CNAME rpz-drop. : no answer at all
)

// MaxRPZOriginBytes is the longest zone name (origin) a zone of WriteRPZ
// loads under: a domain whose wildcard name would not fit a DNS name (253
// bytes) under such an origin is left out, since one name too long makes
// a server refuse the whole zone.
const MaxRPZOriginBytes = 64

// RPZOptions are the choices of WriteRPZ.
type RPZOptions struct {
	// Action is RPZNXDomain (when empty), RPZNoData or RPZDrop.
	Action string
	// TTL of the records, in seconds (300 when 0).
	TTL int
}

// CheckRPZAction reports an error for an action WriteRPZ does not know.
func CheckRPZAction(a string) error {
	switch a {
	case "", RPZNXDomain, RPZNoData, RPZDrop:
		return nil
	}
	return fmt.Errorf("%q is not an RPZ action: use nxdomain, nodata or drop", a)
}

// WriteRPZ writes a DNS response policy zone for the domains and
// addresses of s: a zone file with relative names, to load under any
// origin (response-policy { zone "rpz.example"; }), holding:
//
//   - $TTL, an SOA whose serial is s.Newest in Unix seconds (so it grows
//     whenever the content changes, and stays while it does not), and
//     an NS record;
//   - for each domain, "name CNAME ." and "*.name CNAME ." (the name and
//     its subdomains);
//   - for each address and prefix, an rpz-ip trigger: 32.D.C.B.A.rpz-ip
//     for A.B.C.D, 24.0.2.0.192.rpz-ip for 192.0.2.0/24, and for IPv6
//     the prefix length then the 16-bit groups in reverse, the longest
//     run of zero groups written zz (128.1.zz.db8.2001.rpz-ip).
//
// URLs, hashes and e-mail addresses have no record (Stats.Unsupported),
// nor domains too long for a zone name (MaxRPZOriginBytes).
// Each name is written once.
func WriteRPZ(w io.Writer, s *Set, o RPZOptions) (Stats, error) {
	if err := CheckRPZAction(o.Action); err != nil {
		return Stats{}, err
	}
	target := map[string]string{"": ".", RPZNXDomain: ".", RPZNoData: "*.", RPZDrop: "rpz-drop."}[o.Action]
	ttl := o.TTL
	if ttl <= 0 {
		ttl = 300
	}
	serial := uint32(1)
	if u := s.Newest.Unix(); u > 1 && u < 1<<32 {
		serial = uint32(u)
	}
	var st Stats
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "; Rampart response policy zone, last changed %s\n", s.Newest.UTC().Format(time.RFC3339))
	fmt.Fprintf(bw, "$TTL %d\n@ IN SOA localhost. hostmaster.localhost. ( %d 3600 600 604800 %d )\n@ IN NS localhost.\n", ttl, serial, ttl)
	seen := map[string]bool{}
	record := func(name string) {
		if !seen[name] {
			seen[name] = true
			fmt.Fprintf(bw, "%s CNAME %s\n", name, target)
			st.Records++
		}
	}
	for _, e := range s.Entries() {
		switch {
		case e.Kind == KindDomain && len("*.")+len(e.Value)+1+MaxRPZOriginBytes > MaxDomainBytes:
			st.unsupported(e.Kind)
		case e.Kind == KindDomain:
			record(e.Value)
			record("*." + e.Value)
		case e.Kind.IsIP():
			name, err := rpzIP(e.Value)
			if err != nil {
				st.unsupported(e.Kind)
				continue
			}
			record(name)
		default:
			st.unsupported(e.Kind)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write zone: %v", err)
	}
	return st, nil
}

// rpzIP returns the rpz-ip trigger name of an address or prefix.
func rpzIP(v string) (string, error) {
	var p netip.Prefix
	var err error
	if strings.IndexByte(v, '/') >= 0 {
		p, err = netip.ParsePrefix(v)
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(v)
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if err != nil {
		return "", err
	}
	p = p.Masked()
	a := p.Addr()
	var b strings.Builder
	b.WriteString(strconv.Itoa(p.Bits()))
	if a.Is4() {
		o := a.As4()
		for i := 3; i >= 0; i-- {
			b.WriteByte('.')
			b.WriteString(strconv.Itoa(int(o[i])))
		}
		b.WriteString(".rpz-ip")
		return b.String(), nil
	}
	x := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = uint16(x[2*i])<<8 | uint16(x[2*i+1])
	}
	// The longest run of at least two zero groups (the first of equal
	// ones) is written zz, as RFC 5952 writes it ::.
	zs, zn := -1, 0
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i > zn && j-i >= 2 {
			zs, zn = i, j-i
		}
		i = j
	}
	for i := 7; i >= 0; i-- {
		if i >= zs && i < zs+zn {
			if i == zs {
				b.WriteString(".zz")
			}
			continue
		}
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(uint64(g[i]), 16))
	}
	b.WriteString(".rpz-ip")
	return b.String(), nil
}
