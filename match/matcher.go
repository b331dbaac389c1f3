package match

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// Matcher holds many indicators compiled into indexes and finds the ones an
// observation meets.
//
// Concurrency: any number of goroutines may match (each through its own
// Session) while others call Add, Remove or AddObjects. Matching never
// takes a lock: it reads an immutable snapshot. Writers are serialised; an
// addition copies only the small delta index (merging it into the base when
// it grows past a sixteenth of the base), and a removal marks the entry
// dead, which takes effect for every later match at once. A match running
// while a writer publishes sees the snapshot before or after the change,
// never a mix. Additions made at once by several goroutines are published
// together: whichever takes the writers' lock adds every addition waiting
// for it and copies the delta once for all of them.
type Matcher struct {
	mu   sync.Mutex // serialises writers
	byID map[string]*entry
	// pending are the Add calls waiting for the writers' lock; adding
	// guards them.
	adding  sync.Mutex
	pending []*addition
	// publishes counts the snapshots published (tests read it).
	publishes int
	snap      atomicSnapshot
	// MaxWindow bounds the observations kept per multi-observation
	// indicator (see Session.Match). Set it before matching.
	MaxWindow int
	// unindexed evaluates every indicator on every record: the reference
	// the differential tests hold the indexes to.
	unindexed bool
}

// DefaultMaxWindow is the number of recent candidate observations kept for
// each indicator whose pattern spans several observations.
const DefaultMaxWindow = 64

// New returns an empty Matcher.
func New() *Matcher {
	m := &Matcher{byID: make(map[string]*entry), MaxWindow: DefaultMaxWindow}
	m.snap.Store(&snapshot{base: newIndex(), delta: newIndex()})
	return m
}

// ErrSuperseded reports an indicator version older than (or the same as)
// the version the Matcher holds.
var ErrSuperseded = errors.New("a newer or equal version is already loaded")

// Len returns the number of indicators held.
func (m *Matcher) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}

// Add adds indicators, replacing older versions with the same ID. A revoked
// indicator removes the version held. It returns, aligned with inds, nil or
// an error for each: ErrSuperseded for a version older than the one held.
// Large batches are indexed by rebuilding the base index once. Add returns
// once its indicators are in the snapshot every later match reads; calls
// made at once share one snapshot, published by whichever of them takes
// the writers' lock first.
func (m *Matcher) Add(inds ...*Indicator) []error {
	a := &addition{inds: inds, errs: make([]error, len(inds)), done: make(chan struct{})}
	m.adding.Lock()
	m.pending = append(m.pending, a)
	m.adding.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-a.done:
		return a.errs // added by the goroutine that held the lock before
	default:
	}
	m.adding.Lock()
	batch := m.pending
	m.pending = nil
	m.adding.Unlock()
	old := m.snap.Load()
	var added []*entry
	for _, b := range batch {
		added = m.addLocked(b, added)
	}
	m.publish(old, added)
	for _, b := range batch {
		close(b.done)
	}
	return a.errs
}

// addition is one Add call: its indicators, and their errors once done is
// closed.
type addition struct {
	inds []*Indicator
	errs []error
	done chan struct{}
}

// addLocked enters a's indicators in byID, sets a.errs, and returns added
// with the entries to publish appended. The caller holds m.mu.
func (m *Matcher) addLocked(a *addition, added []*entry) []*entry {
	for i, ind := range a.inds {
		if cur, ok := m.byID[ind.ID]; ok {
			if ind.Modified.Compare(cur.ind.Modified) <= 0 {
				a.errs[i] = &IndicatorError{ID: ind.ID, Err: fmt.Errorf("version %s: %w", ind.Modified, ErrSuperseded)}
				continue
			}
			cur.dead.Store(true)
			delete(m.byID, ind.ID)
		}
		if ind.Revoked {
			continue
		}
		e := &entry{ind: ind}
		if anchors, ok := anchorsOf(ind.Pattern.Expr); ok && !m.unindexed {
			e.anchors = anchors
		}
		if maxObservations(ind.Pattern.Expr) > 1 {
			e.multi = true
			e.win = &window{}
		}
		m.byID[ind.ID] = e
		added = append(added, e)
	}
	return added
}

