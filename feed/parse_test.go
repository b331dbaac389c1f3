package feed

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample is one feed sample of testdata/feeds with what its preset must
// read from it.
type sample struct {
	file    string
	preset  string
	entries int // values read
	failed  int // lines that fail alone
	skipped int
	// first is the first entry's kind and value; desc a word its
	// description holds.
	first Entry
	desc  string
}

var samples = []sample{
	{file: "spamhaus-drop/drop.txt", preset: "spamhaus-drop", entries: 2, first: Entry{Kind: KindCIDR, Value: "1.4.0.0/17"}, desc: "SBL256893"},
	{file: "spamhaus-drop/asndrop.txt", preset: "spamhaus-drop", entries: 2, first: Entry{Kind: KindASN, Value: "260"}, desc: "XCONNECT24"},
	{file: "spamhaus-cert/cert.txt", preset: "spamhaus-cert", entries: 19, first: Entry{Kind: KindIPv4, Value: "109.126.64.2"}, desc: "asprox"},
	{file: "abusech-feodotracker/ipblocklist.json", preset: "feodotracker", entries: 4, first: Entry{Kind: KindIPv4, Value: "51.178.161.32"}, desc: "port 4643"},
	{file: "phishtank/online-valid.json", preset: "phishtank", entries: 3, first: Entry{Kind: KindURL, Value: "https://ardentig.top/"}},
	{file: "openphish/feed.txt", preset: "openphish", entries: 2, first: Entry{Kind: KindURL, Value: "http://www..example.com/phishing"}},
	{file: "blocklistde/imap.txt", preset: "blocklistde", entries: 6, first: Entry{Kind: KindIPv4, Value: "192.0.2.4"}},
	{file: "dshield-block/block.txt", preset: "dshield", entries: 2, first: Entry{Kind: KindCIDR, Value: "43.229.53.0/24"}, desc: "Japan Inet"},
	{file: "dataplane/dnsrd.txt", preset: "dataplane", first: Entry{Kind: KindIPv4}, desc: "dnsrd"},
	{file: "dataplane/sipquery.txt", preset: "dataplane", first: Entry{Kind: KindIPv4}, desc: "sipquery"},
	{file: "dataplane/sshpwauth.txt", preset: "dataplane", first: Entry{Kind: KindIPv4}, desc: "sshpwauth"},
	{file: "dataplane/telnetlogin.txt", preset: "dataplane", first: Entry{Kind: KindIPv4}, desc: "telnetlogin"},
	{file: "bambenek/c2-ipmasterlist.txt", preset: "bambenek-c2", entries: 1, first: Entry{Kind: KindIPv4, Value: "213.247.47.190"}, desc: "bebloh"},
	{file: "bambenek/dga-feed.txt", preset: "bambenek-dga", entries: 1, first: Entry{Kind: KindDomain, Value: "xqmclnusaswvof.com"}, desc: "Cryptolocker"},
	{file: "cert-eu/example.csv", preset: "cert-eu", entries: 2, first: Entry{Kind: KindIPv4, Value: "109.125.93.10"}, desc: "malware url"},
	{file: "shadowserver/test_smb.csv", preset: "shadowserver", entries: 3, first: Entry{Kind: KindIPv4, Value: "192.168.0.1"}, desc: "port 445"},
	{file: "shadowserver/test_telnet.csv", preset: "shadowserver", entries: 2, first: Entry{Kind: KindIPv4, Value: "198.123.245.145"}, desc: "telnet-alt"},
	{file: "cymru-cap/certname_20190327.txt", preset: "cymru", first: Entry{Kind: KindIPv4, Value: "172.16.0.21"}, desc: "Conficker"},
	{file: "cymru-cap/infected_20171031.txt", preset: "cymru", entries: 9, first: Entry{Kind: KindIPv4, Value: "172.16.0.21"}, desc: "bruteforce"},
	{file: "microsoft-ctip/ctip.txt", preset: "ctip", first: Entry{Kind: KindIPv4, Value: "224.0.5.8"}, desc: "B85-R2S"},
	{file: "microsoft-ctip/ctip_azure.txt", preset: "ctip", first: Entry{Kind: KindIPv4, Value: "224.0.5.8"}, desc: "Avalanche"},
	{file: "alienvault-otx/otx-pulses.json", preset: "otx", entries: 93, failed: 1, skipped: 1, first: Entry{Kind: KindURL, Value: "http://107.6.172.54/woolen/"}, desc: "Rocket Kitten"},
	{file: "zoneh/defacement_accepted.csv", preset: "zoneh", entries: 2, first: Entry{Kind: KindURL, Value: "http://defaced.example.com"}, desc: "L33tz"},
}

