package web

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// countingObjects is an empty store that counts the pages read.
type countingObjects struct {
	rampart.ObjectService
	reads atomic.Int32
}

func (o *countingObjects) FindObjects(context.Context, rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	o.reads.Add(1)
	return &rampart.ObjectPage{}, nil
}

// TestKnowledgeCacheKeepsNewest checks that a knowledge engine just built
// stays cached when the cache is full: the least recently used one goes.
// The new entry was once evicted at once, so that every query from a
// ninth set of readable collections read the whole store again.
func TestKnowledgeCacheKeepsNewest(t *testing.T) {
	objs := &countingObjects{}
	c := newKnowledgeCache(objs)
	ctx := context.Background()
	for i := range maxKnowledgeEntries + 1 {
		if _, err := c.engine(ctx, []string{fmt.Sprintf("collection-%d", i)}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := objs.reads.Load()
	newest := []string{fmt.Sprintf("collection-%d", maxKnowledgeEntries)}
	if _, err := c.engine(ctx, newest, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := objs.reads.Load(); got != before {
		t.Errorf("the newest engine was built again (%d more reads): it was evicted", got-before)
	}
	if _, ok := c.entries["collection-0"]; ok {
		t.Errorf("the least recently used engine is still cached")
	}
	if len(c.entries) != maxKnowledgeEntries {
		t.Errorf("%d engines cached, want %d", len(c.entries), maxKnowledgeEntries)
	}
}

// slowObjects answers FindObjects once gate lets it.
type slowObjects struct {
	rampart.ObjectService
	gate chan struct{}
}

func (o *slowObjects) FindObjects(ctx context.Context, _ rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	select {
	case <-o.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &rampart.ObjectPage{}, nil
}

// TestKnowledgeCacheServesWhileRebuilding: knowledge out of date is
// rebuilt in the background; a query meanwhile is answered from the old
// knowledge after freshWait, not kept waiting for the whole build, and a
// first build makes a bounded wait give up with EUNAVAILABLE.
func TestKnowledgeCacheServesWhileRebuilding(t *testing.T) {
	objs := &slowObjects{gate: make(chan struct{})}
	c := newKnowledgeCache(objs)
	ctx := context.Background()
	if _, err := c.entry(ctx, []string{"intel"}, nil, nil, 50*time.Millisecond); rampart.ErrorCode(err) != rampart.EUNAVAILABLE {
		t.Fatalf("first build, bounded wait: %v, want EUNAVAILABLE", err)
	}
	close(objs.gate) // the store answers at once from now on
	first, err := c.entry(ctx, []string{"intel"}, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	objs.gate = make(chan struct{}) // and slowly again
	c.invalidate("intel")
	start := time.Now()
	stale, err := c.entry(ctx, []string{"intel"}, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if stale != first || time.Since(start) > 10*freshWait {
		t.Fatalf("during a rebuild: got a new entry %v or waited %s", stale != first, time.Since(start))
	}
	close(objs.gate)
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := c.entry(ctx, []string{"intel"}, nil, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if e != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rebuilt knowledge never replaced the old")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
