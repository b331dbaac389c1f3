package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestEndToEndMatching: the node's matcher follows its store. Indicators
// posted through TAXII match observations posted to the JSON API at once;
// a revoked or deleted indicator stops matching; after a restart the
// matcher is rebuilt from the store; sightings are served by TAXII.
func TestEndToEndMatching(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	node := startNode(t, dir, env)
	tt := &taxiiTester{t: t, base: node.base, user: "admin", pass: e2ePassword}
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

	// After a restart the matcher is rebuilt from the store.
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(3, "[domain-name:value = 'fine.example']", "")))), 202)
	node.stop()
	node = startNode(t, dir, env)
	tt.base = node.base
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
