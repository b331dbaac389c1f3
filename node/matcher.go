package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
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
//
// With a Lifecycle, indicators whose score is below the threshold are
// kept out of M: when they are stored, when a sighting changes their
// score (a false-positive report takes an indicator out before Flush
// returns), and at every Recheck, which the serving node runs every
// RecheckInterval as the scores decay.
type Matcher struct {
	M *match.Matcher
	// Lifecycle, when set before Load, scores indicators; nil matches
	// every indicator whatever its age.
	Lifecycle *Lifecycle

	objects     rampart.ObjectService
	collections rampart.CollectionService
	logger      *slog.Logger
	// apply serialises changes to M: additions, in the order they were
	// stored, and deletions' look-ups.
	apply sync.Mutex

	mu       sync.Mutex
	pending  []*stix.Object // indicators stored, not yet added
	rescore  []string       // indicators sighted, to score again
	draining bool           // a goroutine is adding pending

	// With a Lifecycle, under apply: what the score of every indicator
	// read needs, and those kept out of M for their score.
	facts   map[string]heldFacts
	decayed map[string]bool
}

// heldFacts is what the matcher keeps of an indicator to score it again.
type heldFacts struct {
	version stix.Timestamp
	facts   lifecycle.Facts
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
			m.apply.Lock()
			refused = append(refused, m.add(objs)...)
			m.apply.Unlock()
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
	var sighted []string
	for _, v := range vs {
		switch v.Object.Type {
		case "indicator":
			inds = append(inds, v.Object)
		case "sighting":
			if m.Lifecycle != nil {
				if id := m.Lifecycle.Sighted(v.Object); id != "" {
					sighted = append(sighted, id)
				}
			}
		}
	}
	if len(inds) == 0 && len(sighted) == 0 {
		return
	}
	m.mu.Lock()
	m.pending = append(m.pending, inds...)
	m.rescore = append(m.rescore, sighted...)
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
		if len(m.pending) == 0 && len(m.rescore) == 0 {
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

// addPending adds the pending indicators and scores again those
// sighted; m.apply is held.
func (m *Matcher) addPending() {
	m.mu.Lock()
	inds, ids := m.pending, m.rescore
	m.pending, m.rescore = nil, nil
	m.mu.Unlock()
	for _, err := range m.add(inds) {
		m.logger.Warn("indicator refused by the matcher", "err", err)
	}
	if len(ids) > 0 {
		m.recheck(context.Background(), ids)
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
	for _, id := range inds {
		delete(m.facts, id)
		delete(m.decayed, id)
	}
	for _, err := range m.add(m.lookUp(ctx, inds)) {
		m.logger.Warn("indicator refused by the matcher", "err", err)
	}
}

// lookUp returns the versions of the indicators ids that the node's
// collections hold.
func (m *Matcher) lookUp(ctx context.Context, ids []string) []*stix.Object {
	colls, err := allCollections(ctx, m.collections)
	if err != nil {
		m.logger.Warn("matcher: list collections", "err", err)
		return nil
	}
	var newest []*stix.Object
	for _, c := range colls {
		page, err := m.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c, IDs: ids, Limit: rampart.MaxPageSize})
		if err != nil {
			m.logger.Warn("matcher: look up indicators", "err", err)
			continue
		}
		for _, v := range page.Versions {
			newest = append(newest, v.Object)
		}
	}
	return newest
}

// add adds objects to M, but those whose score is below the threshold,
// which it takes out of M instead; m.apply is held.
func (m *Matcher) add(objs []*stix.Object) []error {
	if m.Lifecycle == nil || len(objs) == 0 {
		return addIndicators(m.M, objs)
	}
	if m.facts == nil {
		m.facts, m.decayed = map[string]heldFacts{}, map[string]bool{}
	}
	keep := objs[:0:0]
	var out []string
	var refused []error
	for _, o := range objs {
		if o.Type != "indicator" {
			continue
		}
		if h, ok := m.facts[o.ID]; ok && o.Version().Compare(h.version) < 0 {
			continue // superseded
		}
		f, err := IndicatorFacts(o)
		if err != nil {
			refused = append(refused, err)
			continue
		}
		m.facts[o.ID] = heldFacts{version: o.Version(), facts: f}
		if m.Lifecycle.ScoreFacts(o.ID, f).Decayed {
			m.decayed[o.ID] = true
			out = append(out, o.ID)
			continue
		}
		delete(m.decayed, o.ID)
		keep = append(keep, o)
	}
	m.M.Remove(out...)
	return append(refused, addIndicators(m.M, keep)...)
}

// RecheckInterval is how often a serving node scores every indicator
// again: a score falls by little in an hour, and scoring 200,000
// indicators takes a fraction of a second.
const RecheckInterval = time.Hour

// Recheck scores every indicator read again: it takes out of M those that
// fell below the threshold, and puts back from the store those above it
// again (after the settings changed). It returns how many it took out and
// put back.
func (m *Matcher) Recheck(ctx context.Context) (out, back int) {
	m.apply.Lock()
	defer m.apply.Unlock()
	m.addPending()
	ids := make([]string, 0, len(m.facts))
	for id := range m.facts {
		ids = append(ids, id)
	}
	return m.recheck(ctx, ids)
}

// recheck scores ids again; m.apply is held.
func (m *Matcher) recheck(ctx context.Context, ids []string) (out, back int) {
	if m.Lifecycle == nil {
		return 0, 0
	}
	var drop, revive []string
	for _, id := range ids {
		h, ok := m.facts[id]
		if !ok {
			continue
		}
		decayed := m.Lifecycle.ScoreFacts(id, h.facts).Decayed
		switch {
		case decayed && !m.decayed[id]:
			m.decayed[id] = true
			drop = append(drop, id)
		case !decayed && m.decayed[id]:
			revive = append(revive, id)
		}
	}
	m.M.Remove(drop...)
	if len(revive) > 0 {
		// Put back the version read, as the store holds it.
		objs := m.lookUp(ctx, revive)
		for _, id := range revive {
			delete(m.facts, id)
			delete(m.decayed, id)
		}
		for _, err := range m.add(objs) {
			m.logger.Warn("indicator refused by the matcher", "err", err)
		}
		for _, id := range revive {
			if _, ok := m.facts[id]; ok && !m.decayed[id] {
				back++
			}
		}
	}
	if len(drop) > 0 || back > 0 {
		m.logger.Info("indicator scores", "decayed", len(drop), "back", back, "matching", m.M.Len())
	}
	return len(drop), back
}

// Decayed returns how many indicators read are kept out of M for their
// score.
func (m *Matcher) Decayed() int {
	m.apply.Lock()
	defer m.apply.Unlock()
	return len(m.decayed)
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
