package warninglist

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
)

// Generator makes large synthetic warninglists for benchmarks, seeded, in
// the proportions of MISP's repository (most entries are networks and
// domains): 40 % cidr (IPv4 /16 to /32, one in ten IPv6), 40 % hostname,
// 20 % string (hashes and URLs), split into lists of at most 50,000
// entries with MISP's matching attributes. One network in 500 (a /24 to /32) lies in
// 100.64.0.0/10, where match.Generator puts its indicators' addresses, so
// that some matches are suppressed.
type Generator struct {
	Seed    uint64
	Entries int
}

// Lists returns the generated lists.
func (g *Generator) Lists() []*List {
	r := rand.New(rand.NewPCG(g.Seed, 0x5eed))
	const per = 50000
	mk := func(kind string, i int, typ string, attrs ...string) *List {
		id := fmt.Sprintf("gen-%s-%d", kind, i)
		return &List{ID: id, Name: "Generated " + kind + " list " + fmt.Sprint(i), Version: 1, Description: "benchmark", Type: typ, MatchingAttributes: attrs}
	}
	var lists []*List
	cur := map[string]*List{}
	for k := 0; k < g.Entries; k++ {
		kind := "string"
		if m := k % 10; m < 4 {
			kind = "cidr"
		} else if m < 8 {
			kind = "hostname"
		}
		l := cur[kind]
		if l == nil || len(l.Entries) >= per {
			switch kind {
			case "cidr":
				l = mk(kind, len(lists), TypeCIDR, "ip-src", "ip-dst", "domain|ip")
			case "hostname":
				l = mk(kind, len(lists), TypeHostname, "hostname", "domain", "url", "domain|ip")
			default:
				l = mk(kind, len(lists), TypeString, "md5", "sha256", "url", "filename|md5", "filename|sha256")
			}
			cur[kind] = l
			lists = append(lists, l)
		}
		l.Entries = append(l.Entries, genEntry(r, kind, k))
	}
	return lists
}

func genEntry(r *rand.Rand, kind string, k int) string {
	switch kind {
	case "cidr":
		if k%100 < 10 {
			var b [16]byte
			b[0], b[1] = 0x2a, 0x00
			for i := 2; i < 8; i++ {
				b[i] = byte(r.Uint32())
			}
			return netip.PrefixFrom(netip.AddrFrom16(b), 32+r.IntN(33)).Masked().String()
		}
		a := r.Uint32()
		bits := 16 + r.IntN(17)
		if k%200 == 0 {
			a = 100<<24 | 64<<16 | a&(1<<22-1)
			bits = 24 + r.IntN(9)
		}
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits).Masked().String()
	case "hostname":
		return genLabel(r, 4+r.IntN(10)) + "." + []string{"com", "net", "org", "de", "fr", "eu", "io"}[r.IntN(7)]
	}
	if k%3 == 0 {
		return "https://" + genLabel(r, 8) + ".com/" + genLabel(r, 10)
	}
	b := make([]byte, 16+16*(k%2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}

func genLabel(r *rand.Rand, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}
