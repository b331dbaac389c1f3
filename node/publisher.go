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

// publisherQueue is how many versions wait for the bus before the
// publisher drops them (and says so in the log).
const publisherQueue = 1 << 16

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
}

type published struct {
	collection string
	version    *rampart.ObjectVersion
}

var _ rampart.ObjectSubscriber = (*publisher)(nil)

func newPublisher(b *bus.Bus, collections rampart.CollectionService, logger *slog.Logger) *publisher {
	return &publisher{bus: b, collections: collections, logger: logger, queue: make(chan published, publisherQueue)}
}

// ObjectsAdded queues the versions; it never blocks the writer.
func (p *publisher) ObjectsAdded(_ context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	for _, v := range vs {
		select {
		case p.queue <- published{collectionID, v}:
		default:
			if p.dropped.Add(1) == 1 {
				p.logger.Error("object stream: the bus is behind, versions are not published (subscribers will miss them; TAXII has them)", "collection", collectionID, "id", v.Object.ID)
			}
		}
	}
}

// ObjectsDeleted publishes nothing: the stream carries versions stored.
func (p *publisher) ObjectsDeleted(context.Context, string, []string) {}

// run publishes what is queued until ctx is done, retrying a version the
// bus refused for up to a minute.
func (p *publisher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case item := <-p.queue:
			p.publish(ctx, item)
		}
	}
}

func (p *publisher) publish(ctx context.Context, item published) {
	root, err := p.apiRoot(ctx, item.collection)
	if err != nil {
		p.logger.Warn("object stream: collection not found, version not published", "collection", item.collection, "err", err)
		return
	}
	wait := 100 * time.Millisecond
	for start := time.Now(); ; {
		err := p.bus.PublishObject(ctx, root, item.collection, item.version)
		if err == nil {
			return
		}
		if ctx.Err() != nil || time.Since(start) > time.Minute || rampart.ErrorCode(err) == rampart.EINVALID {
			p.logger.Error("object stream: version not published", "id", item.version.Object.ID, "collection", item.collection, "err", err)
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
