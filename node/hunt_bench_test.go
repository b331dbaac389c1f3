package node

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

var benchArchiveRows = flag.Int("hunt.rows", 1_000_000, "rows (value, sensor, hour) in BenchmarkHunt's archive")

// BenchmarkHunt fills a SQLite node's archive with -hunt.rows rows (30
// days of hourly rows of distinct addresses and domains, as a busy
// sensor's values compact to) and times one retro-hunt of an exact
// address, a /16 block and a domain with its subdomains: "match" is the
// look-ups and the evaluation of what they return, "store" adds the
// sightings written (one per hour the values were seen in).
func BenchmarkHunt(b *testing.B) {
	ctx := context.Background()
	nd, err := Open(ctx, Config{DataDir: b.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		b.Fatal(err)
	}
	defer nd.Close()
	start := time.Now().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	t0 := time.Now()
	batch := make([]rampart.ArchivedValue, 0, 10_000)
	for i := range *benchArchiveRows {
		at := start.Add(time.Duration(i%720) * time.Hour)
		v := rampart.ArchivedValue{Path: "ipv4-addr:value", Value: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), First: at, Last: at, Count: 3}
		if i%2 == 1 {
			v = rampart.ArchivedValue{Path: "domain-name:value", Value: fmt.Sprintf("h%d.d%d.example", i, i%5000), First: at, Last: at, Count: 3}
		}
		if batch = append(batch, v); len(batch) == cap(batch) {
			if err := nd.Archive.ArchiveValues(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := nd.Archive.ArchiveValues(ctx, batch); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(*benchArchiveRows)/time.Since(t0).Seconds(), "archived-rows/s")
	coll, err := nd.FindCollection(ctx, DefaultAPIRoot, DefaultCollection)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, pattern string
		store         bool
	}{
		{"exact/match", "[ipv4-addr:value = '10.0.1.2']", false},
		{"cidr16/match", "[ipv4-addr:value ISSUBSET '10.3.0.0/16']", false},
		{"domain/match", "[domain-name:value LIKE '%.d77.example']", false},
		{"exact/store", "[ipv4-addr:value = '10.0.1.2']", true},
		{"cidr16/store", "[ipv4-addr:value ISSUBSET '10.3.0.0/16']", true},
		{"domain/store", "[domain-name:value LIKE '%.d77.example']", true},
	} {
		store := tc.store
		b.Run(tc.name, func(b *testing.B) {
			i := 0
			hits := 0
			for b.Loop() {
				i++
				o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
					stix.NameID("indicator", fmt.Sprint(tc.name, i)), tc.pattern))
				if err != nil {
					b.Fatal(err)
				}
				ind, err := match.ParseIndicator(o)
				if err != nil {
					b.Fatal(err)
				}
				if store {
					res, err := nd.Hunt(ctx, ind, start, coll.ID)
					if err != nil || res.Hits == 0 {
						b.Fatalf("hunt: %d hits, %v", res.Hits, err)
					}
					hits = res.Hits
					continue
				}
				st, err := match.Hunt(ctx, ind, archivePast{a: nd.Archive}, start, func(string, match.Hit) {})
				if err != nil || st.Hits == 0 {
					b.Fatalf("hunt: %d hits, %v", st.Hits, err)
				}
				hits = st.Hits
			}
			b.ReportMetric(float64(hits), "values")
		})
	}
}
