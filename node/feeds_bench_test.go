package node

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/feed"
)

// BenchmarkRunFeed runs a list feed of 20,000 addresses into a SQLite
// node: each iteration a first run (20,000 new indicators) and a second
// (20,000 unchanged, nothing written).
func BenchmarkRunFeed(b *testing.B) {
	const n = 20_000
	var body strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&body, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(body.String()))
	}))
	defer srv.Close()
	ctx := context.Background()
	nd, err := Open(ctx, Config{DataDir: b.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		b.Fatal(err)
	}
	defer nd.Close()
	i := 0
	var took [2]time.Duration
	for b.Loop() {
		name := fmt.Sprintf("bench%d", i)
		i++
		if err := nd.Feeds().AddFeed(ctx, &feed.Feed{Name: name, URL: srv.URL, Format: feed.FormatList}, false); err != nil {
			b.Fatal(err)
		}
		for k, want := range []string{"new", "unchanged"} {
			start := time.Now()
			run, err := nd.RunFeed(ctx, name, "bench", nil)
			took[k] += time.Since(start)
			if err != nil || run.Status != feed.StatusOK || want == "new" && run.New != n || want == "unchanged" && run.Unchanged != n {
				b.Fatalf("%v %v", run, err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/took[0].Seconds(), "new/s")
	b.ReportMetric(float64(n*b.N)/took[1].Seconds(), "unchanged/s")
}
