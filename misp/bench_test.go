package misp

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

// BenchmarkConvert converts the ten TweetFeed events (1,288 to_ids
// attributes) and reports attributes converted per second, without a
// store: what the MISP side of an import costs.
//
//	go test -run '^$' -bench Convert -benchtime 20x ./misp/
func BenchmarkConvert(b *testing.B) {
	evs := feedEvents(b, filepath.Join(fixtureDir, "feed"))
	if len(evs) != 10 {
		b.Fatalf("read %d feed events", len(evs))
	}
	attrs := 0
	b.ResetTimer()
	for range b.N {
		c := NewConverter(nil)
		for i, ev := range evs {
			s, err := c.Convert(context.Background(), ev, "feed", i, func(*stix.Object) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
			attrs += s.Attributes
		}
	}
	b.ReportMetric(float64(attrs)/b.Elapsed().Seconds(), "attributes/s")
}
