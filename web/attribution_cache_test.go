package web

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

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
