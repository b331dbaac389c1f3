package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const publicDNSList = "../../testdata/warninglists/lists/public-dns-v4/list.json"

func ipIndicatorJSON(n int, ip string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-2222-4222-8222-222222222222","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`, n, ip)
}

// TestEndToEndWarninglists: with the real binary, "rampart warninglist
// add" makes "rampart match" suppress the match of 8.8.8.8 (no sighting,
// counted), removing the list brings the sighting back, and policy drop
// makes "rampart import" refuse an indicator of a listed value alone.
func TestEndToEndWarninglists(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(want int, args ...string) (string, string) {
		t.Helper()
		out, errOut, code := runCLI(t, "", env, args...)
		if code != want {
			t.Fatalf("rampart %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out, errOut
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cli(0, "init", "--data", data)
	noDecay(t, data, env, false)
	out, _ := cli(0, "warninglist", "add", "--data", data, publicDNSList)
	if !strings.Contains(out, "added public-dns-v4 (List of known IPv4 public DNS resolvers): cidr, 20 entries") {
		t.Errorf("warninglist add: %s", out)
	}
	out, _ = cli(0, "warninglist", "check", "--data", data, "8.8.8.8")
	if !strings.Contains(out, "public-dns-v4: List of known IPv4 public DNS resolvers (entry 8.8.8.8)") {
		t.Errorf("warninglist check 8.8.8.8: %s", out)
	}
	bundle := write("feed.json", `{"type":"bundle","id":"bundle--7d2c0c4e-1d0e-4e57-9f2b-2f7f5fd0b7a1","objects":[`+
		ipIndicatorJSON(1, "8.8.8.8")+","+ipIndicatorJSON(2, "185.199.108.50")+`]}`)
	if out, errOut := cli(0, "import", "--data", data, bundle); !strings.Contains(out+errOut, "2 imported") {
		t.Errorf("import under policy flag: %s%s", out, errOut)
	}
	log := write("dns.jsonl", `{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"8.8.8.8"}
{"ts":"2026-03-01T10:00:01Z","ipv4-addr:value":"8.8.8.8"}
{"ts":"2026-03-01T10:00:02Z","ipv4-addr:value":"185.199.108.50"}
`)
	match := func() (sightings []string, errOut string) {
		t.Helper()
		out, errOut := cli(0, "match", "--data", data, "--collection", "default", "--input", log)
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, `"type":"sighting"`) {
				sightings = append(sightings, line)
			}
		}
		return sightings, errOut
	}
	s, errOut := match()
	if len(s) != 1 || !strings.Contains(s[0], "indicator--00000002-2222") {
		t.Errorf("with the list: sightings %v, want one of the indicator of 185.199.108.50\n%s", s, errOut)
	}
	if !strings.Contains(errOut, "2 matches on warninglists suppressed") {
		t.Errorf("the summary does not count the suppressed matches:\n%s", errOut)
	}
	// Without a store, lists from files.
	out, errOut = cli(0, "match", "--indicators", bundle, "--warninglist", publicDNSList, "--input", log)
	if n := strings.Count(out, `"type":"sighting"`); n != 1 || !strings.Contains(errOut, "2 matches on warninglists suppressed") {
		t.Errorf("match --warninglist FILE: %d sightings, want 1\n%s", n, errOut)
	}
	cli(0, "warninglist", "remove", "--data", data, "public-dns-v4")
	if s, errOut = match(); len(s) != 2 || strings.Contains(errOut, "suppressed") {
		t.Errorf("without the list: %d sightings, want 2\n%s", len(s), errOut)
	}

	cli(0, "warninglist", "add", "--data", data, publicDNSList)
	cli(0, "warninglist", "policy", "--data", data, "drop")
	dropped := write("drop.json", `{"type":"bundle","id":"bundle--8d2c0c4e-1d0e-4e57-9f2b-2f7f5fd0b7a1","objects":[`+
		ipIndicatorJSON(3, "1.1.1.1")+","+ipIndicatorJSON(4, "185.199.108.51")+`]}`)
	out, errOut = cli(1, "import", "--data", data, dropped)
	if !strings.Contains(errOut, "value 1.1.1.1 is on warninglist 'List of known IPv4 public DNS resolvers'") || !strings.Contains(out+errOut, "1 imported") {
		t.Errorf("import under policy drop:\n%s", errOut)
	}
	// A bad list file fails with its name and reason.
	bad := write("bad.json", `{"name":"x","version":1,"description":"d","type":"glob","list":[]}`)
	if _, errOut = cli(1, "warninglist", "add", "--data", data, bad); !strings.Contains(errOut, bad+`: type "glob" is not one of`) {
		t.Errorf("bad list file:\n%s", errOut)
	}
}

// TestEndToEndWarninglistsServing: a serving node applies a list added by
// another process ("rampart warninglist add" on its data directory)
// without a restart: the observation endpoint stores no sighting for
// 8.8.8.8 and says how many matches it suppressed.
func TestEndToEndWarninglistsServing(t *testing.T) {
	dir := t.TempDir()
	noDecay(t, dir, []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}, true)
	proc := startNode(t, dir, []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword})
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	coll := tt.get("/cti/collections/", "").json["collections"].([]any)[0].(map[string]any)["id"].(string)
	tt.want(tt.do(http.MethodPost, "/cti/collections/"+coll+"/objects/", "", strings.NewReader(envelope(ipIndicatorJSON(1, "8.8.8.8")))), 202)
	observe := func() *taxiiResponse {
		t.Helper()
		return tt.do(http.MethodPost, "/api/v1/observations", "", strings.NewReader(`{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"8.8.8.8"}`+"\n"),
			"Content-Type", "application/x-ndjson", "Accept", "application/json")
	}
	if r := observe(); r.status != 200 || r.json["sightings"] != 1.0 {
		t.Fatalf("before the list: %d %s", r.status, r.body)
	}
	if out, errOut, code := runCLI(t, "", nil, "warninglist", "add", "--data", dir, publicDNSList); code != 0 {
		t.Fatalf("warninglist add while serving: exit %d\n%s%s", code, out, errOut)
	}
	r := observe()
	if r.status != 200 || r.json["sightings"] != 0.0 || r.json["suppressed_by_warninglists"] != 1.0 {
		t.Errorf("after the list was added: %d %s", r.status, r.body)
	}
	resp, err := http.Get(proc.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(mb), "\nrampart_warninglist_suppressed_total 1\n") {
		t.Errorf("metrics do not count the suppressed match:\n%s", mb)
	}

	// Policy drop, set by another process, reaches TAXII POST: an
	// indicator of a listed value fails alone with the reason.
	if out, errOut, code := runCLI(t, "", nil, "warninglist", "policy", "--data", dir, "drop"); code != 0 {
		t.Fatalf("warninglist policy drop while serving: exit %d\n%s%s", code, out, errOut)
	}
	n := 10
	waitFor(t, "TAXII POST refuses an indicator of 1.1.1.1", 15*time.Second, func() bool {
		n++
		r := tt.do(http.MethodPost, "/cti/collections/"+coll+"/objects/", "", strings.NewReader(envelope(ipIndicatorJSON(n, "1.1.1.1"), ipIndicatorJSON(1000+n, "185.199.108.60"))))
		return r.status == 202 && strings.Contains(string(r.body), "value 1.1.1.1 is on warninglist 'List of known IPv4 public DNS resolvers'") &&
			r.json["success_count"] == 1.0 && r.json["failure_count"] == 1.0
	})
}
