package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEndToEndRetroHunt: a CSIRT learns on Tuesday of an address that hit
// its sensors on Monday. The node kept Monday's values; the indicator,
// posted over TAXII on Tuesday, finds them, and the sighting says when
// they were seen. A second version of the indicator does not sight them
// again.
func TestEndToEndRetroHunt(t *testing.T) {
	dir := t.TempDir()
	proc := startNode(t, dir, []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword})
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	coll := tt.get("/cti/collections/", "").json["collections"].([]any)[0].(map[string]any)["id"].(string)
	objs := "/cti/collections/" + coll + "/objects/"

	monday := time.Now().UTC().Add(-26 * time.Hour).Truncate(time.Hour)
	var log strings.Builder
	for i := range 3 {
		fmt.Fprintf(&log, `{"ts":%q,"network-traffic:src_ref.value":"10.1.1.%d","network-traffic:dst_ref.value":"203.0.113.77","domain-name:value":"www.mail.evil.example"}`+"\n", monday.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
	}
	r := tt.do(http.MethodPost, "/api/v1/observations", "", strings.NewReader(log.String()), "Content-Type", "application/x-ndjson", "Accept", "application/json")
	if r.status != 200 || r.json["matched"] != 0.0 {
		t.Fatalf("Monday's observations: %d %s", r.status, r.body)
	}

	ind := func(n int, pattern, modified string) string {
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-2222-4222-8222-222222222222","created":%q,"modified":%q,"pattern":%q,"pattern_type":"stix","valid_from":%q}`, n, now, modified, pattern, now)
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(
		ind(1, "[ipv4-addr:value ISSUBSET '203.0.113.0/24']", now),
		ind(2, "[domain-name:value LIKE '%.evil.example']", now),
		ind(3, "[ipv4-addr:value = '198.51.100.1']", now)))), 202)

	sightingsOf := func(id string) []map[string]any {
		var out []map[string]any
		for _, o := range tt.get(objs, "match[type]=sighting").objects() {
			if o["sighting_of_ref"] == id {
				out = append(out, o)
			}
		}
		return out
	}
	for _, n := range []int{1, 2} {
		id := fmt.Sprintf("indicator--%08x-2222-4222-8222-222222222222", n)
		waitFor(t, "the retro-hunt's sighting of "+id, 30*time.Second, func() bool { return len(sightingsOf(id)) > 0 })
		s := sightingsOf(id)
		if len(s) != 1 || s[0]["count"] != 3.0 || s[0]["first_seen"] != monday.Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("sightings of %s: %v; want one, count 3, first seen %s", id, s, monday.Format(time.RFC3339))
		}
	}
	if s := sightingsOf("indicator--00000003-2222-4222-8222-222222222222"); len(s) != 0 {
		t.Errorf("an address never seen was sighted: %v", s)
	}

	// A new version of the first indicator: Monday's values were hunted
	// when it first came, and are not sighted a second time.
	later := time.Now().UTC().Add(time.Second).Format("2006-01-02T15:04:05.000Z")
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(1, "[ipv4-addr:value ISSUBSET '203.0.113.0/24']", later)))), 202)
	time.Sleep(2 * time.Second)
	if s := sightingsOf("indicator--00000001-2222-4222-8222-222222222222"); len(s) != 1 {
		t.Errorf("after a new version of the indicator, %d sightings of it, want still 1", len(s))
	}

	// On demand, by the CLI beside the serving node.
	out, errOut, code := runCLI(t, "", nil, "hunt", "--data", dir, "--pattern", "[domain-name:value = 'www.mail.evil.example']", "--since", "2d")
	if code != 0 || !strings.Contains(out, "1 value seen since") || !strings.Contains(out, "1 sighting stored") {
		t.Errorf("rampart hunt --pattern: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", nil, "hunt", "--data", dir, "--pattern", "[domain-name:value MATCHES 'evil']")
	if code == 0 || !strings.Contains(errOut, "is not hunted: a LIKE or MATCHES comparison") {
		t.Errorf("rampart hunt of a MATCHES pattern: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", nil, "hunt", "--data", dir, "--indicator", "indicator--00000003-2222-4222-8222-222222222222", "--since", "2d")
	if code != 0 || !strings.Contains(out, "0 values seen since") {
		t.Errorf("rampart hunt --indicator: exit %d\n%s%s", code, out, errOut)
	}
}
