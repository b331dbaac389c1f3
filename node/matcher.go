package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// Matcher keeps a match.Matcher in step with the node's store: it loads
// the latest version of every indicator when it opens, then adds, replaces
// or drops (revoked) indicators as the object service tells it of them,
// whatever stored them. A deletion takes the indicator out, then puts back
// the newest version another collection still holds. It is safe for
// concurrent use.
//
// Indicators stored are added in the background, those of every write
// that came meanwhile at once: a writer is answered when its objects are
// stored, without waiting for the index to be rebuilt (under 200
// concurrent writers the rebuild took a fifth of the node's CPU, once per
// write). Flush adds what is waiting at once; whoever matches calls it
// first, so that a match sees every indicator stored before it.
type Matcher struct {
	M *match.Matcher

	objects     rampart.ObjectService
	collections rampart.CollectionService
	logger      *slog.Logger
	// apply serialises changes to M: additions, in the order they were
	// stored, and deletions' look-ups.
	apply sync.Mutex

	mu       sync.Mutex
	pending  []*stix.Object // indicators stored, not yet added
	draining bool           // a goroutine is adding pending
}

var _ rampart.ObjectSubscriber = (*Matcher)(nil)

// NewMatcher returns a matcher over the node's store; Load fills it.
func NewMatcher(objects rampart.ObjectService, collections rampart.CollectionService, logger *slog.Logger) *Matcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Matcher{M: match.New(), objects: objects, collections: collections, logger: logger}
}

// Load adds the latest version of every indicator of the collections (all
// of them when none are given) and returns how many were read and the
// refusals that matter (an indicator held by two collections is read twice
// and refused once as superseded, which is not one).
func (m *Matcher) Load(ctx context.Context, collections ...string) (int, []error) {
	if len(collections) == 0 {
		var err error
		if collections, err = allCollections(ctx, m.collections); err != nil {
			return 0, []error{err}
		}
	}
	var read int
	var refused []error
	for _, c := range collections {
		f := rampart.ObjectFilter{CollectionID: c, Types: []string{"indicator"}, Limit: rampart.MaxPageSize}
		for {
			page, err := m.objects.FindObjects(ctx, f)
			if err != nil {
				return read, append(refused, fmt.Errorf("collection %s: %w", c, err))
			}
			objs := make([]*stix.Object, len(page.Versions))
			for i, v := range page.Versions {
				objs[i] = v.Object
			}
			read += len(objs)
			refused = append(refused, addIndicators(m.M, objs)...)
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return read, refused
}

// ObjectsAdded queues the indicators stored, to be added in the
// background.
func (m *Matcher) ObjectsAdded(_ context.Context, _ string, vs []*rampart.ObjectVersion) {
	var inds []*stix.Object
	for _, v := range vs {
		if v.Object.Type == "indicator" {
			inds = append(inds, v.Object)
		}
	}
	if len(inds) == 0 {
		return
	}
	m.mu.Lock()
	m.pending = append(m.pending, inds...)
	start := !m.draining
	m.draining = true
	m.mu.Unlock()
	if start {
		go m.drain()
	}
}

// drain adds the pending indicators until none are left.
func (m *Matcher) drain() {
	for {
		m.Flush()
		m.mu.Lock()
		if len(m.pending) == 0 {
			m.draining = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
	}
}

// Flush adds to M every indicator stored before it was called.
func (m *Matcher) Flush() {
	m.apply.Lock()
	defer m.apply.Unlock()
	m.addPending()
}

// addPending adds the pending indicators; m.apply is held.
func (m *Matcher) addPending() {
	m.mu.Lock()
	inds := m.pending
	m.pending = nil
	m.mu.Unlock()
	for _, err := range addIndicators(m.M, inds) {
		m.logger.Warn("indicator refused by the matcher", "err", err)
	}
}

// ObjectsDeleted takes deleted indicators out, and puts back the newest
// version another collection still holds. Indicators stored before are
// added first, so that a deletion is never undone by an older addition.
func (m *Matcher) ObjectsDeleted(ctx context.Context, _ string, ids []string) {
	m.apply.Lock()
	defer m.apply.Unlock()
	m.addPending()
	var inds []string
	for _, id := range ids {
		if stix.IDType(id) == "indicator" {
			inds = append(inds, id)
		}
	}
	if len(inds) == 0 {
		return
	}
	m.M.Remove(inds...)
	colls, err := allCollections(ctx, m.collections)
	if err != nil {
		m.logger.Warn("matcher: list collections", "err", err)
		return
	}
	var newest []*stix.Object
	for _, c := range colls {
		page, err := m.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c, IDs: inds, Limit: rampart.MaxPageSize})
		if err != nil {
			m.logger.Warn("matcher: look up indicators", "err", err)
			continue
		}
		for _, v := range page.Versions {
			newest = append(newest, v.Object)
		}
	}
	for _, err := range addIndicators(m.M, newest) {
		m.logger.Warn("indicator refused by the matcher", "err", err)
	}
}

// addIndicators adds objects to the matcher and returns the refusals that
// matter: a version older than the one held is not one of them.
func addIndicators(m *match.Matcher, objs []*stix.Object) []error {
	if len(objs) == 0 {
		return nil
	}
	err := m.AddObjects(objs)
	var ae *match.AddError
	if !errors.As(err, &ae) {
		if err != nil {
			return []error{err}
		}
		return nil
	}
	var out []error
	for _, e := range ae.Errors {
		if !errors.Is(e, match.ErrSuperseded) {
			out = append(out, e)
		}
	}
	return out
}

// allCollections returns the ids of every collection of the node.
func allCollections(ctx context.Context, collections rampart.CollectionService) ([]string, error) {
	cs, err := collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids, nil
}
