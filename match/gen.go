package match

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Generator makes a synthetic, reproducible workload for the matching
// benchmark: a mixed indicator set (IPv4 and IPv6 addresses and CIDR
// blocks, domains exact and by suffix, URLs, SHA-256 and MD5 hashes) and a
// JSON-lines log in which exactly Hits records carry a value some indicator
// matches. Background values come from address ranges and domains no
// indicator covers, so the matcher must find exactly the planted records.
//
// Everything derives from Seed: indicator k is a pure function of (Seed, k),
// so the log can plant its values without holding the indicator set.
type Generator struct {
	Seed       uint64
	Indicators int
	Records    int
	Hits       int
	// Start is the time of the first record (default 2026-03-01T00:00:00Z);
	// records are 1 ms apart.
	Start time.Time
	// Patterns makes one indicator in ten a URL path pattern (LIKE) and
	// one in a hundred a regular expression over URLs (MATCHES), as feeds
	// of paths and URL shapes carry.
	Patterns bool
}

// indicator kinds, chosen by k mod 20.
type genKind uint8

const (
	genIPv4 genKind = iota
	genIPv4CIDR
	genIPv6
	genIPv6CIDR
	genDomain
	genDomainSuffix
	genURL
	genSHA256
	genMD5
	genURLLike
	genURLRegex
)

var genMix = [20]genKind{
	genIPv4, genIPv4, genIPv4, genIPv4, genIPv4, genIPv4CIDR, genIPv4CIDR,
	genIPv6, genIPv6CIDR, genDomain, genDomain, genDomain, genDomainSuffix,
	genURL, genURL, genURL, genSHA256, genSHA256, genMD5, genMD5,
}

// genIndicator is indicator k: its kind, the value its pattern names and
// its pattern.
type genIndicator struct {
	kind    genKind
	value   string
	prefix  netip.Prefix
	pattern string
	uuid    string
}

const label = "abcdefghijklmnopqrstuvwxyz0123456789"

func randLabel(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = label[r.IntN(len(label))]
	}
	return string(b)
}

func randHex(r *rand.Rand, n int) string {
	b := make([]byte, n/2)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}

func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Indicator address space: 100.64.0.0/10 and 2001:db8:1::/48; background:
// 198.18.0.0/15 and 2001:db8:ffff::/48.
func (g *Generator) indicator(k int) genIndicator {
	r := rand.New(rand.NewPCG(g.Seed, uint64(k)))
	gi := genIndicator{kind: genMix[k%len(genMix)], uuid: uuidFrom(r)}
	if g.Patterns && k%100 < 10 {
		gi.kind = genURLLike
	} else if g.Patterns && k%100 == 10 {
		gi.kind = genURLRegex
	}
	switch gi.kind {
	case genURLLike:
		gi.value = "/" + randLabel(r, 8) + "/gate.php"
		gi.pattern = "[url:value LIKE '%" + gi.value + "%']"
	case genURLRegex:
		gi.value = "/" + randLabel(r, 8) + "/"
		gi.pattern = `[url:value MATCHES '^https?://[a-z0-9.-]+` + gi.value + `[0-9]+\\.php$']`
	case genIPv4:
		a := 100<<24 | 64<<16 | r.Uint32()&(1<<22-1)
		gi.value = netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}).String()
		gi.pattern = "[ipv4-addr:value = '" + gi.value + "']"
	case genIPv4CIDR:
		bits := 24 + r.IntN(5)
		a := 100<<24 | 64<<16 | r.Uint32()&(1<<22-1)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits).Masked()
		gi.prefix, gi.value = p, p.String()
		gi.pattern = "[ipv4-addr:value ISSUBSET '" + gi.value + "']"
	case genIPv6:
		var b [16]byte
		copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01})
		for i := 6; i < 16; i++ {
			b[i] = byte(r.Uint32())
		}
		gi.value = netip.AddrFrom16(b).String()
		gi.pattern = "[ipv6-addr:value = '" + gi.value + "']"
	case genIPv6CIDR:
		var b [16]byte
		copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, byte(r.Uint32()), byte(r.Uint32())})
		p := netip.PrefixFrom(netip.AddrFrom16(b), 64)
		gi.prefix, gi.value = p, p.String()
		gi.pattern = "[ipv6-addr:value ISSUBSET '" + gi.value + "']"
	case genDomain:
		gi.value = randLabel(r, 12) + ".bad.example"
		gi.pattern = "[domain-name:value = '" + gi.value + "']"
	case genDomainSuffix:
		gi.value = randLabel(r, 12) + ".bad.example"
		gi.pattern = "[domain-name:value = '" + gi.value + "' OR domain-name:value LIKE '%." + gi.value + "']"
	case genURL:
		gi.value = "http://" + randLabel(r, 10) + ".bad.example/" + randLabel(r, 8)
		gi.pattern = "[url:value = '" + gi.value + "']"
	case genSHA256:
		gi.value = randHex(r, 64)
		gi.pattern = "[file:hashes.'SHA-256' = '" + gi.value + "']"
	case genMD5:
		gi.value = randHex(r, 32)
		gi.pattern = "[file:hashes.MD5 = '" + gi.value + "']"
	}
	return gi
}

