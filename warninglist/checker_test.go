package warninglist

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"
)

const samples = "../testdata/warninglists"

// sampleChecker compiles every sample list.
func sampleChecker(t testing.TB) *Checker {
	t.Helper()
	lists, errs := ReadDir(samples)
	if len(errs) > 0 {
		t.Fatalf("ReadDir: %v", errs)
	}
	if len(lists) != 10 {
		t.Fatalf("ReadDir read %d lists, want 10", len(lists))
	}
	c, errs := Compile(lists)
	if len(errs) > 0 {
		t.Fatalf("Compile: %v", errs)
	}
	return c
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.List)
	}
	slices.Sort(out)
	return out
}

// TestCheckSamples checks each list type on the real MISP sample lists.
func TestCheckSamples(t *testing.T) {
	c := sampleChecker(t)
	for _, tc := range []struct {
		kind  Kind
		value string
		want  []string
	}{
		// cidr: single addresses and networks, IPv4.
		{KindIP, "8.8.8.8", []string{"public-dns-v4"}},
		{KindIP, "8.8.4.4", nil},
		{KindIP, "10.1.2.3", []string{"rfc1918", "rfc5735"}},
		{KindIP, "192.168.200.1", []string{"rfc1918", "rfc5735"}},
		{KindIP, "127.0.0.1", []string{"rfc5735"}},
		{KindIP, "172.32.0.1", nil},
		{KindIP, "10.20.0.0/16", []string{"rfc1918", "rfc5735"}}, // a network inside a listed one
		{KindIP, "10.0.0.0/7", nil},                              // wider than any listed
		{KindIP, "not an address", nil},
		// a list applies to its matching attributes only.
		{KindDomain, "8.8.8.8", []string{"public-dns-v4"}}, // domain|ip: the list applies to domains too
		{KindEmail, "8.8.8.8", nil},
		{KindURL, "http://8.8.8.8/x", nil}, // public-dns-v4 matches ip-src, ip-dst, domain|ip
		// string: exact, case ignored.
		{KindMD5, "d41d8cd98f00b204e9800998ecf8427e", []string{"empty-hashes"}},
		{KindMD5, "D41D8CD98F00B204E9800998ECF8427E", []string{"empty-hashes"}},
		{KindSHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", []string{"eicar.com"}},
		{KindSHA256, "d41d8cd98f00b204e9800998ecf8427e", []string{"empty-hashes"}}, // MISP lists hashes of any type together
		{KindDomain, "example.com", []string{"rfc6761"}},
		{KindDomain, "www.example.com", nil}, // string lists are exact
		{KindMD5, "example.com", nil},
		// hostname: the domain and its subdomains.
		{KindDomain, "bmw.de", []string{"dax30"}},
		{KindDomain, "www.BMW.de.", []string{"dax30"}},
		{KindDomain, "notbmw.de", nil},
		{KindDomain, "bmw.de.evil.example", nil},
		// substring, on domains and URLs.
		{KindDomain, "www.virustotal.com", []string{"automated-malware-analysis"}},
		{KindURL, "https://www.VirusTotal.com/gui/file/x", []string{"automated-malware-analysis"}},
		{KindEmail, "x@virustotal.com", nil},
		// regex: flags, on e-mail addresses and phone numbers.
		{KindEmail, "abuse@example.org", []string{"common-contact-emails"}},
		{KindEmail, "ABUSE@example.org", []string{"common-contact-emails"}},
		{KindEmail, "alice@example.org", nil},
		{KindPhone, "+15555550123", []string{"phone_numbers"}},
		{KindPhone, "+4420794600123", nil},
		{KindPhone, "+4402079460123", []string{"phone_numbers"}},
		{KindEmail, "+15555550123", nil},
	} {
		got := ids(c.Check(tc.kind, tc.value))
		if !slices.Equal(got, tc.want) {
			t.Errorf("Check(%s, %q) = %v, want %v", tc.kind, tc.value, got, tc.want)
		}
	}
}

func TestHitNamesListAndEntry(t *testing.T) {
	c := sampleChecker(t)
	hits := c.Check(KindDomain, "mail.lufthansa.com")
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	h := hits[0]
	if h.List != "dax30" || h.Name != "List of known dax30 webpages" || h.Entry != ".lufthansa.com" || h.Value != "mail.lufthansa.com" {
		t.Errorf("hit = %+v", h)
	}
	if got, want := c.Check(KindIP, "8.8.8.8")[0].String(), "value 8.8.8.8 is on warninglist 'List of known IPv4 public DNS resolvers'"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCheckIPv6(t *testing.T) {
	c, errs := Compile([]*List{{ID: "v6", Name: "v6", Type: TypeCIDR, Entries: []string{"2001:db8::/32", "2001:4860:4860::8888"}}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for v, want := range map[string]bool{"2001:db8::1": true, "2001:db9::1": false, "2001:4860:4860::8888": true, "2001:4860:4860::8844": false, "2001:db8:1::/48": true} {
		if got := len(c.Check(KindIP, v)) > 0; got != want {
			t.Errorf("Check(%s) = %v, want %v", v, got, want)
		}
	}
}

// TestBadEntryFailsAlone: an invalid CIDR or regex is reported with its
// index, and the rest of its list is in.
func TestBadEntryFailsAlone(t *testing.T) {
	lists := []*List{
		{ID: "nets", Name: "nets", Type: TypeCIDR, Entries: []string{"10.0.0.0/8", "300.1.0.0/16", "192.0.2.0/24"}},
		{ID: "res", Name: "res", Type: TypeRegex, Entries: []string{"/(?<x/", "/^abuse@/i", "/x/q"}},
	}
	c, errs := Compile(lists)
	if len(errs) != 3 {
		t.Fatalf("errors = %v, want 3", errs)
	}
	var ee *EntryError
	if !errors.As(errs[0], &ee) || ee.List != "nets" || ee.Index != 1 {
		t.Errorf("first error = %v", errs[0])
	}
	for _, want := range []string{`warninglist "nets": entry 1 "300.1.0.0/16": not a CIDR network`, `warninglist "res": entry 0`, `warninglist "res": entry 2 "/x/q": regular expression flag 'q' is not supported`} {
		if !slices.ContainsFunc(errs, func(e error) bool { return strings.Contains(e.Error(), want) }) {
			t.Errorf("no error says %q in %v", want, errs)
		}
	}
	if len(c.Check(KindIP, "192.0.2.7")) != 1 || len(c.Check(KindEmail, "Abuse@x.org")) != 1 {
		t.Error("the good entries of lists with bad ones are not in")
	}
}

// TestBadFileFailsAlone: a malformed file is reported with its path and
// reason; the other files of the directory are read.
func TestBadFileFailsAlone(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lists/good/list.json", `{"name":"Good","version":1,"description":"d","type":"string","list":["a"]}`)
	write("lists/notjson/list.json", `{"name":`)
	write("lists/notype/list.json", `{"name":"x","version":1,"description":"d","list":[]}`)
	write("lists/badtype/list.json", `{"name":"x","version":1,"description":"d","type":"glob","list":[]}`)
	lists, errs := ReadDir(dir)
	if len(lists) != 1 || lists[0].ID != "good" || lists[0].Name != "Good" {
		t.Errorf("lists = %v", lists)
	}
	want := []string{
		filepath.Join(dir, "lists/badtype/list.json") + `: type "glob" is not one of string, substring, hostname, cidr, regex`,
		filepath.Join(dir, "lists/notjson/list.json") + ": not a MISP warninglist",
		filepath.Join(dir, "lists/notype/list.json") + `: member "type" is missing`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v", errs)
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, e, want[i])
		}
	}
}

func TestReadFileID(t *testing.T) {
	l, err := ReadFile(filepath.Join(samples, "lists/rfc1918/list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != "rfc1918" || l.Type != TypeCIDR || len(l.Entries) != 3 || !slices.Contains(l.MatchingAttributes, "ip-dst") {
		t.Errorf("list = %+v", l)
	}
	b, err := l.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil || back.Name != l.Name || !slices.Equal(back.Entries, l.Entries) {
		t.Errorf("round trip = %+v, %v", back, err)
	}
}

func TestPattern(t *testing.T) {
	c := sampleChecker(t)
	for _, tc := range []struct {
		pattern string
		hits    int
		all     bool
	}{
		{"[ipv4-addr:value = '8.8.8.8']", 1, true},
		{"[ipv4-addr:value = '8.8.8.8' OR ipv4-addr:value = '185.199.108.9']", 1, false},
		{"[ipv4-addr:value IN ('8.8.8.8', '1.1.1.1')]", 2, true},
		{"[network-traffic:dst_ref.value = '9.9.9.9' AND network-traffic:dst_port = 53]", 1, true},
		{"[domain-name:value = 'www.bmw.de']", 1, true},
		{"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", 1, true},
		{"[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']", 1, true},
		{"[ipv4-addr:value ISSUBSET '10.1.0.0/16']", 2, true},
		{"[ipv4-addr:value != '8.8.8.8']", 0, false},
		{"[network-traffic:dst_port = 53]", 0, false},
	} {
		p, err := pattern.Compile(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		hits, all := c.Pattern(p)
		if len(hits) != tc.hits || all != tc.all {
			t.Errorf("Pattern(%s) = %v, %v; want %d hits, all %v", tc.pattern, hits, all, tc.hits, tc.all)
		}
	}
}

func TestObserved(t *testing.T) {
	c := sampleChecker(t)
	obs := func(objs ...pattern.Object) []*pattern.Observation {
		return []*pattern.Observation{pattern.NewObservation(time.Time{}, objs...)}
	}
	ip := func(v string) pattern.Object { return pattern.Object{"type": "ipv4-addr", "value": v} }
	for _, tc := range []struct {
		pattern string
		obs     []*pattern.Observation
		all     bool
	}{
		{"[ipv4-addr:value = '8.8.8.8']", obs(ip("8.8.8.8")), true},
		{"[ipv4-addr:value ISSUBSET '8.8.8.0/24']", obs(ip("8.8.8.8")), true},
		{"[ipv4-addr:value ISSUBSET '8.8.8.0/24']", obs(ip("8.8.8.9")), false},
		// The private source of a flow is not what the pattern asserts.
		{"[network-traffic:dst_ref.value = '185.199.108.5']", obs(pattern.Object{"type": "network-traffic", "src_ref": "1", "dst_ref": "2"}, ip("10.0.0.1"), ip("185.199.108.5")), false},
		{"[network-traffic:dst_ref.value = '8.8.8.8']", obs(pattern.Object{"type": "network-traffic", "src_ref": "1", "dst_ref": "2"}, ip("10.0.0.1"), ip("8.8.8.8")), true},
		// Only the side of an OR that met counts.
		{"[ipv4-addr:value = '8.8.8.8' OR domain-name:value = 'evil.example']", obs(pattern.Object{"type": "domain-name", "value": "evil.example"}), false},
		{"[domain-name:value LIKE '%.bmw.de']", obs(pattern.Object{"type": "domain-name", "value": "www.bmw.de"}), true},
	} {
		p, err := pattern.Compile(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		_, all := c.Observed(p, tc.obs)
		if all != tc.all {
			t.Errorf("Observed(%s) all = %v, want %v", tc.pattern, all, tc.all)
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		typ, path, value string
		want             Kind
	}{
		{"ipv4-addr", "value", "1.2.3.4", KindIP},
		{"ipv6-addr", "value", "::1", KindIP},
		{"domain-name", "value", "x.example", KindDomain},
		{"url", "value", "http://x", KindURL},
		{"email-addr", "value", "a@x", KindEmail},
		{"network-traffic", "dst_ref.value", "1.2.3.4", KindIP},
		{"network-traffic", "dst_ref.value", "x.example", KindDomain},
		{"email-message", "from_ref.value", "a@x", KindEmail},
		{"file", "hashes.'SHA-256'", "aa", KindSHA256},
		{"file", "hashes.MD5", "aa", KindMD5},
		{"file", "name", "a.exe", KindFilename},
		{"network-traffic", "dst_port", "53", ""},
	} {
		if got := KindOf(tc.typ, tc.path, tc.value); got != tc.want {
			t.Errorf("KindOf(%s, %s) = %q, want %q", tc.typ, tc.path, got, tc.want)
		}
	}
	if got := KindsOf("filename|sha256"); !slices.Equal(got, []Kind{KindFilename, KindSHA256}) {
		t.Errorf("KindsOf(filename|sha256) = %v", got)
	}
}

// TestNetworkRanges compares the range sweep with testing every network,
// on random nested networks of a small space, IPv4 and IPv6 together.
func TestNetworkRanges(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 50; round++ {
		var entries []string
		var prefixes []netip.Prefix
		for i := 0; i < 1+r.IntN(40); i++ {
			var p netip.Prefix
			if r.IntN(4) == 0 {
				a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(r.IntN(4)), 15: byte(r.IntN(256))})
				p = netip.PrefixFrom(a, 112+r.IntN(17)).Masked()
			} else {
				a := netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(4)), byte(r.IntN(256))})
				p = netip.PrefixFrom(a, 16+r.IntN(17)).Masked()
			}
			prefixes = append(prefixes, p)
			entries = append(entries, p.String())
		}
		c, errs := Compile([]*List{{ID: "n", Name: "n", Type: TypeCIDR, Entries: entries}})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		for j := 0; j < 200; j++ {
			var a netip.Addr
			if j%4 == 0 {
				a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(r.IntN(4)), 15: byte(r.IntN(256))})
			} else {
				a = netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(5)), byte(r.IntN(256))})
			}
			want := map[string]bool{}
			for _, p := range prefixes {
				if p.Contains(a) {
					want[p.String()] = true
				}
			}
			got := map[string]bool{}
			c.checkNet(a.String(), func(refs []ref) {
				for _, rf := range refs {
					got[entries[rf.entry]] = true
				}
			})
			if len(got) != len(want) {
				t.Fatalf("networks %v, address %s: got %v, want %v", entries, a, got, want)
			}
			for k := range want {
				if !got[k] {
					t.Fatalf("networks %v, address %s: got %v, want %v", entries, a, got, want)
				}
			}
		}
	}
}

// FuzzParse: no input makes Parse or Compile panic, and a list Parse
// accepts reads back the same from Marshal.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rfc1918", "phone_numbers", "dax30", "automated-malware-analysis"} {
		b, err := os.ReadFile(filepath.Join(samples, "lists", name, "list.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"name":"x","version":1,"description":"","type":"cidr","list":["::/0","1.2.3.4/33","/x/"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(data)
		if err != nil {
			return
		}
		l.ID = "fuzz"
		c, _ := Compile([]*List{l})
		for _, e := range l.Entries {
			c.Check(KindIP, e)
			c.Check(KindDomain, e)
			c.Check(KindURL, e)
		}
		b, err := l.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(Marshal(l)): %v\n%s", err, b)
		}
		if back.Name != l.Name || back.Type != l.Type || !slices.Equal(back.Entries, l.Entries) || !slices.Equal(back.MatchingAttributes, l.MatchingAttributes) {
			t.Fatalf("round trip changed the list: %+v -> %+v", l, back)
		}
	})
}
