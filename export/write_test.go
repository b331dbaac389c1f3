package export_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/export"
	"github.com/rampart-cti/rampart/export/exporttest"
	"github.com/rampart-cti/rampart/stix"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func indicator(t testing.TB, n int, pat, extra string) *stix.Object {
	t.Helper()
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z",%s"pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, n, extra, pat)
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return o
}

// set is indicators of every kind, with names that try to break out of a
// rule, and patterns a blocklist cannot carry.
func set(t testing.TB, f export.Filter) *export.Set {
	t.Helper()
	green, red := stix.TLPGreen.MarkingID(), stix.TLPRed.MarkingID()
	objs := []*stix.Object{
		indicator(t, 1, `[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '198.51.100.0/24']`, `"name":"C2 \"servers\"; sid:1; (x) | \\ end","confidence":90,"object_marking_refs":["`+green+`"],"created_by_ref":"identity--00000000-0000-4000-8000-0000000000aa",`),
		indicator(t, 2, `[ipv6-addr:value = '2001:db8::1'] OR [ipv6-addr:value ISSUBSET '2001:db8:1::/48']`, `"name":"v6","confidence":50,`),
		indicator(t, 3, `[domain-name:value = 'evil.example']`, `"name":"=cmd|' /C calc'!A0","confidence":70,"object_marking_refs":["`+red+`"],`),
		indicator(t, 4, `[url:value = 'http://evil.example:8080/x/"a";b|c\\d?q=1']`, `"confidence":70,`),
		indicator(t, 5, `[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`, `"name":"empty file",`),
		indicator(t, 6, `[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, `"name":"sha1",`),
		indicator(t, 7, `[email-addr:value = 'phish@evil.example']`, `"name":"phisher",`),
		indicator(t, 8, `[domain-name:value LIKE '%.evil.example']`, `"name":"like",`),
		indicator(t, 9, `[ipv4-addr:value = '192.0.2.11'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.12']`, `"name":"sequence",`),
		indicator(t, 10, `[ipv6-addr:value = '2001:db8:0:1:0:0:0:1'] OR [ipv6-addr:value = '2001:db8::2:0:0:1']`, `"name":"zz",`),
		indicator(t, 11, `[domain-name:value = 'xn--bcher-kva.example' OR domain-name:value = 'under_score.evil.example']`, `"name":"Bücher — ümlaut",`),
		indicator(t, 12, `[domain-name:value = '`+longDomain+`']`, `"name":"long",`),
	}
	for i := range 1200 { // more addresses than one rule lists
		objs = append(objs, indicator(t, 100+i, fmt.Sprintf(`[ipv4-addr:value = '10.%d.%d.1']`, i/250, i%250), `"name":"bulk",`))
	}
	many := make([]string, 1200)
	for i := range many {
		many[i] = fmt.Sprintf("'172.16.%d.%d'", i/250, i%250)
	}
	objs = append(objs, indicator(t, 99, `[ipv4-addr:value IN (`+strings.Join(many, ", ")+`)]`, `"name":"many",`))
	f.Now = func() time.Time { return now }
	s := export.NewSet(f)
	for _, o := range objs {
		if err := s.Add(o, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	s.Done()
	return s
}

// longDomain is a domain name of 240 bytes: valid, but too long for a
// zone under an origin.
var longDomain = strings.Repeat(strings.Repeat("a", 59)+".", 4) + "example"

func TestSuricataParses(t *testing.T) {
	s := set(t, export.Filter{})
	var b bytes.Buffer
	st, err := export.WriteSuricata(&b, s, export.SuricataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := exporttest.ParseSuricataRules(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != st.Records {
		t.Fatalf("%d rule lines, %d rules written", len(rules), st.Records)
	}
	sids := map[float64]bool{}
	var protos []string
	for i, r := range rules {
		if r == nil {
			t.Errorf("rule %d does not parse", i+1)
			continue
		}
		sid, _ := r["sid"].(float64)
		if sid < export.DefaultSIDBase || sid >= export.DefaultSIDBase+export.DefaultSIDRange || sids[sid] {
			t.Errorf("rule %d: sid %v out of range or repeated", i+1, r["sid"])
		}
		sids[sid] = true
		if rev, _ := r["rev"].(float64); rev != float64(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Unix()) {
			t.Errorf("rule %d: rev %v", i+1, r["rev"])
		}
		protos = append(protos, r["proto"].(string))
	}
	count := func(p string) int {
		return len(slices.DeleteFunc(slices.Clone(protos), func(x string) bool { return x != p }))
	}
	// ip: 1200 single-address indicators, 1 of 1200 addresses in 3
	// chunks, and indicators 1, 2, 10; dns and tls: 4 domains each; http:
	// 1 URL + MD5, SHA-1, SHA-256 lists; smtp: the lists.
	for p, want := range map[string]int{"ip": 1200 + 3 + 3, "dns": 4, "tls": 4, "http": 4, "smtp": 3} {
		if got := count(p); got != want {
			t.Errorf("%d %s rules, want %d", got, p, want)
		}
	}
	if st.Unsupported[export.KindEmail] != 1 {
		t.Errorf("unsupported %v, want one e-mail address", st.Unsupported)
	}

	// The name that tries to close the msg and add a sid stays in msg.
	first := rules[0]
	if first["msg"] != "Rampart C2 `servers`, sid:1, (x) , / end (indicator--00000000-0000-4000-8000-000000000001)" || first["dest_addr"] != "[192.0.2.1,198.51.100.0/24]" || first["direction"] != "<>" {
		t.Errorf("first rule: %v", first)
	}
	if diff := cmp.Diff([]any{"tlp green", "confidence 90", "producer identity--00000000-0000-4000-8000-0000000000aa", "rampart_id indicator--00000000-0000-4000-8000-000000000001"}, first["metadata"]); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	text := b.String()
	for _, want := range []string{
		`dns.query; dotprefix; content:".evil.example"; nocase; endswith;`,
		`tls.sni; dotprefix; content:".evil.example"; nocase; endswith;`,
		`http.host; content:"evil.example"; startswith; endswith; http.uri; content:"/x/%22a%22|3b|b%7Cc%5Cd?q=1"; startswith; endswith;`,
		`filemd5:rampart-md5.list;`, `filesha1:rampart-sha1.list;`, `filesha256:rampart-sha256.list;`,
		`metadata:tlp red, confidence 70, rampart_id indicator--00000000-0000-4000-8000-000000000003;`,
		"Rampart Bücher — ümlaut (",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rules lack %s", want)
		}
	}

	// The same set gives the same rules; a new indicator moves no sid.
	var again bytes.Buffer
	export.WriteSuricata(&again, set(t, export.Filter{}), export.SuricataOptions{})
	if again.String() != text {
		t.Errorf("two exports of the same set differ")
	}
	bigger := set(t, export.Filter{})
	if err := bigger.Add(indicator(t, 9999, `[domain-name:value = 'new.example' OR ipv4-addr:value = '192.0.2.99']`, ""), now); err != nil {
		t.Fatal(err)
	}
	bigger.Done()
	var more bytes.Buffer
	export.WriteSuricata(&more, bigger, export.SuricataOptions{})
	before, after := sidsByRule(text), sidsByRule(more.String())
	if len(after) != len(before)+3 { // dns, tls, ip
		t.Errorf("%d rules after a new indicator, want %d", len(after), len(before)+3)
	}
	for rule, sid := range before {
		if after[rule] != sid {
			t.Errorf("a new indicator moved a sid from %s to %s: %s", sid, after[rule], rule)
		}
	}
	lists := export.SuricataLists(s, export.SuricataOptions{})
	if diff := cmp.Diff(map[string]string{
		"rampart-md5.list":    "d41d8cd98f00b204e9800998ecf8427e\n",
		"rampart-sha1.list":   "da39a3ee5e6b4b0d3255bfef95601890afd80709\n",
		"rampart-sha256.list": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
	}, stringsOf(lists)); diff != "" {
		t.Errorf("lists (-want +got):\n%s", diff)
	}
}

// sidsByRule returns the sid of each rule, by the rule without it.
func sidsByRule(rules string) map[string]string {
	out := map[string]string{}
	for l := range strings.Lines(rules) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		before, after, _ := strings.Cut(l, "; sid:")
		sid, rest, _ := strings.Cut(after, ";")
		out[before+rest] = sid
	}
	return out
}

func stringsOf(m map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func TestSuricataSIDRange(t *testing.T) {
	var b bytes.Buffer
	// A range of 2000 for ~1,220 rules: collisions move on, none repeats.
	if _, err := export.WriteSuricata(&b, set(t, export.Filter{}), export.SuricataOptions{SIDBase: 5000, SIDRange: 2000}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for l := range strings.Lines(b.String()) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		_, after, _ := strings.Cut(l, "; sid:")
		sid, _, _ := strings.Cut(after, ";")
		var n int
		fmt.Sscan(sid, &n)
		if n < 5000 || n >= 7000 || seen[sid] {
			t.Fatalf("sid %s out of [5000, 7000) or repeated", sid)
		}
		seen[sid] = true
	}
	if err := (export.SuricataOptions{SIDBase: 4_000_000_000, SIDRange: 1_000_000_000}).Check(); err == nil {
		t.Errorf("sids beyond 2^32 accepted")
	}
}

func TestRPZPassesNamedCheckzone(t *testing.T) {
	s := set(t, export.Filter{})
	for _, action := range []string{"", export.RPZNoData, export.RPZDrop} {
		var b bytes.Buffer
		st, err := export.WriteRPZ(&b, s, export.RPZOptions{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exporttest.CheckZone("rpz.rampart.test", b.Bytes())
		if err != nil {
			t.Fatalf("%s\n%s", err, b.String())
		}
		if !strings.Contains(out, "OK") {
			t.Errorf("named-checkzone: %s", out)
		}
		// 3 domains × 2, 1,200 + 1,200 + 2 + 2 + 2 addresses and prefixes.
		// The long domain is left out: with the origin, it would not fit.
		if st.Records != 6+2406 || st.Unsupported[export.KindURL] != 1 || st.Unsupported[export.KindMD5] != 1 || st.Unsupported[export.KindDomain] != 1 {
			t.Errorf("records %d, unsupported %v", st.Records, st.Unsupported)
		}
	}
	var b bytes.Buffer
	export.WriteRPZ(&b, s, export.RPZOptions{})
	zone := b.String()
	serial := fmt.Sprint(now.Add(-time.Hour).Unix())
	for _, want := range []string{
		"@ IN SOA localhost. hostmaster.localhost. ( " + serial + " ",
		"\nevil.example CNAME .\n", "\n*.evil.example CNAME .\n",
		"\n32.1.2.0.192.rpz-ip CNAME .\n", "\n24.0.100.51.198.rpz-ip CNAME .\n",
		"\n128.1.zz.db8.2001.rpz-ip CNAME .\n", "\n48.zz.1.db8.2001.rpz-ip CNAME .\n",
		"\n128.1.zz.1.0.db8.2001.rpz-ip CNAME .\n", "\n128.1.0.0.2.zz.db8.2001.rpz-ip CNAME .\n",
	} {
		if !strings.Contains(zone, want) {
			t.Errorf("zone lacks %q", want)
		}
	}
}

// TestRPZRefusedByNamedCheckzone checks the check itself: a zone with a
// broken record fails.
func TestRPZRefusedByNamedCheckzone(t *testing.T) {
	if _, err := exporttest.CheckZone("rpz.rampart.test", []byte("$TTL 300\n@ IN SOA localhost. h.localhost. ( 1 2 3 4 5 )\n@ IN NS localhost.\nbad name CNAME .\n")); err == nil {
		t.Errorf("a broken zone passes")
	}
	rules, err := exporttest.ParseSuricataRules([]byte("alert ip any any -> any any (msg:\"x\"; rev:1;)\n"))
	if err != nil || rules[0] != nil {
		t.Errorf("a rule without a sid parses: %v", rules[0])
	}
}

func TestBlocklist(t *testing.T) {
	for _, c := range []struct {
		kinds string
		want  []string
	}{
		{"domain", []string{"evil.example", "xn--bcher-kva.example", "under_score.evil.example", longDomain}},
		{"url", []string{`http://evil.example:8080/x/%22a%22;b%7Cc%5Cd?q=1`}},
		{"email", []string{"phish@evil.example"}},
		{"md5,sha1", []string{"d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709"}},
		{"cidr", []string{"198.51.100.0/24", "2001:db8:1::/48"}},
		{"ipv6", []string{"2001:db8::1", "2001:db8:0:1::1", "2001:db8::2:0:0:1"}},
	} {
		ks, err := export.ParseKinds(c.kinds)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		st, err := export.WriteBlocklist(&b, set(t, export.Filter{Kinds: ks}))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if diff := cmp.Diff(c.want, got); diff != "" || st.Records != len(c.want) {
			t.Errorf("%s: %d records (-want +got):\n%s", c.kinds, st.Records, diff)
		}
	}
	var b bytes.Buffer
	export.WriteBlocklist(&b, set(t, export.Filter{Kinds: []export.Kind{export.KindIPv4}}))
	if n := strings.Count(b.String(), "\n"); n != 1+1200+1200 {
		t.Errorf("%d IPv4 addresses, want 2401", n)
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if _, err := export.WriteCSV(&b, set(t, export.Filter{MinConfidence: 60})); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		export.CSVHeader,
		{"indicator--00000000-0000-4000-8000-000000000001", "ipv4", "192.0.2.1", `C2 "servers"; sid:1; (x) | \ end`, "90", "TLP:GREEN", "identity--00000000-0000-4000-8000-0000000000aa", "2026-01-01T00:00:00Z", ""},
		{"indicator--00000000-0000-4000-8000-000000000001", "cidr", "198.51.100.0/24", `C2 "servers"; sid:1; (x) | \ end`, "90", "TLP:GREEN", "identity--00000000-0000-4000-8000-0000000000aa", "2026-01-01T00:00:00Z", ""},
		{"indicator--00000000-0000-4000-8000-000000000003", "domain", "evil.example", `'=cmd|' /C calc'!A0`, "70", "TLP:RED", "", "2026-01-01T00:00:00Z", ""},
		{"indicator--00000000-0000-4000-8000-000000000004", "url", `http://evil.example:8080/x/%22a%22;b%7Cc%5Cd?q=1`, "", "70", "unmarked", "", "2026-01-01T00:00:00Z", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSTIX(t *testing.T) {
	var a, b bytes.Buffer
	s := set(t, export.Filter{})
	st, err := export.WriteSTIX(&a, s)
	if err != nil {
		t.Fatal(err)
	}
	export.WriteSTIX(&b, set(t, export.Filter{}))
	if a.String() != b.String() {
		t.Errorf("the same set gives two bundles")
	}
	bundle, err := stix.ParseBundle(a.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// Every indicator, those a blocklist cannot carry too.
	if objs := bundle.Objects; len(objs) != st.Records || st.Records != 12+1200+1 {
		t.Errorf("%d objects, %d written", len(bundle.Objects), st.Records)
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	_, err := export.Write(&bytes.Buffer{}, "snort", set(t, export.Filter{}), export.Options{})
	if err == nil || !strings.Contains(err.Error(), `"snort"`) || !strings.Contains(err.Error(), "suricata") {
		t.Errorf("got %v", err)
	}
}
