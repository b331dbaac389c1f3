package export_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/export"
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/sqlite"
)

var benchIndicators = flag.Int("indicators", 200_000, "indicators in the store of the export benchmarks")

// benchObjects returns n indicators: a fifth each of IPv4 addresses,
// domains, URLs, SHA-256 hashes, and IPv6 prefixes, as feeds bring them.
func benchObjects(b *testing.B, n int) []*stix.Object {
	objs := make([]*stix.Object, n)
	for i := range objs {
		var pat string
		switch i % 5 {
		case 0:
			pat = fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		case 1:
			pat = fmt.Sprintf("[domain-name:value = 'host-%d.evil.example']", i)
		case 2:
			pat = fmt.Sprintf("[url:value = 'http://site-%d.example/path/%d?x=1']", i%1000, i)
		case 3:
			pat = fmt.Sprintf("[file:hashes.'SHA-256' = '%064x']", i)
		case 4:
			pat = fmt.Sprintf("[ipv6-addr:value ISSUBSET '2001:db8:%x::/48']", i&0xffff)
		}
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"feed entry %d","confidence":70,"object_marking_refs":["%s"],"pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
			i, i, stix.TLPGreen.MarkingID(), pat)
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			b.Fatal(err)
		}
		objs[i] = o
	}
	return objs
}

// benchStore returns a SQLite store whose one collection holds n
// indicators.
func benchStore(b *testing.B, n int) (rampart.ObjectService, string) {
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "bench.db"))
	db.PatternValues = pattern.ValuesOf
	db.Synchronous = sqlite.SyncNormal
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	colls := sqlite.NewServices(db).Collections
	if err := colls.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "bench"}
	if err := colls.CreateCollection(ctx, c); err != nil {
		b.Fatal(err)
	}
	objects := sqlite.NewObjectService(db)
	objs := benchObjects(b, n)
	for i := 0; i < len(objs); i += 1000 {
		if _, err := objects.CreateObjects(ctx, c.ID, objs[i:min(i+1000, len(objs))]); err != nil {
			b.Fatal(err)
		}
	}
	return objects, c.ID
}

// BenchmarkExport reads -indicators indicators from a SQLite store
// (export.Collect) and writes them in each format: the whole of what
// "rampart export --format …" and GET /api/v1/exports/… do.
func BenchmarkExport(b *testing.B) {
	objects, coll := benchStore(b, *benchIndicators)
	for _, format := range []string{"suricata", "rpz", "csv"} {
		b.Run(format, func(b *testing.B) {
			var st export.Stats
			for b.Loop() {
				s, err := export.Collect(context.Background(), objects, []string{coll}, nil, export.Filter{}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if st, err = export.Write(io.Discard, format, s, export.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(*benchIndicators)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
			b.ReportMetric(float64(st.Records), "records")
		})
	}
}

// BenchmarkWrite writes a Set of -indicators indicators already read, to
// tell the writers' share from the reading's.
func BenchmarkWrite(b *testing.B) {
	s := export.NewSet(export.Filter{})
	for _, o := range benchObjects(b, *benchIndicators) {
		if err := s.Add(o, o.Modified.Time()); err != nil {
			b.Fatal(err)
		}
	}
	s.Done()
	for _, format := range []string{"suricata", "rpz"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if _, err := export.Write(io.Discard, format, s, export.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(*benchIndicators)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
		})
	}
}

// BenchmarkRead reads -indicators indicators into a Set (decoding and
// pattern parsing), without a store.
func BenchmarkRead(b *testing.B) {
	objs := benchObjects(b, *benchIndicators)
	for b.Loop() {
		s := export.NewSet(export.Filter{})
		for _, o := range objs {
			if err := s.Add(o, o.Modified.Time()); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(*benchIndicators)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
}
