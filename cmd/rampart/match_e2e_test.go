package main

import (
	json "encoding/json/v2"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEndToEndMatching: the node's matcher follows its store. Indicators
// posted through TAXII match observations posted to the JSON API at once;
// a revoked or deleted indicator stops matching; after a restart the
// matcher is rebuilt from the store; sightings are served by TAXII.
func TestEndToEndMatching(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	noDecay(t, dir, env, true)
	proc := startNode(t, dir, env)
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	coll := tt.get("/cti/collections/", "").json["collections"].([]any)[0].(map[string]any)["id"].(string)
	objs := "/cti/collections/" + coll + "/objects/"
	ind := func(n int, pattern, extra string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-1111-4111-8111-111111111111","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":%q,"pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"%s}`, n, pattern, extra)
	}
	observe := func(query, body string) *taxiiResponse {
		t.Helper()
		return tt.do(http.MethodPost, "/api/v1/observations", query, strings.NewReader(body), "Content-Type", "application/x-ndjson", "Accept", "application/json")
	}
	log := `{"ts":"2026-03-01T10:00:00Z","domain-name:value":"evil.example"}
{"ts":"2026-03-01T10:01:00Z","ipv4-addr:value":"203.0.113.77"}
not json
{"ts":"2026-03-01T10:02:00Z","domain-name:value":"fine.example"}
`
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(1, "[domain-name:value = 'evil.example']", "")))), 202)

	r := observe("", log)
	if r.status != 200 || r.json["matched"] != 1.0 || r.json["sightings"] != 1.0 || r.json["malformed"] != 1.0 {
		t.Fatalf("observations: %d %s", r.status, r.body)
	}
	if !strings.Contains(fmt.Sprint(r.json["errors"]), "line:3") {
		t.Errorf("the malformed line is not reported by number: %s", r.body)
	}
	sightings := tt.get(objs, "match[type]=sighting")
	if len(sightings.objects()) != 1 || sightings.objects()[0]["sighting_of_ref"] != "indicator--00000001-1111-4111-8111-111111111111" {
		t.Fatalf("sightings over TAXII: %s", sightings.body)
	}

	// A new indicator takes effect without a restart.
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(2, "[ipv4-addr:value ISSUBSET '203.0.113.0/24']", "")))), 202)
	if r = observe("", log); r.json["matched"] != 2.0 {
		t.Errorf("after adding a CIDR indicator: %s", r.body)
	}
	// Revoking one, and deleting the other, take effect at once too.
	revoked := strings.Replace(ind(1, "[domain-name:value = 'evil.example']", `,"revoked":true`), `"modified":"2026-03-01T00:00:00.000Z"`, `"modified":"2026-03-02T00:00:00.000Z"`, 1)
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(revoked))), 202)
	if r = observe("", log); r.json["matched"] != 1.0 {
		t.Errorf("after revoking the domain indicator: %s", r.body)
	}
	tt.want(tt.do(http.MethodDelete, objs+"indicator--00000002-1111-4111-8111-111111111111/", "", nil), 200)
	if r = observe("", log); r.json["matched"] != 0.0 {
		t.Errorf("after deleting the CIDR indicator: %s", r.body)
	}

	// An indicator imported by another process, "rampart import" on the
	// same data directory while the node serves, reaches the matcher
	// through the store's change feed.
	in := filepath.Join(t.TempDir(), "imported.json")
	if err := os.WriteFile(in, []byte(`{"type":"bundle","id":"bundle--5b1c0c4e-1d0e-4e57-9f2b-2f7f5fd0b7a1","objects":[`+ind(4, "[domain-name:value = 'imported.example']", "")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "", nil, "import", "--data", dir, in); code != 0 || !strings.Contains(errOut+out, "1 imported") {
		t.Fatalf("import while serving: exit %d\n%s%s", code, out, errOut)
	}
	imported := `{"ts":"2026-03-01T10:03:00Z","domain-name:value":"imported.example"}` + "\n"
	waitFor(t, "the serving node matches the indicator another process imported", 30*time.Second, func() bool {
		return observe("", imported).json["matched"] == 1.0
	})

	// After a restart the matcher is rebuilt from the store.
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(3, "[domain-name:value = 'fine.example']", "")))), 202)
	proc.stop()
	proc = startNode(t, dir, env)
	tt.base = proc.base
	if r = observe("", log); r.json["matched"] != 1.0 {
		t.Errorf("after a restart: %s", r.body)
	}

	// Bad requests say what is wrong.
	for _, c := range []struct{ query, want string }{
		{"format=xml", `format \"xml\" is not one of`},
		{"mapping=/etc/passwd", "is not one of the built-in mappings"},
		{"window=soon", `window \"soon\" is not a positive duration`},
		{"colour=red", `unknown query parameter \"colour\"`},
		{"collection=nope", `no collection \"nope\"`},
	} {
		r := observe(c.query, log)
		if r.status/100 != 4 || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s", c.query, r.status, r.body)
		}
	}
}

// TestEndToEndObservationSightingsNameTheNode checks that sightings of
// observations posted to the JSON API name the node's organisation in
// where_sighted_refs and created_by_ref. They once named nobody, so early
// warning, which counts a sighting for the member state where it was
// sighted, never counted the node's own detections.
func TestEndToEndObservationSightingsNameTheNode(t *testing.T) {
	const org = "identity--7f2c2a3e-1c0b-4d8e-9a51-0c6f7d3b2a11"
	n := startE2ENode(t, &e2eSetup{org: org, name: "CERT-FR", country: "FR", noDecay: true})
	n.post(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000001-2222-4222-8222-222222222222","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`)
	status, body := n.request("POST", "/api/v1/observations", "application/x-ndjson", []byte(`{"ts":"2026-03-01T10:00:00Z","domain-name:value":"evil.example"}`+"\n"))
	if status != 200 || !strings.Contains(string(body), `"sightings":1`) {
		t.Fatalf("observations: %d %s", status, body)
	}
	sightings := n.objects("match[type]=sighting")
	if len(sightings) != 1 {
		t.Fatalf("%d sightings, want 1", len(sightings))
	}
	var s struct {
		Where     []string `json:"where_sighted_refs"`
		CreatedBy string   `json:"created_by_ref"`
	}
	if err := json.Unmarshal([]byte(sightings[0]), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Where) != 1 || s.Where[0] != org || s.CreatedBy != org {
		t.Errorf("sighting names %v (created by %q), want %s: %s", s.Where, s.CreatedBy, org, sightings[0])
	}
}
