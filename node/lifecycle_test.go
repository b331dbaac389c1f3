package node

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/stix"
)

const testOrg = "identity--11111111-1111-4111-8111-111111111111"

// clock is a settable time for a Lifecycle.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testLifecycle(c *clock, s lifecycle.Settings) *Lifecycle {
	return &Lifecycle{now: c.now, own: testOrg, settings: s, scorer: lifecycle.NewScorer(s, testOrg), sighted: map[string]*lifecycle.Facts{}}
}

func addressIndicator(t testing.TB, i int, validFrom time.Time) *stix.Object {
	t.Helper()
	ts := validFrom.UTC().Format("2006-01-02T15:04:05.000Z")
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"%s","modified":"%s","confidence":80,"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"%s"}`, i, ts, ts, i, ts))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func sightingOf(t testing.TB, i int, ind string, by string, seen time.Time, extra string) *stix.Object {
	t.Helper()
	ts := seen.UTC().Format("2006-01-02T15:04:05.000Z")
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-%012d","created":"%s","modified":"%s","created_by_ref":"%s","sighting_of_ref":"%s","last_seen":"%s"%s}`, i, ts, ts, by, ind, ts, extra))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestMatcherLeavesOutDecayed: an aged indicator never enters the
// matcher; a fresh one leaves it when it decays (Recheck), comes back when
// a sensor sights it, and leaves at once when the node's organisation
// reports it a false positive.
func TestMatcherLeavesOutDecayed(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	store := newMemStore()
	m := NewMatcher(store, twoCollections{}, nil)
	m.Lifecycle = testLifecycle(c, lifecycle.Settings{})
	fresh := addressIndicator(t, 1, c.t.Add(-time.Hour))
	aged := addressIndicator(t, 2, c.t.Add(-60*24*time.Hour))
	if _, err := store.CreateObjects(ctx, "c1", []*stix.Object{fresh, aged}); err != nil {
		t.Fatal(err)
	}
	m.ObjectsAdded(ctx, "c1", versionsOf(fresh, aged))
	m.Flush()
	if m.M.Len() != 1 || m.Decayed() != 1 {
		t.Fatalf("matcher holds %d, %d decayed; want the fresh one, the aged one out", m.M.Len(), m.Decayed())
	}

	// 30-day model, speed 2, base 80: below 20 after 16.9 days.
	c.t = c.t.Add(16 * 24 * time.Hour)
	if out, back := m.Recheck(ctx); out != 0 || back != 0 || m.M.Len() != 1 {
		t.Fatalf("after 16 days: %d out, %d back, %d held; want the fresh one still held", out, back, m.M.Len())
	}
	c.t = c.t.Add(24 * time.Hour)
	if out, _ := m.Recheck(ctx); out != 1 || m.M.Len() != 0 {
		t.Fatalf("after 17 days: %d out, %d held; want it decayed", out, m.M.Len())
	}

	// A true sighting restarts its decay: back in.
	m.ObjectsAdded(ctx, "c1", versionsOf(sightingOf(t, 1, fresh.ID, "identity--22222222-2222-4222-8222-222222222222", c.t.Add(-time.Minute), "")))
	m.Flush()
	if m.M.Len() != 1 || m.Decayed() != 1 {
		t.Fatalf("after a sighting: %d held, %d decayed; want it back", m.M.Len(), m.Decayed())
	}

	// The node's own false-positive report: out before the next match.
	m.ObjectsAdded(ctx, "c1", versionsOf(sightingOf(t, 2, fresh.ID, testOrg, c.t, `,"x_rampart_false_positive":true`)))
	m.Flush()
	if m.M.Len() != 0 || m.Decayed() != 2 {
		t.Fatalf("after a false positive: %d held, %d decayed; want none held", m.M.Len(), m.Decayed())
	}

	// Threshold 0 brings every indicator back.
	zero := 0.0
	m.Lifecycle.SetSettings(lifecycle.Settings{Threshold: &zero})
	if _, back := m.Recheck(ctx); back != 2 || m.M.Len() != 2 {
		t.Fatalf("threshold 0: %d back, %d held; want both", back, m.M.Len())
	}
}

// TestIndicatorFacts reads the type, feed and dates of an indicator.
func TestIndicatorFacts(t *testing.T) {
	o, err := stix.ParseObject([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","labels":["feed:urlhaus"],"created_by_ref":"identity--22222222-2222-4222-8222-222222222222","pattern":"[file:hashes.'SHA-256' = 'aa'] OR [url:value = 'http://x.example/']","pattern_type":"stix","valid_from":"2026-02-01T00:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := IndicatorFacts(o)
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != "file" || f.Feed != "urlhaus" || f.Confidence != nil || f.Producer != "identity--22222222-2222-4222-8222-222222222222" || !f.ValidFrom.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("facts: %+v", f)
	}
}

// BenchmarkMatcherRecheck scores 200,000 indicators again, as a serving
// node does every RecheckInterval.
func BenchmarkMatcherRecheck(b *testing.B) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	m := NewMatcher(newMemStore(), twoCollections{}, nil)
	m.Lifecycle = testLifecycle(c, lifecycle.Settings{})
	const n = 200000
	objs := make([]*stix.Object, n)
	for i := range objs {
		ts := c.t.Add(-time.Duration(i%(24*10)) * time.Hour).Format("2006-01-02T15:04:05.000Z")
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"%s","modified":"%s","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"%s"}`, i, ts, ts, i>>16&255, i>>8&255, i&255, ts))
		if err != nil {
			b.Fatal(err)
		}
		objs[i] = o
	}
	m.ObjectsAdded(ctx, "c1", versionsOf(objs...))
	m.Flush()
	if m.M.Len() != n {
		b.Fatalf("%d held, want %d", m.M.Len(), n)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Recheck(ctx)
	}
}

// BenchmarkIndicatorScore reads an indicator's facts and scores it, as
// every export and console page does for each indicator.
func BenchmarkIndicatorScore(b *testing.B) {
	c := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	l := testLifecycle(c, lifecycle.Settings{})
	o := addressIndicator(b, 1, c.t.Add(-48*time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Score(o); err != nil {
			b.Fatal(err)
		}
	}
}
