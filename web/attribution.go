package web

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// maxKnowledgeEntries is how many attribution engines (one per reader and
// set of collections that accounts can read) are kept built.
const maxKnowledgeEntries = 8

// knowledgeCache builds attribution engines from the store, one per set of
// collections and reader, and rebuilds one when a collection it was built
// from has changed. Each account is answered from exactly the collections
// it may read and, with Access, from the objects of them its organisation
// may read, so that a ranking never draws on objects it could not see: a
// TLP:RED intrusion set or technique neither shapes a constituent's
// ranking nor appears in its explanations. Readers of one organisation,
// relation and administrator flag read the same objects, so they share
// an engine.
type knowledgeCache struct {
	objects rampart.ObjectService

	mu      sync.Mutex
	gen     map[string]uint64 // collection -> generation, bumped on change
	entries map[string]*knowledgeEntry
}

type knowledgeEntry struct {
	ready  chan struct{}
	engine *attribution.Engine
	// catalog is what the console's attribution page offers to pick
	// from, drawn from the same objects as engine.
	catalog *catalog
	err     error
	gens    map[string]uint64
	used    time.Time
	// next is the entry being built to replace this one, out of date.
	next *knowledgeEntry
}

func newKnowledgeCache(objects rampart.ObjectService) *knowledgeCache {
	return &knowledgeCache{objects: objects, gen: map[string]uint64{}, entries: map[string]*knowledgeEntry{}}
}

func (c *knowledgeCache) invalidate(collectionID string) {
	c.mu.Lock()
	c.gen[collectionID]++
	c.mu.Unlock()
}

// engine returns an engine over the objects of the collections that
// release lets reader read (all of them when reader is nil), building it
// when there is none or it is out of date. Concurrent callers for the
// same collections and reader share one build.
func (c *knowledgeCache) engine(ctx context.Context, collections []string, reader *rampart.Reader, release coord.Release) (*attribution.Engine, error) {
	e, err := c.entry(ctx, collections, reader, release, 0)
	if err != nil {
		return nil, err
	}
	return e.engine, nil
}

