package web

import (
	"context"

	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
)

// Sightings per day take a policy decision per sighting, which a node
// holding hundreds of thousands of recent sightings cannot take while a
// page waits. The chart is therefore counted in the background, once per
// kind of reader (organisation, relation, administrator, collections
// read), kept for chartFresh, and recounted in the background when a
// page asks for it after that. A page waits at most chartWait for a count
// nobody made yet, then says it is being counted.
const (
	chartFresh = time.Minute
	chartWait  = 150 * time.Millisecond
	// chartTimeout bounds one count.
	chartTimeout = 2 * time.Minute
)

// sightingCount is one count of the sightings of the last days.
type sightingCount struct {
	Days  []dayCount
	Total int
	// Cut is set when the count stopped at maxSightingsScanned.
	Cut bool
	At  time.Time
	Err error
}

type chartEntry struct {
	count    *sightingCount
	counting bool
	done     chan struct{} // closed when the running count ends
}

// chartCache holds the counts by kind of reader.
type chartCache struct {
	mu      sync.Mutex
	entries map[string]*chartEntry
}

func newChartCache() *chartCache { return &chartCache{entries: map[string]*chartEntry{}} }

// get returns the count for key: a fresh one at once, a stale one at once
// while a new count runs, or, when there is none, the count if it ends
// within chartWait, else nil.
func (c *chartCache) get(ctx context.Context, key string, now time.Time, count func(context.Context) *sightingCount) *sightingCount {
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		e = &chartEntry{}
		c.entries[key] = e
	}
	if e.count != nil && now.Sub(e.count.At) < chartFresh {
		defer c.mu.Unlock()
		return e.count
	}
	if !e.counting {
		e.counting, e.done = true, make(chan struct{})
		done := e.done
		go func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), chartTimeout)
			defer cancel()
			res := count(cctx)
			c.mu.Lock()
			if res.Err == nil || e.count == nil {
				e.count = res
			}
			e.counting = false
			c.mu.Unlock()
			close(done)
		}()
	}
	stale, done := e.count, e.done
	c.mu.Unlock()
	if stale != nil {
		return stale
	}
	select {
	case <-done:
	case <-time.After(chartWait):
		return nil
	case <-ctx.Done():
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.count
}

// readerKey names the kind of reader whose counts are the same: nil
// (no access rules) or an organisation with its relation to the node,
// whether it is an administrator, and the collections it reads.
func readerKey(reader *rampart.Reader, collections []string) string {
	cs := slices.Clone(collections)
	slices.Sort(cs)
	if reader == nil {
		return fmt.Sprintf("all|%q", cs)
	}
	return fmt.Sprintf("%s|%v|%v|%q", reader.Organization, reader.Relation, reader.Admin, cs)
}
