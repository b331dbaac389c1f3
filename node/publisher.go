package node

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/bus"
)

// publisherQueue is how many versions wait for the bus before writers
// wait for room.
const publisherQueue = 1 << 16

// publisherWait is the longest a writer waits for room in the queue.
const publisherWait = 5 * time.Second

// publisher publishes every version the node stores to the object
// stream: those this process wrote, and those other processes wrote that
// the object service follows. Every process of a node publishes what it
// learns; the stream keeps one message per version (bus.PublishObject).
type publisher struct {
	bus         *bus.Bus
	collections rampart.CollectionService
	logger      *slog.Logger
	queue       chan published
	roots       sync.Map // collection id -> API root name
	dropped     atomic.Int64
	// failing is set while the bus refuses publications.
	failing atomic.Bool
}

type published struct {
	collection string
	version    *rampart.ObjectVersion
}

var _ rampart.ObjectSubscriber = (*publisher)(nil)

func newPublisher(b *bus.Bus, collections rampart.CollectionService, logger *slog.Logger) *publisher {
	return &publisher{bus: b, collections: collections, logger: logger, queue: make(chan published, publisherQueue)}
}

// ObjectsAdded queues the versions. When the queue is full (writes come
// faster than the bus takes them) the writer waits, up to
// publisherWait, so that the stream has no gap; while the bus fails, or
// past that wait, the version is not published, and the log says so.
func (p *publisher) ObjectsAdded(_ context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	for _, v := range vs {
		item := published{collectionID, v}
		select {
		case p.queue <- item:
			continue
		default:
		}
		if !p.failing.Load() {
			t := time.NewTimer(publisherWait)
			select {
			case p.queue <- item:
				t.Stop()
				continue
			case <-t.C:
			}
		}
		if n := p.dropped.Add(1); n == 1 || n%10000 == 0 {
			p.logger.Error("object stream: the bus is behind or down, versions are not published (subscribers miss them; TAXII has them)", "dropped", n, "collection", collectionID, "id", v.Object.ID)
		}
	}
}

// ObjectsDeleted publishes nothing: the stream carries versions stored.
func (p *publisher) ObjectsDeleted(context.Context, string, []string) {}

// publishBatch is the most versions published at once.
const publishBatch = 1000

// run publishes what is queued until ctx is done, as many at once as
// wait, retrying what the bus refused for up to a minute.
func (p *publisher) run(ctx context.Context) {
	batch := make([]published, 0, publishBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case item := <-p.queue:
			batch = append(batch[:0], item)
		}
	more:
		for len(batch) < publishBatch {
			select {
			case item := <-p.queue:
				batch = append(batch, item)
			default:
				break more
			}
		}
		// Runs of one collection, in order.
		for start := 0; start < len(batch); {
			end := start + 1
			for end < len(batch) && batch[end].collection == batch[start].collection {
				end++
			}
			p.publish(ctx, batch[start].collection, batch[start:end])
			start = end
		}
	}
}

func (p *publisher) publish(ctx context.Context, coll string, items []published) {
	root, err := p.apiRoot(ctx, coll)
	if err != nil {
		p.logger.Warn("object stream: collection not found, versions not published", "collection", coll, "versions", len(items), "err", err)
		return
	}
	vs := make([]*rampart.ObjectVersion, len(items))
	for i, it := range items {
		vs[i] = it.version
	}
	wait := 100 * time.Millisecond
	for start := time.Now(); ; {
		// A retry publishes again what the stream may already have: the
		// message ids make it keep one of each.
		err := p.bus.PublishObjects(ctx, root, coll, vs)
		if err == nil {
			p.failing.Store(false)
			return
		}
		if ctx.Err() != nil || time.Since(start) > time.Minute || rampart.ErrorCode(err) == rampart.EINVALID {
			p.failing.Store(ctx.Err() == nil)
			p.logger.Error("object stream: versions not published", "collection", coll, "versions", len(vs), "err", err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (p *publisher) apiRoot(ctx context.Context, coll string) (string, error) {
	if r, ok := p.roots.Load(coll); ok {
		return r.(string), nil
	}
	cs, err := p.collections.FindCollections(ctx, rampart.CollectionFilter{ID: &coll})
	if err != nil {
		return "", err
	}
	if len(cs) == 0 {
		return "", rampart.Errorf(rampart.ENOTFOUND, "no collection %q", coll)
	}
	p.roots.Store(coll, cs[0].APIRoot)
	return cs[0].APIRoot, nil
}
