package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/feed"
)

// TestAdminFeeds: administrators see the feeds, their last runs and the
// failed lines, never a feed's key or the query of its URL; analysts see
// nothing.
func TestAdminFeeds(t *testing.T) {
	n := newNode(t)
	fs := feed.Settings{S: n.settings}
	f := &feed.Feed{Name: "drop", URL: "https://feeds.example/drop.txt?key=feed-key-42", Format: feed.FormatList,
		Token: "bearer-token-never-shown", Producer: "Spamhaus"}
	must(t, fs.AddFeed(ctx, f, false))
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	run := &feed.Run{Feed: "drop", Started: now, Finished: now.Add(time.Second), Status: feed.StatusOK, Fetched: 3, New: 2, Failed: 1,
		Failures: []feed.Failure{{Line: 7, Reason: `"nonsense" is not an address`}}}
	must(t, fs.SaveRun(ctx, run, feed.State{}))

	admin := n.consoleAs(t, "admin")
	list := admin.get("/console/admin/feeds")
	list.want(t, "feeds", http.StatusOK, "drop", "https://feeds.example/drop.txt?…", "2026-12-01 10:00 UTC", "ok")
	list.lacks(t, "feeds", "feed-key-42", "bearer-token-never-shown")
	one := admin.get("/console/admin/feeds/drop")
	one.want(t, "feed", http.StatusOK, "Spamhaus", "with a key, not shown", "line 7: &#34;nonsense&#34; is not an address")
	one.lacks(t, "feed", "feed-key-42", "bearer-token-never-shown")
	admin.get("/console/admin/feeds/nope").want(t, "no such feed", http.StatusNotFound, `no feed &#34;nope&#34;`)
	n.consoleAs(t, "analyst").get("/console/admin/feeds").want(t, "as an analyst", http.StatusForbidden, "administrators only")

	// The same over the JSON API, for administrators only.
	n.want(n.do("admin", "GET", "/api/v1/feeds", ""), 200, `"name":"drop"`, `"secrets":true`, `"new":2`, `drop.txt?…`)
	n.want(n.do("admin", "GET", "/api/v1/feeds/drop/runs", ""), 200, `"status":"ok"`, `"line":7`)
	n.want(n.do("admin", "GET", "/api/v1/feeds/nope/runs", ""), 404)
	n.want(n.do("analyst", "GET", "/api/v1/feeds", ""), 403)
	for _, path := range []string{"/api/v1/feeds", "/api/v1/feeds/drop/runs"} {
		if body := n.do("admin", "GET", path, "").body; strings.Contains(body, "feed-key-42") || strings.Contains(body, "bearer-token-never-shown") {
			t.Errorf("%s shows the feed's key: %s", path, body)
		}
	}
}
