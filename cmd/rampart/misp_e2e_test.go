package main

import (
	"crypto/md5"
	"encoding/hex"
	json "encoding/json/v2"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	mispPartner  = "identity--5e2b8a1c-7c4d-4f6e-9a0b-1c2d3e4f5a6b"
	mispProducer = "4f1e2d3c-2b1a-4c9d-8e7f-6a5b4c3d2e1f"
	mispStranger = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
	mispGreen    = "11111111-aaaa-4bbb-8ccc-000000000001"
	mispRed      = "11111111-aaaa-4bbb-8ccc-000000000002"
	mispOwnOrg   = "11111111-aaaa-4bbb-8ccc-000000000003"
	mispShared   = "11111111-aaaa-4bbb-8ccc-000000000004"
)

// mispEvent is a small published MISP event of another organisation.
func mispEvent(uuid, dist, tag, domain, extra string) string {
	return `{"Event":{"uuid":"` + uuid + `","info":"event ` + uuid[len(uuid)-1:] + `","date":"2026-03-01","timestamp":"1772323200","published":true,` +
		`"distribution":"` + dist + `"` + extra + `,"Orgc":{"name":"Producer CSIRT","uuid":"` + mispProducer + `"},"Tag":[{"name":"` + tag + `"}],` +
		`"Attribute":[{"uuid":"` + uuid[:35] + `a","type":"domain","category":"Network activity","value":"` + domain + `","to_ids":true,` +
		`"Sighting":[{"uuid":"` + uuid[:35] + `b","type":"0","date_sighting":"1772326800","Organisation":{"name":"Producer CSIRT","uuid":"` + mispProducer + `"}}]},` +
		`{"uuid":"` + uuid[:35] + `c","type":"ip-dst","category":"Network activity","value":"198.51.100.` + uuid[len(uuid)-1:] + `","to_ids":false}]}}`
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestEndToEndMISP imports MISP event JSON, a fixture and a feed
// directory, exports misp and misp-feed, imports a feed over HTTP, and
// reads the node's served MISP feed as a partner's read account: what is
// TLP:RED or for the producer alone is absent, what a sharing group
// addresses to the partner is there.
func TestEndToEndMISP(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "node")
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		out, stderr, code := runCLI(t, stdin, env, append(args, "--data", data)...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
		return out
	}
	cli("", "init")
	cli("", "org", "add", mispPartner, "--name", "Partner CSIRT", "--relation", "partner", "--country", "DE")
	cli("reader password 1\n", "user", "add", "reader", "--org", mispPartner, "--password-stdin")
	cli("", "user", "grant", "reader", "default", "--read")
	token := strings.TrimSpace(cli("", "user", "token", "reader", "--label", "misp"))

	sg := `,"sharing_group_id":"1","SharingGroup":{"name":"DE+FR","SharingGroupOrg":[{"Organisation":{"name":"Partner","uuid":"` +
		strings.TrimPrefix(mispPartner, "identity--") + `"}},{"Organisation":{"name":"Stranger","uuid":"` + mispStranger + `"}}]}`
	events := `{"response":[` + strings.Join([]string{
		mispEvent(mispGreen, "3", "tlp:green", "green.example", ""),
		mispEvent(mispRed, "3", "tlp:red", "red.example", ""),
		mispEvent(mispOwnOrg, "0", "tlp:green", "own.example", ""),
		mispEvent(mispShared, "4", "tlp:amber", "shared.example", sg),
	}, ",") + `]}`
	file := filepath.Join(dir, "events.json")
	if err := os.WriteFile(file, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	fixture, _ := filepath.Abs("../../testdata/misp/pymisp-events/reportlab_testfiles/sighting_1.json")
	feedDir, _ := filepath.Abs("../../testdata/misp/feed")

	out := cli("", "import", file, fixture, feedDir)
	for _, want := range []string{
		"events.json: MISP: 4 events, 8 attributes, 4 indicators, 4 observables, 0 custom, 0 objects, 4 sightings, 0 galaxy clusters, 0 failures",
		"sighting_1.json: MISP: 1 events, 5 attributes, 5 indicators, 0 observables, 0 custom, 0 objects, 6 sightings, 1 galaxy clusters, 0 failures",
		"feed: MISP: 10 listed, 10 fetched, 0 unchanged; 10 events, 1288 attributes, 1288 indicators",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	// Again: nothing new.
	if out := cli("", "import", file); !strings.Contains(out, "0 imported") {
		t.Errorf("second import stored objects again:\n%s", out)
	}

	// A bad attribute and a bad event fail alone, with their position.
	bad := filepath.Join(dir, "bad.json")
	badDoc := `[{"Event":{"uuid":"22222222-aaaa-4bbb-8ccc-000000000001","info":"bad","Attribute":[` +
		`{"uuid":"22222222-aaaa-4bbb-8ccc-00000000000a","type":"ip-dst","value":"not an address","to_ids":true},` +
		`{"uuid":"22222222-aaaa-4bbb-8ccc-00000000000b","type":"domain","value":"good.example","to_ids":true}]}},{"Event":"x"}]`
	if err := os.WriteFile(bad, []byte(badDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "", env, "import", "--data", data, bad)
	if code != 1 || !strings.Contains(stderr, `bad.json: event 0 (uuid 22222222-aaaa-4bbb-8ccc-000000000001): attribute 0 (uuid 22222222-aaaa-4bbb-8ccc-00000000000a): ip-dst value "not an address"`) ||
		!strings.Contains(stderr, "bad.json: event 1: malformed event") || !strings.Contains(out, "1 indicators") {
		t.Errorf("import of bad MISP: exit %d\n%s%s", code, out, stderr)
	}

	// Export as MISP JSON: the events come back with their attributes.
	exported := filepath.Join(dir, "out.json")
	cli("", "export", "--format", "misp", "--output", exported)
	var back struct {
		Response []struct {
			Event struct {
				UUID      string `json:"uuid"`
				Attribute []struct {
					Type     string `json:"type"`
					Value    string `json:"value"`
					ToIDs    bool   `json:"to_ids"`
					Sighting []any  `json:"Sighting"`
				}
			}
		} `json:"response"`
	}
	raw, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Response) != 16 {
		t.Errorf("exported %d events, want 16", len(back.Response))
	}
	for _, e := range back.Response {
		if e.Event.UUID == mispGreen {
			a := e.Event.Attribute
			if len(a) != 2 || a[0].Value != "green.example" || !a[0].ToIDs || len(a[0].Sighting) != 1 || a[1].Type != "ip-dst" || a[1].ToIDs {
				t.Errorf("event %s exported as %+v", mispGreen, e.Event)
			}
		}
	}

	// Export as a MISP feed directory.
	feedOut := filepath.Join(dir, "feed-out")
	cli("", "export", "--format", "misp-feed", "--out", feedOut)
	manifest, err := os.ReadFile(filepath.Join(feedOut, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(manifest, &m); err != nil || len(m) != 16 {
		t.Errorf("feed manifest: %d events (%v), want 16", len(m), err)
	}
	if _, err := os.Stat(filepath.Join(feedOut, mispRed+".json")); err != nil {
		t.Errorf("the administrator's feed export lacks the RED event: %v", err)
	}

	// A feed over HTTP, and one that redirects in circles.
	feedSrv := httptest.NewServer(http.StripPrefix("/misp/", http.FileServer(http.Dir(feedOut))))
	defer feedSrv.Close()
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer loop.Close()
	data2 := filepath.Join(dir, "node2")
	if _, stderr, code := runCLI(t, "", env, "init", "--data", data2); code != 0 {
		t.Fatal(stderr)
	}
	out, stderr, code = runCLI(t, "", env, "import", "--data", data2, feedSrv.URL+"/misp/")
	if code != 0 || !strings.Contains(out, "16 listed, 16 fetched, 0 unchanged; 16 events") {
		t.Errorf("import of the feed over HTTP: exit %d\n%s%s", code, out, stderr)
	}
	_, stderr, code = runCLI(t, "", env, "import", "--data", data2, loop.URL+"/feed/")
	if code != 1 || !strings.Contains(stderr, "redirect") {
		t.Errorf("a redirect loop: exit %d, stderr %s", code, stderr)
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>not a feed</html>"))
	}))
	defer garbage.Close()
	_, stderr, code = runCLI(t, "", env, "import", "--data", data2, garbage.URL+"/feed/")
	if code != 1 || !strings.Contains(stderr, "manifest.json: not a MISP feed manifest") {
		t.Errorf("a feed answering garbage: exit %d, stderr %s", code, stderr)
	}

	// The served feed, as the partner's reader.
	proc := startNode(t, data, env)
	get := func(name, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, proc.base+"/misp/feed/"+name, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	bearer := "Bearer " + token
	if code, _ := get("manifest.json", ""); code != http.StatusUnauthorized {
		t.Errorf("manifest without credentials: %d, want 401", code)
	}
	code, body := get("manifest.json", bearer)
	if code != 200 {
		t.Fatalf("manifest: %d %s", code, body)
	}
	m = nil
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	var have []string
	for u := range m {
		have = append(have, u)
	}
	for _, u := range []string{mispGreen, mispShared, "06159a36-6012-5d68-bff5-7fac1110a2a6"} {
		if !slices.Contains(have, u) {
			t.Errorf("the partner's feed lacks event %s", u)
		}
	}
	for _, u := range []string{mispRed, mispOwnOrg} {
		if slices.Contains(have, u) {
			t.Errorf("the partner's feed lists event %s, which it may not read", u)
		}
		if code, _ := get(u+".json", bearer); code != http.StatusNotFound {
			t.Errorf("GET %s.json as the partner: %d, want 404", u, code)
		}
	}
	code, body = get(mispGreen+".json", bearer)
	if code != 200 || !strings.Contains(body, `"value":"green.example"`) {
		t.Errorf("GET %s.json: %d %.300s", mispGreen, code, body)
	}
	code, body = get("hashes.csv", bearer)
	if code != 200 || !strings.Contains(body, md5hex("green.example")+","+mispGreen) || strings.Contains(body, md5hex("red.example")) {
		t.Errorf("hashes.csv: %d; want green.example's hash, not red.example's", code)
	}
	// Basic authentication works as for the JSON API.
	req, _ := http.NewRequest(http.MethodGet, proc.base+"/misp/feed/manifest.json", nil)
	req.SetBasicAuth("reader", "reader password 1")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("manifest with Basic authentication: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