func readSample(t *testing.T, s sample) (entries []Entry, failed, skipped []*LineError) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", s.file))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := Preset(s.preset)
	if !ok {
		t.Fatalf("no preset %q", s.preset)
	}
	for e, err := range Parse(&f, data) {
		var le *LineError
		switch {
		case err == nil:
			entries = append(entries, e)
		case errors.As(err, &le) && le.Skipped:
			skipped = append(skipped, le)
		case errors.As(err, &le):
			failed = append(failed, le)
		default:
			t.Fatalf("%s: %v", s.file, err)
		}
	}
	return entries, failed, skipped
}

// TestParseSamples reads every sample with its preset.
func TestParseSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			entries, failed, skipped := readSample(t, s)
			t.Logf("%d entries, %d failed, %d skipped", len(entries), len(failed), len(skipped))
			for _, f := range failed {
				t.Logf("failed: %v", f)
			}
			if len(entries) == 0 {
				t.Fatalf("no entry read")
			}
			if s.entries > 0 && len(entries) != s.entries {
				t.Errorf("entries: got %d, want %d", len(entries), s.entries)
			}
			if len(failed) != s.failed {
				t.Errorf("failed lines: got %d, want %d: %v", len(failed), s.failed, failed)
			}
			if len(skipped) != s.skipped {
				t.Errorf("skipped: got %d, want %d: %v", len(skipped), s.skipped, skipped)
			}
			e := entries[0]
			if e.Kind != s.first.Kind || s.first.Value != "" && e.Value != s.first.Value {
				t.Errorf("first entry: got %s %q, want %s %q", e.Kind, e.Value, s.first.Kind, s.first.Value)
			}
			if s.desc != "" && !strings.Contains(e.Description, s.desc) {
				t.Errorf("first entry's description %q lacks %q", e.Description, s.desc)
			}
			if e.Line <= 0 {
				t.Errorf("first entry has no line number")
			}
		})
	}
}

