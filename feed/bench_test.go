package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// listBody returns a list feed of n distinct IPv4 addresses.
func listBody(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
	}
	return b.String()
}

// BenchmarkParse reads a list feed of 100,000 addresses.
func BenchmarkParse(b *testing.B) {
	body := []byte(listBody(100_000))
	f := &Feed{Name: "b", Format: FormatList}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		n := 0
		for _, err := range Parse(f, body) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100_000 {
			b.Fatalf("%d values", n)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "values/s")
}

// BenchmarkRun runs a feed of 10,000 addresses into a store in memory that
// validates each indicator (its pattern compiled): the feed's own cost per
// value, fetching over loopback included, without a database.
func BenchmarkRun(b *testing.B) {
	const n = 10_000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(listBody(n)))
	}))
	defer srv.Close()
	for b.Loop() {
		f := &Feed{Name: "b", URL: srv.URL, Format: FormatList, Producer: "Bench"}
		var state State
		run := (&Runner{}).Run(context.Background(), f, newMemStore(), &state)
		if run.New != n {
			b.Fatal(run.Summary())
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "values/s")
}
