package web

import (
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/export/exporttest"
	"github.com/rampart-cti/rampart/stix"
)

// get sends a GET as user with headers, and reads the answer whatever its
// type (exports are not JSON).
func (n *node) get(user, path string, header map[string]string) answer {
	n.t.Helper()
	req, err := http.NewRequest("GET", n.srv.URL+path, nil)
	must(n.t, err)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	must(n.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(b, &a.json)
	}
	return a
}

// exportIndicators stores indicators of every kind in the intel
// collection, one of them TLP:RED.
func exportIndicators(t *testing.T, n *node) {
	t.Helper()
	var objs []*stix.Object
	for i, c := range []struct{ pattern, extra string }{
		{`[ipv4-addr:value = '192.0.2.1']`, `"confidence":90,`},
		{`[domain-name:value = 'evil.example']`, ``},
		{`[url:value = 'http://evil.example/x']`, ``},
		{`[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`, ``},
		{`[ipv6-addr:value = '2001:db8::1']`, `"object_marking_refs":["` + stix.TLPRed.MarkingID() + `"],`},
		{`[domain-name:value LIKE '%.evil.example']`, ``},
	} {
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z",%s"pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, i+1, c.extra, c.pattern)
		o, err := stix.ParseObject([]byte(raw))
		must(t, err)
		objs = append(objs, o)
	}
	_, err := n.objects.CreateObjects(ctx, n.intelID, objs)
	must(t, err)
}

func TestExports(t *testing.T) {
	n := newNode(t)
	exportIndicators(t, n)
	for _, c := range []struct {
		path, ctype string
		want        []string
	}{
		{"/api/v1/exports/suricata", "text/plain; charset=utf-8", []string{"dns.query; dotprefix;", "filesha256:rampart-sha256.list;", "<> [192.0.2.1] any"}},
		{"/api/v1/exports/rpz?action=drop&ttl=60", "text/dns", []string{"$TTL 60\n", "evil.example CNAME rpz-drop.\n"}},
		{"/api/v1/exports/blocklist?kind=sha256", "text/plain; charset=utf-8", []string{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"}},
		{"/api/v1/exports/csv?min_confidence=80", "text/csv; charset=utf-8; header=present", []string{"indicator_id,type,value", "192.0.2.1"}},
		{"/api/v1/exports/stix?collection=" + n.intelID, "application/stix+json;version=2.1", []string{`"type":"bundle"`, `LIKE '%.evil.example'`}},
	} {
		a := n.get("analyst", c.path, nil)
		if a.status != 200 || a.header.Get("Content-Type") != c.ctype || a.header.Get("ETag") == "" || a.header.Get("Last-Modified") == "" {
			t.Errorf("GET %s: %d %v", c.path, a.status, a.header)
		}
		for _, w := range c.want {
			if !strings.Contains(a.body, w) {
				t.Errorf("GET %s lacks %q:\n%s", c.path, w, a.body)
			}
		}
		// Pulled again with the validators: nothing changed, 304.
		for _, h := range []map[string]string{{"If-None-Match": a.header.Get("ETag")}, {"If-Modified-Since": a.header.Get("Last-Modified")}} {
			if b := n.get("analyst", c.path, h); b.status != 304 || b.body != "" {
				t.Errorf("GET %s with %v: %d %q", c.path, h, b.status, b.body)
			}
		}
		if b := n.get("analyst", c.path, map[string]string{"If-None-Match": `"other"`}); b.status != 200 || b.body != a.body {
			t.Errorf("GET %s with another ETag: %d", c.path, b.status)
		}
	}
	// A new indicator changes the ETag and Last-Modified.
	before := n.get("analyst", "/api/v1/exports/blocklist?kind=ipv4", nil)
	o, err := stix.ParseObject([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000099","created":"2026-01-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.99']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`))
	must(t, err)
	_, err = n.objects.CreateObjects(ctx, n.intelID, []*stix.Object{o})
	must(t, err)
	after := n.get("analyst", "/api/v1/exports/blocklist?kind=ipv4", map[string]string{"If-None-Match": before.header.Get("ETag")})
	if after.status != 200 || after.body != "192.0.2.1\n192.0.2.99\n" || after.header.Get("ETag") == before.header.Get("ETag") {
		t.Errorf("after a new indicator: %d %q", after.status, after.body)
	}
}

func TestExportsParse(t *testing.T) {
	n := newNode(t)
	exportIndicators(t, n)
	a := n.get("analyst", "/api/v1/exports/suricata", nil)
	rules, err := exporttest.ParseSuricataRules([]byte(a.body))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) < 6 || a.status != 200 {
		t.Fatalf("%d rules: %d %s", len(rules), a.status, a.body)
	}
	for i, r := range rules {
		if r == nil {
			t.Errorf("rule %d does not parse", i+1)
		}
	}
	z := n.get("analyst", "/api/v1/exports/rpz", nil)
	if _, err := exporttest.CheckZone("rpz.example", []byte(z.body)); err != nil {
		t.Errorf("%v\n%s", err, z.body)
	}
}

func TestExportsRefuse(t *testing.T) {
	n := newNode(t)
	exportIndicators(t, n)
	for _, c := range []struct {
		user, path string
		status     int
		code, text string
	}{
		{"", "/api/v1/exports/suricata", 401, rampart.EUNAUTHORIZED, ""},
		{"analyst", "/api/v1/exports/snort", 404, rampart.ENOTFOUND, `no export format "snort"`},
		{"analyst", "/api/v1/exports/blocklist", 400, rampart.EINVALID, "kind="},
		{"analyst", "/api/v1/exports/blocklist?kind=ipv5", 400, rampart.EINVALID, `"ipv5"`},
		{"analyst", "/api/v1/exports/csv?min_confidence=101", 400, rampart.EINVALID, "min_confidence"},
		{"analyst", "/api/v1/exports/csv?max_age=soon", 400, rampart.EINVALID, "max_age"},
		{"analyst", "/api/v1/exports/csv?marking=purple", 400, rampart.EINVALID, "marking"},
		{"analyst", "/api/v1/exports/csv?producer=me", 400, rampart.EINVALID, "producer"},
		{"analyst", "/api/v1/exports/csv?colection=x", 400, rampart.EINVALID, `"colection"`},
		{"analyst", "/api/v1/exports/suricata?sid_base=4000000000&sid_range=1000000000", 400, rampart.EINVALID, "2^32"},
		{"analyst", "/api/v1/exports/rpz?action=redirect", 400, rampart.EINVALID, "action"},
		{"analyst", "/api/v1/exports/csv?collection=nowhere", 404, rampart.ENOTFOUND, `"nowhere"`},
		// The reader may read the coordination collection, not intel.
		{"reader", "/api/v1/exports/csv?collection=" + n.intelID, 403, rampart.EFORBIDDEN, "may not read"},
	} {
		a := n.get(c.user, c.path, nil)
		code, _ := a.json["error"].(map[string]any)["code"].(string)
		msg, _ := a.json["error"].(map[string]any)["message"].(string)
		if a.status != c.status || code != c.code || !strings.Contains(msg, c.text) {
			t.Errorf("%s GET %s: %d %s", c.user, c.path, a.status, a.body)
		}
	}
	// Without a collection, the reader reads the collections it may:
	// none holds an indicator.
	if a := n.get("reader", "/api/v1/exports/blocklist?kind=ip", nil); a.status != 200 || a.body != "" {
		t.Errorf("reader: %d %q", a.status, a.body)
	}
}
