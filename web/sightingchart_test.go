package web

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestChartCache(t *testing.T) {
	c := newChartCache()
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var counts atomic.Int32
	quick := func(now time.Time) func(context.Context) *sightingCount {
		return func(context.Context) *sightingCount {
			counts.Add(1)
			return &sightingCount{Total: int(counts.Load()), At: now}
		}
	}
	// The first count ends within the wait: the page has it.
	if got := c.get(ctx, "a", t0, quick(t0)); got == nil || got.Total != 1 {
		t.Fatalf("first count: %+v", got)
	}
	// Fresh: no new count.
	if got := c.get(ctx, "a", t0.Add(30*time.Second), quick(t0)); got.Total != 1 || counts.Load() != 1 {
		t.Fatalf("fresh count recounted: %+v, %d counts", got, counts.Load())
	}
	// Another kind of reader has its own count.
	if got := c.get(ctx, "b", t0, quick(t0)); got == nil || got.Total != 2 {
		t.Fatalf("second reader: %+v", got)
	}
	// Stale: the old count at once, a new one in the background.
	later := t0.Add(2 * chartFresh)
	release := make(chan struct{})
	slow := func(context.Context) *sightingCount {
		<-release
		return &sightingCount{Total: 99, At: later}
	}
	if got := c.get(ctx, "a", later, slow); got.Total != 1 {
		t.Fatalf("stale count: %+v, want the old one while recounting", got)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got := c.get(ctx, "a", later, slow); got.Total == 99 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background count never replaced the stale one")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A count slower than the wait: nothing yet, then the count.
	block := make(chan struct{})
	slowFirst := func(context.Context) *sightingCount { <-block; return &sightingCount{Total: 7, At: t0} }
	if got := c.get(ctx, "c", t0, slowFirst); got != nil {
		t.Fatalf("a count that has not ended: %+v, want nil", got)
	}
	close(block)
	deadline = time.Now().Add(5 * time.Second)
	for c.get(ctx, "c", t0, slowFirst) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the first count never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