// publish installs a snapshot with the added entries.
func (m *Matcher) publish(old *snapshot, added []*entry) {
	next := &snapshot{base: old.base, delta: old.delta, fallback: old.fallback}
	var indexed []*entry
	for _, e := range added {
		if e.anchors == nil {
			next.fallback = append(next.fallback[:len(next.fallback):len(next.fallback)], e)
		} else {
			indexed = append(indexed, e)
		}
	}
	next.fallback = live(next.fallback)
	if len(indexed) > 0 {
		if old.delta.size+len(indexed) > max(1024, old.base.size/16) {
			// Merge: rebuild the base from the live entries.
			base := newIndex()
			for _, e := range m.byID {
				if e.anchors != nil {
					base.add(e)
				}
			}
			base.finish()
			next.base, next.delta = base, newIndex()
		} else {
			d := old.delta.clone()
			for _, e := range indexed {
				d.add(e)
			}
			d.finish()
			next.delta = d
		}
	}
	m.snap.Store(next)
	m.publishes++
}

func live(es []*entry) []*entry {
	out := es[:0:0]
	for _, e := range es {
		if !e.dead.Load() {
			out = append(out, e)
		}
	}
	return out
}

// Remove removes indicators by ID; unknown IDs are ignored. The removal
// applies to every match that starts after Remove returns.
func (m *Matcher) Remove(ids ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if e, ok := m.byID[id]; ok {
			e.dead.Store(true)
			delete(m.byID, id)
		}
	}
}

// AddError lists the objects AddObjects could not add.
type AddError struct {
	Errors []error
}

func (e *AddError) Error() string {
	if len(e.Errors) == 1 {
		return e.Errors[0].Error()
	}
	return fmt.Sprintf("%d indicators not added; first: %v", len(e.Errors), e.Errors[0])
}

func (e *AddError) Unwrap() []error { return e.Errors }

// AddObjects parses STIX objects as indicators, on all CPUs for large
// batches, and adds them. Objects that are not indicators are skipped.
// Indicators that fail (invalid pattern, other pattern language,
// superseded) are reported together in an *AddError; the others are added.
func (m *Matcher) AddObjects(objs []*stix.Object) error {
	ok, bad := parseIndicators(objs)
	for _, err := range m.Add(ok...) {
		if err != nil {
			bad = append(bad, err)
		}
	}
	if len(bad) > 0 {
		return &AddError{Errors: bad}
	}
	return nil
}

// parseIndicators runs ParseIndicator over the indicator objects, on all
// CPUs for large batches.
func parseIndicators(objs []*stix.Object) ([]*Indicator, []error) {
	inds := make([]*Indicator, len(objs))
	errs := make([]error, len(objs))
	workers := runtime.GOMAXPROCS(0)
	if len(objs) < 1000 {
		workers = 1
	}
	var wg sync.WaitGroup
	chunk := (len(objs) + workers - 1) / max(workers, 1)
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(len(objs), (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if objs[i].Type != "indicator" {
					continue
				}
				inds[i], errs[i] = ParseIndicator(objs[i])
			}
		})
	}
	wg.Wait()
	var ok []*Indicator
	var bad []error
	for i := range objs {
		if errs[i] != nil {
			bad = append(bad, errs[i])
		} else if inds[i] != nil {
			ok = append(ok, inds[i])
		}
	}
	return ok, bad
}

// Hit is an indicator met by one or more observations.
type Hit struct {
	Indicator *Indicator
	// Observations are the observations that met the pattern: one for
	// most patterns, several for FOLLOWEDBY, AND or REPEATS across
	// observations.
	Observations []*pattern.Observation
	// Time is when the (last) observation was made.
	Time time.Time
}

// Session matches observations for one goroutine: it keeps scratch space
// between calls, so it is not safe for concurrent use. Sessions of one
// Matcher may run in parallel.
type Session struct {
	m     *Matcher
	cands []*entry
	seen  map[*entry]struct{}
	// EvalErrors counts observations an indicator could not be evaluated
	// against (such as a malformed timestamp compared with t'…').
	EvalErrors int64
}

// NewSession returns a Session matching against m.
func (m *Matcher) NewSession() *Session {
	return &Session{m: m, seen: make(map[*entry]struct{})}
}