// appendIndicator appends indicator k as a STIX 2.1 indicator object.
func (g *Generator) appendIndicator(b []byte, k int) []byte {
	gi := g.indicator(k)
	b = append(b, `{"type":"indicator","spec_version":"2.1","id":"indicator--`...)
	b = append(b, gi.uuid...)
	b = append(b, `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"synthetic `...)
	b = strconv.AppendInt(b, int64(k), 10)
	b = append(b, `","indicator_types":["malicious-activity"],"pattern":`...)
	b = strconv.AppendQuote(b, gi.pattern)
	b = append(b, `,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`...)
	return b
}

// WriteIndicators writes the indicators as JSON lines, one STIX object per
// line.
func (g *Generator) WriteIndicators(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var b []byte
	for k := 0; k < g.Indicators; k++ {
		b = append(g.appendIndicator(b[:0], k), '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// IndicatorObjects returns the indicators as parsed STIX objects.
func (g *Generator) IndicatorObjects() ([]*stix.Object, error) {
	out := make([]*stix.Object, 0, g.Indicators)
	var b []byte
	for k := 0; k < g.Indicators; k++ {
		b = g.appendIndicator(b[:0], k)
		o, err := stix.ParseObject(b)
		if err != nil {
			return nil, fmt.Errorf("generated indicator %d: %v", k, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// WriteValues writes the value each indicator names, one per line: the
// fixed strings a grep -F -f comparison searches for.
func (g *Generator) WriteValues(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for k := 0; k < g.Indicators; k++ {
		bw.WriteString(g.indicator(k).value)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// plantedValue returns a value indicator k matches, and the object path
// to put it at.
func (g *Generator) plantedValue(k int, r *rand.Rand) (path, value string) {
	gi := g.indicator(k)
	switch gi.kind {
	case genIPv4:
		if r.IntN(2) == 0 {
			return "network-traffic:dst_ref.value", gi.value
		}
		return "ipv4-addr:value", gi.value
	case genIPv4CIDR, genIPv6CIDR:
		a := gi.prefix.Addr().AsSlice()
		host := len(a)*8 - gi.prefix.Bits()
		for i := 0; i < host && i < 32; i++ {
			if r.IntN(2) == 1 {
				a[len(a)-1-i/8] |= 1 << (i % 8)
			}
		}
		addr, _ := netip.AddrFromSlice(a)
		if gi.kind == genIPv6CIDR {
			return "ipv6-addr:value", addr.String()
		}
		return "network-traffic:dst_ref.value", addr.String()
	case genIPv6:
		return "ipv6-addr:value", gi.value
	case genDomain:
		return "domain-name:value", gi.value
	case genDomainSuffix:
		return "domain-name:value", randLabel(r, 6) + "." + gi.value
	case genURL:
		return "url:value", gi.value
	case genURLLike:
		return "url:value", "http://" + randLabel(r, 6) + ".example" + gi.value + "?id=" + strconv.Itoa(r.IntN(1000))
	case genURLRegex:
		return "url:value", "https://" + randLabel(r, 6) + ".example" + gi.value + strconv.Itoa(r.IntN(100000)) + ".php"
	case genSHA256:
		return "file:hashes.'SHA-256'", gi.value
	}
	return "file:hashes.MD5", gi.value
}

// WriteLog writes Records JSON lines, of which exactly the planted ones
// (returned) hold an indicator value.
func (g *Generator) WriteLog(w io.Writer) (planted int, err error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(g.Seed, 1<<62))
	start := g.Start
	if start.IsZero() {
		start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	var b []byte
	for i := 0; i < g.Records; i++ {
		plant := g.Records > 0 && g.Indicators > 0 && (int64(i+1)*int64(g.Hits))/int64(g.Records) > (int64(i)*int64(g.Hits))/int64(g.Records)
		var ppath, pval string
		if plant {
			ppath, pval = g.plantedValue(r.IntN(g.Indicators), r)
			planted++
		}
		b = append(b[:0], `{"ts":"`...)
		b = start.Add(time.Duration(i)*time.Millisecond).AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, '"')
		field := func(path, v string) {
			if path == ppath && pval != "" {
				v, pval = pval, ""
			}
			b = append(b, ',')
			b = strconv.AppendQuote(b, path)
			b = append(b, ':', '"')
			b = append(b, v...)
			b = append(b, '"')
		}
		x := r.Uint32()
		field("network-traffic:dst_ref.value", netip.AddrFrom4([4]byte{198, 18 + byte(x>>16)&1, byte(x >> 8), byte(x)}).String())
		field("domain-name:value", "host"+strconv.Itoa(int(x%100000))+".good.example")
		field("url:value", "http://www.good.example/p/"+strconv.Itoa(int(r.Uint32()%1000000)))
		b = append(b, `,"network-traffic:dst_port":`...)
		b = strconv.AppendInt(b, int64(r.IntN(65536)), 10)
		switch x % 10 {
		case 0:
			field("file:hashes.'SHA-256'", randHex(r, 64))
		case 1:
			field("file:hashes.MD5", randHex(r, 32))
		case 2:
			field("ipv6-addr:value", netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 14: byte(x >> 8), 15: byte(x)}).String())
		}
		if pval != "" {
			// The planted path is not among this record's fields.
			field(ppath, pval)
		}
		b = append(b, "}\n"...)
		if _, err := bw.Write(b); err != nil {
			return planted, err
		}
	}
	return planted, bw.Flush()
}