// TestParseBadLines: a bad line fails alone, with its line number and
// reason; the lines around it are read.
func TestParseBadLines(t *testing.T) {
	f := &Feed{Name: "t", Format: FormatCSV, Comment: "#", Header: true, Value: "ip", Description: "what"}
	body := "# comment\nip,what\n192.0.2.1,one\nnot-an-ip!,two\n\n\"198.51.100.7\",\"three, quoted\"\n,empty\n"
	var got []string
	for e, err := range Parse(f, []byte(body)) {
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, e.Value+" "+e.Description)
	}
	want := []string{
		"192.0.2.1 one",
		`line 4: "not-an-ip!" is not an address, CIDR block, domain, URL, hash, e-mail address or AS number`,
		"198.51.100.7 three, quoted",
		`line 7: no value in "ip"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseDataplanePipeInName: DataPlane's AS names may hold the
// separator; the preset counts columns from the end.
func TestParseDataplanePipeInName(t *testing.T) {
	entries, _, _ := readSample(t, sample{file: "dataplane/sshpwauth.txt", preset: "dataplane"})
	found := false
	for _, e := range entries {
		if e.Value == "1.2.3.4" && e.Description == "sshpwauth" && e.FirstSeen.Format("2006-01-02 15:04:05") == "2024-04-02 12:00:00" {
			found = true
		}
	}
	if !found {
		t.Errorf("the line whose AS name holds '|' was not read as 1.2.3.4 seen 2024-04-02 12:00:00")
	}
}

// TestParseGarbage: bodies that are not feeds are refused as a whole;
// JSON broken midway keeps what came before and says where it broke.
func TestParseGarbage(t *testing.T) {
	for _, c := range []struct {
		name, body string
		format     Format
		entries    int
		want       string
	}{
		{"html", "<!DOCTYPE html><html><body>Login</body></html>", FormatList, 0, "an HTML page"},
		{"binary", "\x1f\x8b\x08\x00\x00\x00", FormatList, 0, "binary data"},
		{"broken array", "[{\"value\":\"192.0.2.1\"},\n{\"value\":\"192.0.2.2\"},\n{\"value\": tru", FormatJSON, 2, "body unreadable from line 3"},
		{"not json", "hello", FormatJSON, 0, "malformed JSON"},
		{"trailing", "[{\"value\":\"192.0.2.1\"}] x", FormatJSON, 1, "malformed JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &Feed{Name: "t", Format: c.format}
			n := 0
			var last error
			for _, err := range Parse(f, []byte(c.body)) {
				if err == nil {
					n++
				} else {
					last = err
				}
			}
			var be *BodyError
			if !errors.As(last, &be) || !strings.Contains(last.Error(), c.want) {
				t.Errorf("got %v, want a BodyError with %q", last, c.want)
			}
			if n != c.entries {
				t.Errorf("entries before the error: got %d, want %d", n, c.entries)
			}
		})
	}
}

// TestParseJSONLines: in jsonl, a malformed line fails alone.
func TestParseJSONLines(t *testing.T) {
	f := &Feed{Name: "t", Format: FormatJSONL, Value: "ioc", Kind: KindAuto}
	body := "{\"ioc\":\"evil.example\"}\n{oops\n{\"ioc\":\"d41d8cd98f00b204e9800998ecf8427e\"}\n[1]\n"
	var vals, errs []string
	for e, err := range Parse(f, []byte(body)) {
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			vals = append(vals, string(e.Kind)+":"+e.Value)
		}
	}
	if strings.Join(vals, " ") != "domain:evil.example md5:d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("values: %v", vals)
	}
	if len(errs) != 2 || !strings.HasPrefix(errs[0], "line 2: malformed JSON") || !strings.HasPrefix(errs[1], "line 4: a record must be a JSON object") {
		t.Errorf("errors: %q", errs)
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		kind      Kind
		in        string
		wantKind  Kind
		want, err string
	}{
		{KindAuto, "192.0.2.1", KindIPv4, "192.0.2.1", ""},
		{KindAuto, "2001:DB8::1", KindIPv6, "2001:db8::1", ""},
		{KindAuto, "192.0.2.7/24", KindCIDR, "192.0.2.0/24", ""},
		{KindCIDR, "192.0.2.7/32", KindIPv4, "192.0.2.7", ""},
		{KindAuto, "Evil.Example.", KindDomain, "evil.example", ""},
		{KindAuto, "AS64496", KindASN, "64496", ""},
		{KindAuto, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", ""},
		{KindAuto, "x@evil.example", KindEmail, "x@evil.example", ""},
		{KindIPv4, "2001:db8::1", KindIPv4, "", "is not an IPv4 address"},
		{KindSHA256, "abc", KindSHA256, "", "is not 64 hexadecimal digits"},
		{KindURL, "/path", KindURL, "", "is not an absolute URL"},
		{KindAuto, "hello", "", "", "is not an address"},
		{KindAuto, "0.0.0.0/0", "", "", "CIDR block 0.0.0.0/0 is broader than /8 (MinIPv4Prefix)"},
		{KindCIDR, "2000::/3", "", "", "is broader than /16 (MinIPv6Prefix)"},
		{KindAuto, "10.0.0.0/8", KindCIDR, "10.0.0.0/8", ""},
	} {
		k, v, err := Normalize(c.kind, c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q: got %v, want error %q", c.kind, c.in, err, c.err)
			}
			continue
		}
		if err != nil || k != c.wantKind || v != c.want {
			t.Errorf("%s %q: got %s %q %v, want %s %q", c.kind, c.in, k, v, err, c.wantKind, c.want)
		}
	}
}
