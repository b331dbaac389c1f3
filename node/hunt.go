package node

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// HuntResult is what a retro-hunt found.
type HuntResult struct {
	match.HuntStats
	// Sightings are the sightings stored.
	Sightings []*stix.Object
}

// Hunt matches an indicator against the values sensors reported since
// since (the archive) and stores what it finds as sightings in collection,
// with the times the values were seen: one per sensor and hour, with the
// same id when the same hunt runs again.
func (n *Node) Hunt(ctx context.Context, ind *match.Indicator, since time.Time, collectionID string) (HuntResult, error) {
	return n.hunt(ctx, ind, since, time.Time{}, collectionID)
}

// hunt is Hunt over the values first seen before until (all when zero).
func (n *Node) hunt(ctx context.Context, ind *match.Indicator, since, until time.Time, collectionID string) (HuntResult, error) {
	var res HuntResult
	if n.Archive == nil {
		return res, rampart.Errorf(rampart.EUNAVAILABLE, "this node keeps no archive of what its sensors reported")
	}
	sink := n.NewSightings(ctx, collectionID)
	aggs := map[string]*match.Aggregator{}
	var order []string
	var addErr error
	st, err := match.Hunt(ctx, ind, archivePast{n.Archive, until}, since, func(sensor string, h match.Hit) {
		a := aggs[sensor]
		if a == nil {
			a = sink.Aggregator(sensor, time.Hour)
			where := a.WhereSightedRef
			a.ID = func(indicator string, start time.Time) string {
				return stix.NameID("sighting", "retro-hunt "+indicator+" "+where+" "+start.Format(time.RFC3339))
			}
			aggs[sensor] = a
			order = append(order, sensor)
		}
		if addErr == nil {
			addErr = a.Add(ctx, h)
		}
	})
	res.HuntStats = st
	err = errors.Join(err, addErr)
	for _, sensor := range order {
		err = errors.Join(err, aggs[sensor].Close(ctx))
	}
	res.Sightings = sink.Stored()
	return res, err
}

// archivePast reads the node's archive for match.Hunt: the values first
// seen before until, when it is set.
type archivePast struct {
	a     rampart.ArchiveService
	until time.Time
}

func (p archivePast) PastValues(ctx context.Context, q match.PastQuery) ([]match.PastValue, error) {
	vals, err := p.a.FindArchivedValues(ctx, rampart.ArchiveQuery{Path: q.Path, Value: q.Value, Prefix: q.Prefix, Domain: q.Domain, Since: q.Since})
	out := make([]match.PastValue, 0, len(vals))
	for _, v := range vals {
		if p.until.IsZero() || v.First.Before(p.until) {
			out = append(out, match.PastValue{Path: v.Path, Value: v.Value, Sensor: v.Sensor, First: v.First, Last: v.Last, Count: v.Count})
		}
	}
	return out, err
}

// hunter hunts every indicator the node stores, in the background, as it
// arrives by any path (TAXII, import, feeds, federation): an indicator
// that arrives on Tuesday finds Monday's hits.
type hunter struct {
	n          *Node
	collection string
	retention  time.Duration

	mu     sync.Mutex
	active bool // run is running: this process holds the archive lease
	// pending holds, while another replica holds the lease, the newest
	// maxStandbyHunts indicators.
	pending []queuedIndicator
	wake    chan struct{}
}

// maxStandbyHunts is how many indicators a replica that does not hold the
// archive lease keeps queued, the newest, so that one taking over hunts
// what arrived while the holder was dying (a hunt run twice stores its
// sightings once, under the same ids). It bounds the memory of a replica
// standing by to a few megabytes.
const maxStandbyHunts = 10000

// queuedIndicator is an indicator version waiting for its hunt.
type queuedIndicator struct {
	collection string
	version    *rampart.ObjectVersion
}

var _ rampart.ObjectSubscriber = (*hunter)(nil)

func newHunter(n *Node, collectionID string, retention time.Duration) *hunter {
	return &hunter{n: n, collection: collectionID, retention: retention, wake: make(chan struct{}, 1)}
}

// ObjectsAdded queues the indicators stored.
func (h *hunter) ObjectsAdded(_ context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	h.mu.Lock()
	for _, v := range vs {
		if v.Object.Type == "indicator" {
			h.pending = append(h.pending, queuedIndicator{collectionID, v})
		}
	}
	if !h.active && len(h.pending) > maxStandbyHunts {
		// Another replica hunts: keep only the newest, which this one
		// hunts should it take over before that one got to them.
		h.pending = slices.Delete(h.pending, 0, len(h.pending)-maxStandbyHunts)
	}
	n := len(h.pending)
	h.mu.Unlock()
	if n > 0 {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

// ObjectsDeleted implements rampart.ObjectSubscriber.
func (h *hunter) ObjectsDeleted(context.Context, string, []string) {}

// run hunts what is queued until ctx ends, and purges the archive of
// what is older than the retention once an hour. Indicators are queued
// only while it runs, in the one replica that holds the archive lease.
func (h *hunter) run(ctx context.Context) {
	h.mu.Lock()
	h.active = true
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.active = false
		h.mu.Unlock()
	}()
	select {
	case h.wake <- struct{}{}: // what was queued meanwhile
	default:
	}
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	h.purge(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-purge.C:
			h.purge(ctx)
		case <-h.wake:
			h.mu.Lock()
			queued := h.pending
			h.pending = nil
			h.mu.Unlock()
			for _, q := range queued {
				h.hunt(ctx, q)
			}
		}
	}
}

// hunt hunts one indicator version. A later version of an indicator the
// node held already hunts only what was seen before the first version
// came: what came after, live matching saw.
func (h *hunter) hunt(ctx context.Context, q queuedIndicator) {
	ind, err := match.ParseIndicator(q.version.Object)
	if err != nil {
		return // the matcher says why, once
	}
	var until time.Time
	page, err := h.n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: q.collection, IDs: []string{ind.ID}, Versions: []string{rampart.VersionFirst}, MetadataOnly: true})
	if err == nil && len(page.Versions) > 0 && page.Versions[0].DateAdded.Before(q.version.DateAdded) {
		until = page.Versions[0].DateAdded
	}
	res, err := h.n.hunt(ctx, ind, time.Now().Add(-h.retention), until, h.collection)
	if err != nil && ctx.Err() == nil {
		h.n.logger.Warn("retro-hunt", "indicator", ind.ID, "err", err)
		return
	}
	if len(res.Sightings) > 0 {
		h.n.logger.Info("retro-hunt found past sightings", "indicator", ind.ID, "values", res.Hits, "sightings", len(res.Sightings))
	}
}

func (h *hunter) purge(ctx context.Context) {
	k, err := h.n.Archive.PurgeArchive(ctx, time.Now().Add(-h.retention))
	if err != nil && ctx.Err() == nil {
		h.n.logger.Warn("purge archive", "err", err)
	} else if k > 0 {
		h.n.logger.Info("purged archive", "values", k)
	}
}
