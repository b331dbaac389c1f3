package export

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/stix"
)

// indicator returns an indicator object with a pattern and extra members
// (`"name":"x",` …).
func indicator(t testing.TB, id, pat, extra string) *stix.Object {
	t.Helper()
	if !strings.Contains(extra, `"valid_from"`) {
		extra += `"valid_from":"2026-01-01T00:00:00Z",`
	}
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z",%s"pattern":%q,"pattern_type":"stix"}`, id, extra, pat)
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return o
}

func TestReadIndicator(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    []Entry
		skip    string
	}{
		{`[ipv4-addr:value = '198.51.100.7']`, []Entry{{KindIPv4, "198.51.100.7"}}, ""},
		{`[ipv4-addr:value = '198.51.100.0/24']`, []Entry{{KindCIDR, "198.51.100.0/24"}}, ""},
		{`[ipv4-addr:value ISSUBSET '198.51.100.9/24']`, []Entry{{KindCIDR, "198.51.100.0/24"}}, ""},
		{`[ipv4-addr:value = '198.51.100.7/32']`, []Entry{{KindIPv4, "198.51.100.7"}}, ""},
		{`[ipv6-addr:value = '2001:DB8::1']`, []Entry{{KindIPv6, "2001:db8::1"}}, ""},
		{`[ipv6-addr:value ISSUBSET '2001:db8::/32']`, []Entry{{KindCIDR, "2001:db8::/32"}}, ""},
		{`[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2', '192.0.2.1')]`, []Entry{{KindIPv4, "192.0.2.1"}, {KindIPv4, "192.0.2.2"}}, ""},
		{`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.5']`, []Entry{{KindIPv4, "203.0.113.5"}}, ""},
		{`[domain-name:value = 'Evil.Example.']`, []Entry{{KindDomain, "evil.example"}}, ""},
		{`[domain-name:value LIKE 'evil.example']`, []Entry{{KindDomain, "evil.example"}}, ""},
		{`[url:value = 'HTTP://Evil.Example/a?b=c']`, []Entry{{KindURL, "http://evil.example/a?b=c"}}, ""},
		{`[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']`, []Entry{{KindMD5, "d41d8cd98f00b204e9800998ecf8427e"}}, ""},
		{`[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, []Entry{{KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"}}, ""},
		{`[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND file:name = 'a.exe']`, []Entry{{KindSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}, ""},
		{`[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, []Entry{{KindMD5, "d41d8cd98f00b204e9800998ecf8427e"}, {KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"}}, ""},
		{`[email-addr:value = 'Phish@Evil.Example']`, []Entry{{KindEmail, "Phish@evil.example"}}, ""},
		{`[email-message:from_ref.value = 'a@evil.example']`, []Entry{{KindEmail, "a@evil.example"}}, ""},
		{`[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'evil.example']`, []Entry{{KindIPv4, "192.0.2.1"}, {KindDomain, "evil.example"}}, ""},
		{`[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'evil.example'] WITHIN 10 SECONDS`, []Entry{{KindIPv4, "192.0.2.1"}, {KindDomain, "evil.example"}}, ""},

		{`[domain-name:value LIKE '%.evil.example']`, nil, "LIKE comparison"},
		{`[url:value MATCHES '^http://evil']`, nil, "MATCHES comparison"},
		{`[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'evil.example']`, nil, "AND across observations"},
		{`[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'evil.example']`, nil, "FOLLOWEDBY"},
		{`[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES`, nil, "REPEATS qualifier"},
		{`[ipv4-addr:value != '192.0.2.1']`, nil, "!= comparison"},
		{`[ipv4-addr:value NOT = '192.0.2.1']`, nil, "negated comparison"},
		{`[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 443]`, nil, "AND with another condition"},
		{`[domain-name:value = 'a.example' AND domain-name:value = 'b.example']`, nil, "AND of several values"},
		{`[process:name = 'evil.exe']`, nil, "no value kind for this property"},
		{`[domain-name:value = 'evil example']`, nil, "invalid value"},
		{`[domain-name:value = 'com']`, nil, "invalid value"},
		{`[domain-name:value = 'x.rpz-ip']`, nil, "invalid value"},
		{`[domain-name:value = 'evil.example"; sid:1;']`, nil, "invalid value"},
		{`[url:value = 'ftp://evil.example/a']`, nil, "invalid value"},
		{`[url:value = 'http://evil.example/a b']`, nil, "invalid value"},
		{`[file:hashes.MD5 = 'abc']`, nil, "invalid value"},
		{`[ipv4-addr:value = '2001:db8::1']`, nil, "invalid value"},
		{`[ipv4-addr:value = '0.0.0.0/0']`, nil, "invalid value"},
		{`[ipv4-addr:value = `, nil, "invalid pattern"},
	} {
		t.Run(c.pattern, func(t *testing.T) {
			in, err := ReadIndicator(indicator(t, "indicator--00000000-0000-4000-8000-000000000001", c.pattern, ""))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, in.Entries); diff != "" || in.Skip != c.skip {
				t.Errorf("skip %q (%s), want %q; entries (-want +got):\n%s", in.Skip, in.SkipDetail, c.skip, diff)
			}
		})
	}
}

func TestReadIndicatorProperties(t *testing.T) {
	o := indicator(t, "indicator--00000000-0000-4000-8000-000000000001", `[ipv4-addr:value = '192.0.2.1']`,
		`"name":"C2","confidence":80,"created_by_ref":"identity--00000000-0000-4000-8000-0000000000aa","object_marking_refs":["`+stix.TLPAmberStrict.MarkingID()+`"],"valid_until":"2027-01-01T00:00:00Z",`)
	in, err := ReadIndicator(o)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %d %s %s %s %s", in.Name, in.Confidence, in.TLP, in.Producer, in.Modified.Format("2006-01-02"), in.ValidUntil.Format("2006-01-02"))
	if want := "C2 80 TLP:AMBER+STRICT identity--00000000-0000-4000-8000-0000000000aa 2026-01-02 2027-01-01"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	in, _ = ReadIndicator(indicator(t, "indicator--00000000-0000-4000-8000-000000000001", `[ipv4-addr:value = '192.0.2.1']`, ""))
	if in.Confidence != -1 || in.TLP != stix.TLPUnmarked {
		t.Errorf("without confidence and marking: %d %s", in.Confidence, in.TLP)
	}
	if _, err := ReadIndicator(&stix.Object{Type: "malware", ID: "malware--x"}); err == nil || !strings.Contains(err.Error(), "not an indicator") {
		t.Errorf("a malware: %v", err)
	}
}

func TestParseKinds(t *testing.T) {
	got, err := ParseKinds("ip, domain,SHA256,ipv4")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Kind{KindIPv4, KindIPv6, KindCIDR, KindDomain, KindSHA256}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseKinds("ipv5"); err == nil || !strings.Contains(err.Error(), `"ipv5"`) {
		t.Errorf("ipv5: %v", err)
	}
}
