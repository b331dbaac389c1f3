package node

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/feed"
)

// TestRunFeed runs a feed into the node's store: indicators land in the
// feed's collection, a second run updates rather than duplicates, runs are
// recorded in the settings, a failing feed keeps what was stored, and a
// feed leased by another process is not run twice.
func TestRunFeed(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "192.0.2.1\nevil.example\nbad line!\n")
	}))
	defer srv.Close()
	f := &feed.Feed{Name: "t", URL: srv.URL, Format: feed.FormatList, Producer: "Example"}
	if err := n.Feeds().AddFeed(ctx, f, false); err != nil {
		t.Fatal(err)
	}
	if err := n.Feeds().AddFeed(ctx, f, false); rampart.ErrorCode(err) != rampart.ECONFLICT {
		t.Errorf("adding a feed twice: %v", err)
	}
	run, err := n.RunFeed(ctx, "t", "test", nil)
	if err != nil || run.Status != feed.StatusOK || run.New != 2 || run.Failed != 1 {
		t.Fatalf("first run: %+v %v", run, err)
	}
	c, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, Types: []string{"indicator"}, Versions: []string{rampart.VersionAll}})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Versions)
	}
	if got := count(); got != 2 {
		t.Fatalf("indicator versions stored: %d, want 2", got)
	}
	index := func() int64 {
		set, err := n.Settings.FindSetting(ctx, "feed-index/t")
		if err != nil {
			t.Fatal(err)
		}
		return set.Version
	}
	before := index()
	if run, _ = n.RunFeed(ctx, "t", "test", nil); run.Unchanged != 2 || count() != 2 {
		t.Errorf("second run: %s, %d versions", run.Summary(), count())
	}
	if index() != before {
		t.Errorf("a run that changed nothing wrote the index again")
	}
	down.Store(true)
	if run, _ = n.RunFeed(ctx, "t", "test", nil); run.Status != feed.StatusFailed || !strings.Contains(run.Error, "500") || count() != 2 {
		t.Errorf("failing run: %s, %d versions", run.Summary(), count())
	}
	rec, err := n.Feeds().Record(ctx, "t")
	if err != nil || len(rec.Runs) != 3 || rec.Runs[0].Status != feed.StatusFailed || len(rec.State.Known) != 2 {
		t.Errorf("record: %+v %v", rec, err)
	}
	// A feed replaced forgets the validators of its last answer.
	if err := n.Feeds().SaveRun(ctx, &feed.Run{Feed: "t", Status: feed.StatusOK}, feed.State{ETag: `"v1"`}); err != nil {
		t.Fatal(err)
	}
	f.Description = "1"
	if err := n.Feeds().AddFeed(ctx, f, true); err != nil {
		t.Fatal(err)
	}
	if rec, err := n.Feeds().Record(ctx, "t"); err != nil || rec.State.ETag != "" || len(rec.Runs) != 4 {
		t.Errorf("after replacing the feed: %+v %v", rec, err)
	}
	f.Description = ""
	// A feed whose collection does not exist fails, recorded.
	f.Name, f.Collection = "lost", "no-such-collection"
	if err := n.Feeds().AddFeed(ctx, f, false); err != nil {
		t.Fatal(err)
	}
	if run, err := n.RunFeed(ctx, "lost", "test", nil); err != nil || run.Status != feed.StatusFailed || !strings.Contains(run.Error, `no collection "no-such-collection"`) {
		t.Errorf("feed without its collection: %+v %v", run, err)
	}
	if last, _ := n.Feeds().LastRun(ctx, "lost"); last == nil || last.Status != feed.StatusFailed {
		t.Errorf("the failure is not recorded: %+v", last)
	}
	// Another process holds the lease.
	if err := n.Feeds().Acquire(ctx, "t", "other", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := n.RunFeed(ctx, "t", "test", nil); rampart.ErrorCode(err) != rampart.ECONFLICT || !strings.Contains(err.Error(), "other") {
		t.Errorf("run while leased: %v", err)
	}
	if err := n.Feeds().RemoveFeed(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.RunFeed(ctx, "t", "test", nil); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("run of a removed feed: %v", err)
	}
}

func TestSplitCollectionURL(t *testing.T) {
	for _, c := range []struct{ in, base, root, coll string }{
		{"https://cti.example/cti/collections/abc/", "https://cti.example", "cti", "abc"},
		{"https://cti.example:8443/taxii/api1/collections/91a7/objects/", "https://cti.example:8443/taxii", "api1", "91a7"},
	} {
		base, root, coll, err := splitCollectionURL(c.in)
		if err != nil || base != c.base || root != c.root || coll != c.coll {
			t.Errorf("%s: %s %s %s %v", c.in, base, root, coll, err)
		}
	}
	if _, _, _, err := splitCollectionURL("https://cti.example/feed.txt"); err == nil {
		t.Error("a URL without a collection was accepted")
	}
}

// TestFeedScheduler: the scheduler runs feeds on their intervals, picks
// up a feed added while it runs, and at shutdown cancels a run in
// progress, which is recorded as cancelled.
func TestFeedScheduler(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	hung := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			select {
			case hung <- struct{}{}:
			default:
			}
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "192.0.2.1\n")
	}))
	defer srv.Close()
	add := func(name, path string) {
		t.Helper()
		if err := n.Feeds().AddFeed(ctx, &feed.Feed{Name: name, URL: srv.URL + path, Format: feed.FormatList, Interval: feed.Duration{D: time.Second}}, false); err != nil {
			t.Fatal(err)
		}
	}
	add("quick", "/list")
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { n.runFeeds(sctx); close(done) }()
	runs := func(name string) []*feed.Run {
		rec, err := n.Feeds().Record(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Runs
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(runs("quick")) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the feed did not run twice: %d runs", len(runs("quick")))
		}
		time.Sleep(100 * time.Millisecond)
	}
	add("slow", "/hang")
	select {
	case <-hung:
	case <-time.After(30 * time.Second):
		t.Fatal("a feed added while the scheduler runs was not run")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
	if r := runs("slow"); len(r) != 1 || r[0].Status != feed.StatusCancelled {
		t.Errorf("the run in progress at shutdown: %+v", r)
	}
	if err := n.Feeds().Acquire(ctx, "slow", "other", time.Now().Add(time.Minute)); err != nil {
		t.Errorf("the cancelled run kept its lease: %v", err)
	}
}

// TestRunMISPFeed: a misp feed is read with the MISP converter: the
// events of the real feed sample become indicators and reports, and a
// second run with nothing new stores nothing.
func TestRunMISPFeed(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(http.FileServer(http.Dir("../testdata/misp/feed")))
	defer srv.Close()
	if err := n.Feeds().AddFeed(ctx, &feed.Feed{Name: "circl", URL: srv.URL + "/", Format: feed.FormatMISP}, false); err != nil {
		t.Fatal(err)
	}
	run, err := n.RunFeed(ctx, "circl", "test", nil)
	if err != nil || run.Status != feed.StatusOK || run.New == 0 {
		t.Fatalf("first run: %+v %v", run, err)
	}
	c, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, Types: []string{"report", "grouping"}})
	if err != nil || len(page.Versions) == 0 {
		t.Fatalf("no report or grouping stored from the MISP feed: %v", err)
	}
	again, err := n.RunFeed(ctx, "circl", "test", nil)
	if err != nil || again.Status == feed.StatusFailed || again.New != 0 {
		t.Errorf("second run: %+v %v", again, err)
	}
}
