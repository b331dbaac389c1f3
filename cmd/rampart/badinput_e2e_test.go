package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/internal/pgtest"
)

// TestEndToEndBadInputPostgres sends a node on PostgreSQL URLs and
// credentials that PostgreSQL cannot hold as text (NUL bytes, invalid
// UTF-8) and a malformed query: each must be refused as bad input (4xx),
// never reach the store and come back as an internal error (500), as they
// did before the HTTP surfaces checked them.
func TestEndToEndBadInputPostgres(t *testing.T) {
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword, "RAMPART_POSTGRES=" + pgtest.NewDatabase(t)}
	proc := startNode(t, t.TempDir(), env)
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	r := tt.get("/cti/collections/", "")
	tt.want(r, 200)
	coll := "/cti/collections/" + r.json["collections"].([]any)[0].(map[string]any)["id"].(string) + "/"
	const badUser = "ad\x00m\xffin"
	for _, q := range []struct {
		method, path string
		user         string
		want         int
	}{
		{"GET", "/cti/collections/%00/", "admin", 400},
		{"GET", "/%FF/collections/", "admin", 400},
		{"GET", "/cti/status/%00/", "admin", 400},
		{"GET", coll + "objects/indicator--%00/", "admin", 400},
		{"DELETE", coll + "objects/%FF/", "admin", 400},
		{"GET", coll + "objects/?match[id]=%00", "admin", 400},
		{"GET", coll + "manifest/?match[type]=%FF", "admin", 400},
		{"GET", coll + "objects/?limit=%zz", "admin", 400},
		{"GET", "/api/v1/incidents/%00", "admin", 400},
		{"POST", "/api/v1/observations?collection=%00", "admin", 400},
		{"GET", "/cti/", badUser, 401},
		{"GET", "/api/v1/", badUser, 401},
	} {
		req, err := http.NewRequest(q.method, proc.base+q.path, strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(q.user, e2ePassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != q.want {
			t.Errorf("%s %s as %q: %d %s, want %d", q.method, q.path, q.user, resp.StatusCode, body, q.want)
		}
	}
	if strings.Contains(proc.stderr.String(), "internal error") {
		t.Errorf("the node logged internal errors:\n%s", proc.stderr.String())
	}
}