// Match finds the indicators the record meets and calls hit for each. The
// indexes narrow the indicators to consider; the pattern evaluator decides,
// so the result is that of evaluating every indicator. Indicators not
// valid at the record's time do not match.
//
// Patterns that need several observations are evaluated over the recent
// observations that met one of their parts (at most MaxWindow per
// indicator, and within the pattern's outermost WITHIN when it has one).
// It reports whether any indicator matched.
func (s *Session) Match(r *Record, hit func(Hit)) bool {
	snap := s.m.snap.Load()
	s.cands = s.cands[:0]
	for i := range r.Fields {
		f := &r.Fields[i]
		if f.Kind != String {
			continue
		}
		str := f.Str
		if f.Key.Hash {
			str = lowerASCII(str)
		}
		var addr netip.Addr
		if looksLikeIP(str) {
			addr, _ = netip.ParseAddr(str)
		}
		s.lookup(snap, f.Key.Canon, str, addr)
		if f.Key.RefProp == "value" {
			s.lookup(snap, valueAlias(str, addr), str, addr)
		} else if f.Key.RefProp != "" {
			if t := refType(f.Key.RefProp, str); t != "" {
				s.lookup(snap, t+":"+f.Key.RefProp, str, addr)
			}
		}
	}
	if len(s.cands) == 0 && len(snap.fallback) == 0 {
		return false
	}
	obs := r.Observation()
	matched := false
	if len(s.cands) > 1 {
		clear(s.seen)
	}
	for _, e := range s.cands {
		if len(s.cands) > 1 {
			if _, dup := s.seen[e]; dup {
				continue
			}
			s.seen[e] = struct{}{}
		}
		if s.confirm(e, obs, r.Time, hit) {
			matched = true
		}
	}
	for _, e := range snap.fallback {
		if s.confirm(e, obs, r.Time, hit) {
			matched = true
		}
	}
	return matched
}

// looksLikeIP is a cheap test before netip.ParseAddr: addresses start with
// a digit, a hex letter or ':' and are short.
func looksLikeIP(v string) bool {
	if len(v) < 2 || len(v) > 45 {
		return false
	}
	c := v[0]
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':'
}

func (s *Session) lookup(snap *snapshot, path, value string, addr netip.Addr) {
	s.cands = snap.base.lookup(s.cands, path, value, addr)
	if snap.delta.size > 0 {
		s.cands = snap.delta.lookup(s.cands, path, value, addr)
	}
}

// confirm evaluates one candidate indicator.
func (s *Session) confirm(e *entry, obs *pattern.Observation, t time.Time, hit func(Hit)) bool {
	if e.dead.Load() || !e.ind.ValidAt(t) {
		return false
	}
	if !e.multi {
		res, err := e.ind.Pattern.Evaluate([]*pattern.Observation{obs})
		if err != nil {
			s.EvalErrors++
			return false
		}
		if res.Matched {
			hit(Hit{Indicator: e.ind, Observations: []*pattern.Observation{obs}, Time: t})
		}
		return res.Matched
	}
	return s.confirmWindow(e, obs, t, hit)
}

// confirmWindow adds obs to the indicator's window and evaluates the
// pattern over the window; the observations of a match leave the window,
// so each is reported once.
func (s *Session) confirmWindow(e *entry, obs *pattern.Observation, t time.Time, hit func(Hit)) bool {
	w := e.win
	w.mu.Lock()
	defer w.mu.Unlock()
	if within, ok := outerWithin(e.ind.Pattern.Expr); ok {
		cut := t.Add(-within)
		keep := w.obs[:0]
		for _, o := range w.obs {
			if !o.LastObserved.Before(cut) {
				keep = append(keep, o)
			}
		}
		clear(w.obs[len(keep):])
		w.obs = keep
	}
	if n := s.m.MaxWindow; n > 0 && len(w.obs) >= n {
		copy(w.obs, w.obs[len(w.obs)-n+1:])
		clear(w.obs[n-1:])
		w.obs = w.obs[:n-1]
	}
	w.obs = append(w.obs, obs)
	res, err := e.ind.Pattern.Evaluate(w.obs)
	if err != nil {
		s.EvalErrors++
		return false
	}
	if !res.Matched {
		return false
	}
	used := make([]*pattern.Observation, len(res.Observations))
	for i, j := range res.Observations {
		used[i] = w.obs[j]
	}
	keep := w.obs[:0]
	for i, o := range w.obs {
		if !containsInt(res.Observations, i) {
			keep = append(keep, o)
		}
	}
	clear(w.obs[len(keep):])
	w.obs = keep
	hit(Hit{Indicator: e.ind, Observations: used, Time: t})
	return true
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// outerWithin returns the WITHIN window of the pattern's outermost
// qualifier, if any: older observations can never take part in a match.
func outerWithin(x pattern.ObservationExpr) (time.Duration, bool) {
	for {
		switch q := x.(type) {
		case *pattern.Qualified:
			if w, ok := q.Qualifier.(*pattern.Within); ok {
				return w.Duration(), true
			}
			x = q.X
		case *pattern.ObservationParen:
			x = q.X
		default:
			return 0, false
		}
	}
}

// lowerASCII returns s with ASCII letters in lower case, s itself when it
// has none in upper case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
