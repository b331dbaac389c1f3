package main

import (
	json "encoding/json/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/feed"
	"github.com/rampart-cti/rampart/internal/pgtest"
)

// TestEndToEndFeeds runs feeds inside "rampart serve": the samples of
// testdata/feeds served by a local HTTP server, defined with "rampart feed
// add … --interval 1s" while the node serves, run on their intervals, the
// indicators read back over TAXII, a feed that starts failing keeps what
// it stored, and a TAXII feed copies one collection into another.
func TestEndToEndFeeds(t *testing.T) {
	var flakyDown atomic.Bool
	mux := http.NewServeMux()
	mux.Handle("/feeds/", http.StripPrefix("/feeds/", http.FileServer(http.Dir("../../testdata/feeds"))))
	mux.HandleFunc("/flaky.txt", func(w http.ResponseWriter, r *http.Request) {
		if flakyDown.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		http.ServeFile(w, r, "../../testdata/feeds/blocklistde/imap.txt")
	})
	mux.HandleFunc("/login.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body>Please sign in</body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	proc := startNode(t, dir, env)
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, stdin, env, append(args, "--data", dir)...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	cli("", "feed", "add", "feodo", "--preset", "feodotracker", "--url", srv.URL+"/feeds/abusech-feodotracker/ipblocklist.json", "--interval", "1s")
	cli("", "feed", "add", "drop", "--preset", "spamhaus-drop", "--url", srv.URL+"/feeds/spamhaus-drop/drop.txt", "--interval", "1s", "--marking", "green")
	cli("", "feed", "add", "flaky", "--preset", "blocklistde", "--url", srv.URL+"/flaky.txt", "--interval", "1s")
	cli("", "feed", "add", "garbage", "--format", "csv", "--url", srv.URL+"/login.html", "--interval", "1s")

	runs := func(name string) []feed.Run {
		t.Helper()
		var rs []feed.Run
		if err := json.Unmarshal([]byte(cli("", "feed", "runs", name, "--json")), &rs); err != nil {
			t.Fatal(err)
		}
		return rs
	}
	hasRun := func(name string, status feed.Status) func() bool {
		return func() bool {
			for _, r := range runs(name) {
				if r.Status == status {
					return true
				}
			}
			return false
		}
	}
	waitFor(t, "feodo ran", 60*time.Second, hasRun("feodo", feed.StatusOK))
	waitFor(t, "drop ran", 60*time.Second, hasRun("drop", feed.StatusOK))
	waitFor(t, "flaky ran", 60*time.Second, hasRun("flaky", feed.StatusOK))
	waitFor(t, "garbage failed", 60*time.Second, hasRun("garbage", feed.StatusFailed))
	// A run again is answered 304 (the file server sends validators).
	waitFor(t, "feodo ran again, conditionally", 60*time.Second, hasRun("feodo", feed.StatusNotModified))

	if r := runs("feodo"); r[len(r)-1].New != 4 || r[len(r)-1].Failed != 0 {
		t.Errorf("feodo's first run: %+v", r[len(r)-1])
	}
	if r := runs("garbage"); !strings.Contains(r[0].Error, "HTML page") {
		t.Errorf("garbage: %+v", r[0])
	}

	colls := tt.get("/cti/collections/", "").json["collections"].([]any)
	coll := colls[0].(map[string]any)["id"].(string)
	objs := "/cti/collections/" + coll + "/objects/"
	indicators := func(c string) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, o := range tt.get("/cti/collections/"+c+"/objects/", "match[type]=indicator").objects() {
			out[o["id"].(string)] = o
		}
		return out
	}
	got := indicators(coll)
	// 4 Feodo IPs, 2 DROP blocks, 6 blocklist.de addresses.
	if len(got) != 12 {
		t.Errorf("indicators over TAXII: %d, want 12", len(got))
	}
	feodo := got[feed.IndicatorID("feodo", feed.KindIPv4, "51.178.161.32")]
	if feodo == nil || feodo["pattern"] != "[ipv4-addr:value = '51.178.161.32']" || feodo["valid_until"] == nil ||
		!strings.Contains(feodo["description"].(string), "Dridex") {
		t.Errorf("feodo indicator: %v", feodo)
	}
	drop := got[feed.IndicatorID("drop", feed.KindCIDR, "2a06:e480::/29")]
	if drop == nil || drop["pattern"] != "[ipv6-addr:value ISSUBSET '2a06:e480::/29']" || !strings.Contains(string(mustJSON(t, drop["object_marking_refs"])), "marking-definition--bab4a63c") {
		t.Errorf("drop indicator: %v", drop)
	}
	// Runs again never duplicate: one version of each.
	if vs := tt.get(objs, "match[type]=indicator&match[version]=all").objects(); len(vs) != 12 {
		t.Errorf("indicator versions: %d, want 12", len(vs))
	}

	// The flaky feed fails: its run is recorded with the reason, and what
	// it stored stays.
	flakyDown.Store(true)
	waitFor(t, "flaky failed", 60*time.Second, hasRun("flaky", feed.StatusFailed))
	if r := runs("flaky"); r[0].Status != feed.StatusFailed || !strings.Contains(r[0].Error, "503") || r[0].Expired != 0 {
		t.Errorf("flaky's failed run: %+v", r[0])
	}
	if got := indicators(coll); got[feed.IndicatorID("flaky", feed.KindIPv4, "192.0.2.4")] == nil || len(got) != 12 {
		t.Errorf("after the failure, %d indicators; the flaky feed's are gone", len(got))
	}

	// A TAXII feed copies the default collection into another one.
	mirrorID := strings.TrimSpace(cli("", "collection", "add", "Mirror", "--alias", "mirror"))
	token := strings.TrimSpace(cli("", "user", "token", "admin", "--label", "mirror feed"))
	cli(token+"\n", "feed", "add", "mirror", "--format", "taxii", "--url", proc.base+"/cti/collections/"+coll+"/",
		"--collection", "mirror", "--token-stdin", "--interval", "1s")
	waitFor(t, "the mirror holds the indicators", 60*time.Second, func() bool { return len(indicators(mirrorID)) == 12 })
	if list := cli("", "feed", "list"); strings.Contains(list, token) || !strings.Contains(list, "mirror") {
		t.Errorf("feed list shows the token, or not the feed:\n%s", list)
	}

	// Removed, a feed stops; its indicators stay.
	cli("", "feed", "remove", "feodo")
	if _, errs, code := runCLI(t, "", env, "feed", "runs", "feodo", "--data", dir); code != 1 || !strings.Contains(errs, `no feed "feodo"`) {
		t.Errorf("runs of a removed feed: exit %d %s", code, errs)
	}
	if got := indicators(coll); got[feed.IndicatorID("feodo", feed.KindIPv4, "51.178.161.32")] == nil {
		t.Errorf("removing the feed removed its indicators")
	}
	proc.stop()
	if !strings.Contains(proc.stderr.String(), `"msg":"feed run"`) {
		t.Errorf("serve did not log its feed runs")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEndToEndFeedRunCLI: "rampart feed run" on a node that does not
// serve: the summary on stdout, the failed lines on stderr with their
// numbers, exit status 1 when a line failed; a run again is unchanged
// (304 from a file server); a feed that fails is exit 1 with the reason.
func TestEndToEndFeedRunCLI(t *testing.T) { testFeedRunCLI(t, nil) }

// TestEndToEndFeedRunCLIPostgres: the same with the node's settings and
// objects in PostgreSQL.
func TestEndToEndFeedRunCLIPostgres(t *testing.T) {
	testFeedRunCLI(t, []string{"RAMPART_POSTGRES=" + pgtest.NewDatabase(t)})
}

func testFeedRunCLI(t *testing.T, storeEnv []string) {
	srv := httptest.NewServer(http.FileServer(http.Dir("../../testdata/feeds")))
	defer srv.Close()
	dir := t.TempDir()
	env := append([]string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}, storeEnv...)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return runCLI(t, "", env, append(args, "--data", dir)...)
	}
	if out, errs, code := run("init"); code != 0 {
		t.Fatalf("init: %d %s%s", code, out, errs)
	}
	// A dry run shows what the feed holds and stores nothing.
	out, errs, code := run("feed", "add", "drop", "--preset", "spamhaus-drop", "--url", srv.URL+"/spamhaus-drop/drop.txt", "--dry-run")
	if code != 0 || !strings.Contains(out, "line 5: cidr 1.4.0.0/17  [ipv4-addr:value ISSUBSET '1.4.0.0/17']") ||
		!strings.Contains(out, "drop: 242 bytes, 2 values (2 cidr), 0 failed, 0 skipped; nothing stored") {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errs)
	}
	if out, _, _ := run("feed", "list"); strings.Contains(out, "drop") {
		t.Errorf("a dry run defined the feed:\n%s", out)
	}
	if out, errs, code := run("feed", "add", "otx", "--preset", "otx", "--url", srv.URL+"/alienvault-otx/otx-pulses.json"); code != 0 {
		t.Fatalf("feed add: %d %s%s", code, out, errs)
	}
	out, errs, code = run("feed", "run", "otx")
	if code != 1 || !strings.Contains(out, "otx: ok, 95 fetched, 92 new, 0 updated, 0 unchanged, 0 expired, 1 failed, 1 skipped") ||
		!strings.Contains(errs, `rampart: error: feed otx: line 1278: "/woolen/" is not an absolute URL`) {
		t.Errorf("first run: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code = run("feed", "run", "otx"); code != 0 || !strings.Contains(out, "otx: not-modified") {
		t.Errorf("second run: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code = run("feed", "add", "gone", "--format", "list", "--url", srv.URL+"/nothing-here.txt"); code != 0 {
		t.Fatalf("feed add: %d %s%s", code, out, errs)
	}
	if out, errs, code = run("feed", "run", "gone"); code != 1 || !strings.Contains(out, "gone: failed") || !strings.Contains(out, "404") {
		t.Errorf("failing feed: exit %d\n%s%s", code, out, errs)
	}
	if out, _, code = run("feed", "runs", "otx"); code != 0 || !strings.Contains(out, "not-modified") || !strings.Contains(out, "line 1278") {
		t.Errorf("feed runs: exit %d\n%s", code, out)
	}
}