// fresh returns an engine as engine does, built after every change to
// the collections that the cache was told of before the call: it waits
// for rebuilds, wait at most, and then returns the newest engine built.
func (c *knowledgeCache) fresh(ctx context.Context, collections []string, reader *rampart.Reader, release coord.Release, wait time.Duration) (*attribution.Engine, error) {
	c.mu.Lock()
	want := map[string]uint64{}
	for _, id := range collections {
		want[id] = c.gen[id]
	}
	c.mu.Unlock()
	deadline := time.Now().Add(wait)
	for {
		e, err := c.entry(ctx, collections, reader, release, 0)
		if err != nil {
			return nil, err
		}
		caughtUp := true
		for id, g := range want {
			caughtUp = caughtUp && e.gens[id] >= g
		}
		if caughtUp || time.Now().After(deadline) {
			return e.engine, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// entry returns the built entry for the collections and reader, as
// engine does: its engine and its catalog. With wait > 0, it waits that
// long at most for a first build and then returns errBuilding; otherwise
// until the build ends.
//
// An entry out of date is rebuilt in the background while it keeps
// serving: a query waits freshWait at most for the new one. Knowledge
// read from a million objects takes seconds to build, and a node that
// ingests all day would otherwise have every query wait for it.
func (c *knowledgeCache) entry(ctx context.Context, collections []string, reader *rampart.Reader, release coord.Release, wait time.Duration) (*knowledgeEntry, error) {
	collections = slices.Clone(collections)
	slices.Sort(collections)
	key := knowledgeKey(collections, reader)
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && e.next != nil && built(e.next) && e.next.err == nil {
		e = e.next // the rebuild ended: it replaces the entry
		c.entries[key] = e
	}
	if e != nil && built(e) && e.err != nil {
		e = nil // a failed build is tried again
	}
	if e == nil {
		// Marked used before evict runs, which would otherwise take the
		// new entry, never used, for the oldest.
		e = c.start(ctx, collections, release)
		c.entries[key] = e
		c.evict()
	}
	e.used = time.Now()
	if built(e) && !c.current(e) {
		if e.next == nil || built(e.next) {
			e.next = c.start(ctx, collections, release)
		}
		next := e.next
		c.mu.Unlock()
		select {
		case <-next.ready:
			if next.err == nil {
				c.mu.Lock()
				if c.entries[key] == e {
					c.entries[key] = next
				}
				c.mu.Unlock()
				return next, nil
			}
		case <-time.After(freshWait):
		}
		return e, nil
	}
	c.mu.Unlock()
	var timeout <-chan time.Time
	if wait > 0 {
		timeout = time.After(wait)
	}
	select {
	case <-e.ready:
		if e.err != nil {
			return nil, e.err
		}
		return e, nil
	case <-timeout:
		return nil, errBuilding
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// freshWait is how long a query waits for knowledge being rebuilt before
// it is answered from the knowledge as it was.
const freshWait = time.Second

// errBuilding says that the knowledge is still being built.
var errBuilding = rampart.Errorf(rampart.EUNAVAILABLE, "the knowledge attribution ranks against is being built from the store: try again in a moment")

// start begins building an entry for the collections as they are now.
// The caller holds mu.
func (c *knowledgeCache) start(ctx context.Context, collections []string, release coord.Release) *knowledgeEntry {
	e := &knowledgeEntry{ready: make(chan struct{}), gens: map[string]uint64{}, used: time.Now()}
	for _, id := range collections {
		e.gens[id] = c.gen[id]
	}
	go c.build(context.WithoutCancel(ctx), e, collections, release)
	return e
}

func built(e *knowledgeEntry) bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

func (c *knowledgeCache) current(e *knowledgeEntry) bool {
	for id, g := range e.gens {
		if c.gen[id] != g {
			return false
		}
	}
	return true
}

// evict drops the least recently used entries beyond the limit. The
// caller holds mu.
func (c *knowledgeCache) evict() {
	for len(c.entries) > maxKnowledgeEntries {
		var oldest string
		var t time.Time
		for k, e := range c.entries {
			if oldest == "" || e.used.Before(t) {
				oldest, t = k, e.used
			}
		}
		delete(c.entries, oldest)
	}
}

func (c *knowledgeCache) build(ctx context.Context, e *knowledgeEntry, collections []string, release coord.Release) {
	defer close(e.ready)
	tlp := map[string]stix.TLP{}
	src := &attribution.Store{Objects: c.objects, Collections: collections, Release: release}
	k, err := src.Knowledge(ctx, func(o *stix.Object) {
		if catalogTypes[o.Type] {
			tlp[o.ID] = max(tlp[o.ID], stix.Restriction(o))
		}
	})
	if err != nil {
		e.err = err
		return
	}
	e.engine = attribution.NewEngine(k, attribution.Config{})
	e.catalog = newCatalog(k, tlp)
}

// handleAttribution answers POST /api/v1/attribution with a query such as
// {"techniques": ["T1566.001"], "software": ["S0154"]}. With ?compare=N (2
// to 10) the answer also holds "comparison": the N best candidates side by
// side, as an analysis of competing hypotheses (attribution.ComparisonView).
func (s *Server) handleAttribution(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	compare := 0
	if v := r.URL.Query().Get("compare"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 10 {
			return rampart.Errorf(rampart.EINVALID, "compare must be a number of candidates from 2 to 10 (got %q)", v)
		}
		compare = n
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	q, err := attribution.ParseQuery(bytes.TrimSpace(data))
	if err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	readable, err := s.readable(r.Context(), a)
	if err != nil {
		return err
	}
	if len(readable) == 0 {
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may read no collection, so there is no knowledge to rank against", a.Name)
	}
	rd, err := s.reader(r.Context(), a)
	if err != nil {
		return err
	}
	e, err := s.knowledge.engine(r.Context(), readable, rd, s.release(rd))
	if err != nil {
		return err
	}
	rk := e.Rank(q)
	var text bytes.Buffer
	rk.WriteText(&text, 8)
	v := viewRanking(rk, text.String())
	if compare > 0 {
		if c := e.Compare(q, compare); c != nil {
			cv := attribution.NewComparisonView(c)
			v.Comparison = &cv
		}
	}
	s.writeJSON(w, http.StatusOK, v)
	return nil
}

type rankingView struct {
	ID          string          `json:"id,omitempty"`
	Abstained   bool            `json:"abstained"`
	Reason      string          `json:"reason,omitempty"`
	Sets        int             `json:"sets_ranked"`
	Notes       []noteView      `json:"notes"`
	Candidates  []candidateView `json:"candidates"`
	Campaigns   []candidateView `json:"campaigns"`
	Explanation string          `json:"explanation"`
	// Undecided is true when the evidence does not separate the first two
	// candidates; Separating lists what would.
	Undecided  bool                        `json:"undecided"`
	Separating []attribution.ExpectedView  `json:"separating,omitempty"`
	Comparison *attribution.ComparisonView `json:"comparison,omitempty"`
}

type noteView struct {
	Ref    string `json:"ref,omitempty"`
	Reason string `json:"reason"`
}

type candidateView struct {
	ID           string             `json:"id"`
	ExternalID   string             `json:"external_id,omitempty"`
	Name         string             `json:"name"`
	Aliases      []string           `json:"aliases,omitempty"`
	Score        float64            `json:"score"`
	Posterior    float64            `json:"posterior"`
	For          []contributionView `json:"for"`
	Against      []contributionView `json:"against"`
	Links        []string           `json:"links,omitempty"`
	AttributedTo []string           `json:"attributed_to,omitempty"`
}

type contributionView struct {
	Evidence   string  `json:"evidence"`
	ExternalID string  `json:"external_id,omitempty"`
	Name       string  `json:"name"`
	Weight     float64 `json:"weight"`
	Source     string  `json:"source,omitempty"`
	Via        string  `json:"via,omitempty"`
	Sets       int     `json:"sets"`
	// Noise: the candidate's ranking took this evidence for noise
	// (attribution.Params.Forgive); it counts 0.
	Noise bool `json:"noise,omitempty"`
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func viewRanking(r *attribution.Ranking, text string) rankingView {
	v := rankingView{ID: r.QueryID, Abstained: r.Abstained, Reason: r.Reason, Sets: r.Sets, Explanation: text,
		Notes: []noteView{}, Candidates: []candidateView{}, Campaigns: []candidateView{}}
	for _, n := range r.Notes {
		v.Notes = append(v.Notes, noteView{n.Ref, n.Reason})
	}
	for _, c := range r.Candidates {
		v.Candidates = append(v.Candidates, viewCandidate(c))
	}
	for _, c := range r.Campaigns {
		v.Campaigns = append(v.Campaigns, viewCandidate(c))
	}
	v.Undecided = r.Close
	for _, x := range r.Separating {
		v.Separating = append(v.Separating, attribution.ExpectedView{ID: x.Entry.ID, ExternalID: x.Entry.ExternalID, Name: x.Entry.Name,
			For: x.For.ID, Gain: round4(x.Gain)})
	}
	return v
}

func viewCandidate(c attribution.Candidate) candidateView {
	v := candidateView{ID: c.Entry.ID, ExternalID: c.Entry.ExternalID, Name: c.Entry.Name, Aliases: c.Entry.Aliases,
		Score: round4(c.Score), Posterior: round4(c.Posterior), For: []contributionView{}, Against: []contributionView{}}
	conv := func(cs []attribution.Contribution) []contributionView {
		out := []contributionView{}
		for _, x := range cs {
			cv := contributionView{Evidence: x.Evidence.ID, ExternalID: x.Evidence.ExternalID, Name: x.Evidence.Name,
				Weight: round4(x.Weight), Sets: x.Sets, Noise: x.Noise}
			if x.Matched {
				cv.Source = x.Source.String()
			}
			if x.Via != nil {
				cv.Via = x.Via.Label()
			}
			out = append(out, cv)
		}
		return out
	}
	v.For, v.Against = conv(c.For), conv(c.Against)
	for _, l := range c.Links {
		v.Links = append(v.Links, l.String())
	}
	for _, g := range c.AttributedTo {
		v.AttributedTo = append(v.AttributedTo, g.Label())
	}
	return v
}
