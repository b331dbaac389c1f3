package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/export/exporttest"
	"github.com/rampart-cti/rampart/stix"
)

const exportPartnerOrg = "identity--0e000000-0000-4000-8000-0000000000b1"

// exportValue is a value of an indicator of the end-to-end export test,
// and who may read it: the node's own accounts (O) and the partner's (P).
type exportValue struct {
	value   string
	readers string
}

// exportBundle returns indicators of every kind and TLP level, some that
// no blocklist can carry, and a partner's TLP:RED indicator.
func exportBundle() (string, []exportValue) {
	const ts = `"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","valid_from":"2026-01-01T00:00:00Z"`
	tlp := func(l stix.TLP) string { return `"object_marking_refs":["` + l.MarkingID() + `"]` }
	n := 0
	ind := func(name, pattern, extra string) string {
		n++
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--0e000000-0000-4000-8000-%012d",%s,"name":%q,"pattern":%q,"pattern_type":"stix",%s}`, n, ts, name, pattern, extra)
	}
	objs := []string{
		ind("green ip", `[ipv4-addr:value = '192.0.2.10']`, tlp(stix.TLPGreen)+`,"confidence":90`),
		ind("clear net", `[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, tlp(stix.TLPClear)+`,"confidence":80`),
		ind("green v6", `[ipv6-addr:value = '2001:db8::10']`, tlp(stix.TLPGreen)),
		ind("green domain", `[domain-name:value = 'green-evil.example']`, tlp(stix.TLPGreen)),
		ind("green url", `[url:value = 'http://green-evil.example/payload.bin']`, tlp(stix.TLPGreen)),
		ind("green md5", `[file:hashes.MD5 = '0123456789abcdef0123456789abcdef']`, tlp(stix.TLPGreen)),
		ind("green sha256", `[file:hashes.'SHA-256' = '`+strings.Repeat("ab", 32)+`']`, tlp(stix.TLPGreen)),
		ind("green email", `[email-addr:value = 'phish@green-evil.example']`, tlp(stix.TLPGreen)),
		ind("amber domain", `[domain-name:value = 'amber-evil.example']`, tlp(stix.TLPAmber)),
		ind("strict url", `[url:value = 'https://strict-evil.example/login']`, tlp(stix.TLPAmberStrict)),
		ind("red ip", `[ipv4-addr:value = '203.0.113.66']`, tlp(stix.TLPRed)),
		ind("partner red", `[ipv4-addr:value = '203.0.113.77']`, tlp(stix.TLPRed)+`,"created_by_ref":"`+exportPartnerOrg+`"`),
		// What no blocklist carries.
		ind("like", `[domain-name:value LIKE '%.like-evil.example']`, tlp(stix.TLPGreen)),
		ind("regex", `[url:value MATCHES '^http://regex-evil']`, tlp(stix.TLPGreen)),
		ind("two observations", `[ipv4-addr:value = '192.0.2.201'] AND [domain-name:value = 'and-evil.example']`, tlp(stix.TLPGreen)),
		ind("sequence", `[ipv4-addr:value = '192.0.2.202'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.203']`, tlp(stix.TLPGreen)),
		ind("revoked", `[ipv4-addr:value = '192.0.2.204']`, tlp(stix.TLPGreen)+`,"revoked":true`),
		ind("expired", `[ipv4-addr:value = '192.0.2.205']`, tlp(stix.TLPGreen)+`,"valid_until":"2026-01-05T00:00:00Z"`),
	}
	values := []exportValue{
		{"192.0.2.10", "OP"}, {"198.51.100.0/24", "OP"}, {"2001:db8::10", "OP"}, {"green-evil.example", "OP"},
		{"0123456789abcdef0123456789abcdef", "OP"}, {strings.Repeat("ab", 32), "OP"},
		{"amber-evil.example", "O"}, {"strict-evil.example", "O"}, {"203.0.113.66", "O"}, {"203.0.113.77", "OP"},
		{"like-evil", ""}, {"regex-evil", ""}, {"and-evil", ""}, {"192.0.2.201", ""}, {"192.0.2.204", ""}, {"192.0.2.205", ""},
	}
	return `{"type":"bundle","id":"bundle--0e000000-0000-4000-8000-000000000000","objects":[` + strings.Join(objs, ",") + `]}`, values
}

// TestEndToEndExports imports indicators of every kind and TLP level with
// the CLI, exports every format with the CLI and over HTTP for accounts of
// two organisations (password and bearer token), and runs suricata-update's
// rule parser and named-checkzone on the rules and zones.
func TestEndToEndExports(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(stdin string, args ...string) (string, string) {
		t.Helper()
		out, errs, code := runCLI(t, stdin, env, append(args, "--data", dir)...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out, errs
	}
	cli("", "init")
	noDecay(t, dir, env, false)
	cli("", "org", "init", "--name", "CERT-FR", "--country", "FR")
	cli("analyst password 1\n", "user", "add", "analyst", "--password-stdin")
	cli("", "user", "grant", "analyst", "default", "--read")
	cli("", "org", "add", exportPartnerOrg, "--name", "Partner CSIRT", "--relation", "partner", "--country", "DE")
	cli("partner password 1\n", "user", "add", "partner", "--org", exportPartnerOrg, "--password-stdin")
	cli("", "user", "grant", "partner", "default", "--read")
	token, _ := cli("", "user", "token", "partner", "--label", "firewall")
	token = strings.TrimSpace(token)
	bundle, values := exportBundle()
	file := filepath.Join(dir, "indicators.json")
	if err := os.WriteFile(file, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("", "import", file)

	// The CLI: the node's own view, every indicator it holds.
	out := filepath.Join(dir, "suricata")
	_, summary := cli("", "export", "--format", "suricata", "--out", out+"/")
	for _, want := range []string{"LIKE comparison", "MATCHES comparison", "AND across observations", "FOLLOWEDBY", "1 revoked", "1 expired", "1 email"} {
		if !strings.Contains(summary, want) {
			t.Errorf("suricata export summary lacks %q:\n%s", want, summary)
		}
	}
	rules, err := os.ReadFile(filepath.Join(out, "rampart.rules"))
	if err != nil {
		t.Fatal(err)
	}
	checkRules(t, "CLI", string(rules), values, "O")
	for _, list := range []string{"rampart-md5.list", "rampart-sha256.list"} {
		b, err := os.ReadFile(filepath.Join(out, list))
		if fi, _ := os.Stat(filepath.Join(out, list)); err != nil || len(b) == 0 || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %q (a list beside TLP:RED rules is for its owner alone)", list, err, b)
		}
	}
	zone, _ := cli("", "export", "--format", "rpz")
	checkZone(t, "CLI", zone, values, "O")
	ips, _ := cli("", "export", "--format", "blocklist", "--kind", "ipv4", "--marking", "clear,green")
	if ips != "192.0.2.10\n" {
		t.Errorf("green IPv4 blocklist: %q", ips)
	}
	rows, _ := cli("", "export", "--format", "csv", "--min-confidence", "80")
	if recs, err := csv.NewReader(strings.NewReader(rows)).ReadAll(); err != nil || len(recs) != 3 || recs[1][2] != "192.0.2.10" || recs[2][2] != "198.51.100.0/24" {
		t.Errorf("CSV of confidence 80 and more: %v %q", err, rows)
	}
	b, _ := cli("", "export", "--format", "stix", "--producer", exportPartnerOrg)
	if bd, err := stix.ParseBundle([]byte(b)); err != nil || len(bd.Objects) != 1 || !strings.Contains(b, "203.0.113.77") {
		t.Errorf("STIX of the partner's indicators: %v %s", err, b)
	}
	if _, errs, code := runCLI(t, "", env, "export", "--format", "blocklist", "--data", dir); code != 2 || !strings.Contains(errs, "--kind") {
		t.Errorf("blocklist without --kind: exit %d %s", code, errs)
	}

	// Over HTTP, for the node's analyst (password) and the partner's
	// firewall (bearer token).
	proc := startNode(t, dir, env)
	get := func(path string, auth func(*http.Request)) string {
		t.Helper()
		req, err := http.NewRequest("GET", proc.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	for _, acct := range []struct {
		who  string
		auth func(*http.Request)
	}{
		{"O", func(r *http.Request) { r.SetBasicAuth("analyst", "analyst password 1") }},
		{"P", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }},
	} {
		checkRules(t, "HTTP "+acct.who, get("/api/v1/exports/suricata?collection=default", acct.auth), values, acct.who)
		checkZone(t, "HTTP "+acct.who, get("/api/v1/exports/rpz", acct.auth), values, acct.who)
		for _, path := range []string{"/api/v1/exports/blocklist?kind=ip,domain,url,md5,sha256", "/api/v1/exports/csv", "/api/v1/exports/stix"} {
			body := get(path, acct.auth)
			for _, v := range values {
				if v.readers == "" && strings.Contains(path, "stix") {
					continue // STIX carries what blocklists cannot
				}
				if got, want := strings.Contains(body, v.value), strings.Contains(v.readers, acct.who); got != want {
					t.Errorf("HTTP %s %s: %s present %v, want %v", acct.who, path, v.value, got, want)
				}
			}
		}
	}
}

// checkRules parses rules with suricata-update's parser and checks which
// values they hold.
func checkRules(t *testing.T, what, rules string, values []exportValue, who string) {
	t.Helper()
	parsed, err := exporttest.ParseSuricataRules([]byte(rules))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i, r := range parsed {
		if r == nil {
			t.Errorf("%s: rule %d does not parse", what, i+1)
		}
	}
	for _, v := range values {
		if strings.HasPrefix(v.value, "0123") || strings.HasPrefix(v.value, "abab") {
			continue // hashes are in the list files
		}
		if got, want := strings.Contains(rules, v.value), strings.Contains(v.readers, who); got != want {
			t.Errorf("%s: rules hold %s: %v, want %v", what, v.value, got, want)
		}
	}
}

// checkZone runs named-checkzone on a zone and checks which names it
// holds.
func checkZone(t *testing.T, what, zone string, values []exportValue, who string) {
	t.Helper()
	if _, err := exporttest.CheckZone("rpz.rampart.example", []byte(zone)); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, zone)
	}
	for name, v := range map[string]exportValue{
		"\ngreen-evil.example CNAME .": values[3], "\n*.amber-evil.example CNAME .": values[6],
		"\n32.66.113.0.203.rpz-ip CNAME .": values[8], "\n24.0.100.51.198.rpz-ip CNAME .": values[1],
		"\n128.10.zz.db8.2001.rpz-ip CNAME .": values[2], "\n32.77.113.0.203.rpz-ip CNAME .": values[9],
	} {
		if got, want := strings.Contains(zone, name), strings.Contains(v.readers, who); got != want {
			t.Errorf("%s: zone holds %q: %v, want %v", what, name, got, want)
		}
	}
}
