package warning

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/webhook"
	"github.com/rampart-cti/rampart/stix"
)

// MaxQueued is the most objects Observe holds before the engine falls back
// to re-reading the store: a burst larger than this costs a rescan, never
// unbounded memory nor a blocked caller.
const MaxQueued = 1 << 20

// Engine is the early-warning engine: it raises alerts when the same
// attacker shows up in several member states, and when a peer publishes
// an indicator that matches a member state's watchlist.
//
// It reads sightings (sighting_of_ref, where_sighted_refs), the identities
// and locations that say in which member state and sector each sighting was
// made, "indicates" relationships from indicators to intrusion sets and
// campaigns, campaigns' "attributed-to" intrusion sets, and indicators: all
// of them from the store when it opens, then as the node's object service
// tells it of what is stored (ObjectsAdded: subscribe it), whatever wrote
// it.
// Alerts are x-rampart-alert objects (coord.Alert) written to
// CollectionID, so TAXII and federation carry them like any object, and
// pushed to the Notifier's webhooks.
//
// Set the fields, call Open; Close stops it. Rules and watchlists change
// at any time (SetRules, SetWatchlists). An Engine is safe for concurrent
// use once open.
type Engine struct {
	Objects     rampart.ObjectService
	Collections rampart.CollectionService
	// CollectionID is where alerts are written (and read back on Open).
	CollectionID string
	// Rules are the rules' parameters; zero values take the defaults.
	Rules Rules
	// Watchlists are the member states' watchlists (see SetWatchlists).
	Watchlists []*Watchlist
	// Notifier, when set, receives every new alert version.
	Notifier *webhook.Notifier
	// Organization is the created_by_ref of alerts (the node's
	// organisation); alert ids are derived from it, so that two nodes never
	// write versions of the same alert.
	Organization string
	// Sign, when set, signs each alert before it is stored (for example
	// trust.Identity.Sign), so that federation peers accept it.
	Sign func(*stix.Object) (*stix.Object, error)
	// CountryOf, when set, gives the member state of an organisation that
	// has no located-at relationship (for example from the trust registry).
	CountryOf func(identityID string) string
	Now       func() time.Time
	Logger    *slog.Logger
	// Standby, when set, keeps the engine from evaluating anything until
	// Lead is called: several "rampart serve" replicas on one store keep
	// an engine each, for its rules and watchlists, and the one that holds
	// the node's early-warning lease evaluates and writes the alerts.
	Standby bool

	procMu  sync.Mutex // serialises processing (worker, Flush, Rescan)
	idx     *index
	cursors map[string]int64 // collection -> last Seq read by a scan

	mu         sync.Mutex // guards the fields below
	active     bool       // evaluating: open without Standby, or in Lead
	queue      []*stix.Object
	overflow   bool
	watchlists []*Watchlist
	alertCount int

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	defs   coord.DefinitionsOnce
}

// NewEngine returns an engine with the default rules; set its
// services.
func NewEngine() *Engine {
	return &Engine{Rules: DefaultRules(), Now: time.Now}
}

func (w *Engine) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

func (w *Engine) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Open checks the configuration, reads the store and evaluates every rule
// over it (writing the alerts that are missing or out of date), then starts
// the background worker that processes what Observe queues.
func (w *Engine) Open(ctx context.Context) error {
	if w.Objects == nil || w.Collections == nil || w.CollectionID == "" {
		return errors.New("early warning: Objects, Collections and CollectionID are required")
	}
	w.Rules = w.Rules.withDefaults()
	if err := w.Rules.Validate(); err != nil {
		return err
	}
	for _, wl := range w.Watchlists {
		if err := wl.Validate(); err != nil {
			return err
		}
	}
	w.mu.Lock()
	w.watchlists = slices.Clone(w.Watchlists)
	w.mu.Unlock()
	w.wake = make(chan struct{}, 1)
	if !w.Standby {
		w.mu.Lock()
		w.active = true
		w.mu.Unlock()
		if err := w.Rescan(ctx); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel, w.done = cancel, make(chan struct{})
	go w.run(wctx)
	return nil
}

// Lead makes a Standby engine evaluate, until ctx ends: it reads the
// store and evaluates every rule and watchlist (writing the alerts
// missing, the work of another process that stopped included), then
// follows what is stored, as an engine opened without Standby does. When
// ctx ends it stops evaluating, after the batch in progress, and returns
// nil; it returns the error of the first read, which leaves the engine
// standing by. Call it only while this process holds the node's
// early-warning lease, and after Open.
func (w *Engine) Lead(ctx context.Context) error {
	w.mu.Lock()
	w.active = true
	w.mu.Unlock()
	err := w.Rescan(ctx)
	if err == nil {
		<-ctx.Done()
	}
	w.mu.Lock()
	w.active = false
	w.queue, w.overflow = nil, false
	w.mu.Unlock()
	w.procMu.Lock()
	w.idx, w.cursors = nil, nil
	w.procMu.Unlock()
	if ctx.Err() != nil && err != nil {
		return nil // stopped while reading
	}
	return err
}

// Close stops the worker after the batch it is processing.
func (w *Engine) Close() error {
	if w.cancel != nil {
		w.cancel()
		<-w.done
		w.cancel = nil
	}
	return nil
}

var _ rampart.ObjectSubscriber = (*Engine)(nil)

// ObjectsAdded queues versions stored in a collection for the engine. It
// never blocks; matching types (sightings, relationships, identities,
// locations, indicators, intrusion sets, campaigns) are kept and processed
// in the background.
func (w *Engine) ObjectsAdded(_ context.Context, _ string, vs []*rampart.ObjectVersion) {
	objs := make([]*stix.Object, len(vs))
	for i, v := range vs {
		objs[i] = v.Object
	}
	w.Observe(objs)
}

// ObjectsDeleted does nothing: alerts already raised stay, and the
// sightings they name stay in their list.
func (w *Engine) ObjectsDeleted(context.Context, string, []string) {}

// Observe queues objects for the engine, as ObjectsAdded does, for
// callers that hold objects rather than stored versions (tests, the CLI).
func (w *Engine) Observe(objs []*stix.Object) {
	w.mu.Lock()
	if !w.active {
		// Standing by: the engine reads the store when it leads.
		w.mu.Unlock()
		return
	}
	for _, o := range objs {
		if !observed(o.Type) {
			continue
		}
		if len(w.queue) >= MaxQueued {
			w.overflow = true
			w.queue = nil
			break
		}
		w.queue = append(w.queue, o)
	}
	w.mu.Unlock()
	if w.wake != nil {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Flush processes everything queued so far before returning, for callers
// that need the alerts now (tests, the CLI).
func (w *Engine) Flush(ctx context.Context) error {
	return w.process(ctx)
}

func (w *Engine) run(ctx context.Context) {
	defer close(w.done)
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
			if err := w.process(ctx); err != nil && ctx.Err() == nil {
				w.logger().Error("early warning", "err", err)
			}
		case <-prune.C:
			w.procMu.Lock()
			if w.idx != nil {
				w.idx.prune(w.now().Add(-w.Rules.Retention))
			}
			w.procMu.Unlock()
		}
	}
}

// process takes the queue and folds it into the index. It holds procMu
// from before it takes the queue until the batch is stored, so that Flush
// returns only once everything queued before it has been processed, by
// whichever goroutine took it.
func (w *Engine) process(ctx context.Context) error {
	w.procMu.Lock()
	defer w.procMu.Unlock()
	w.mu.Lock()
	batch, overflow, active := w.queue, w.overflow, w.active
	w.queue, w.overflow = nil, false
	w.mu.Unlock()
	if !active || w.idx == nil {
		return nil
	}
	if overflow {
		w.logger().Warn("early warning: more than MaxQueued objects arrived at once; re-reading the store", "max", MaxQueued)
		return w.rescan(ctx)
	}
	if len(batch) == 0 {
		return nil
	}
	return w.apply(ctx, batch)
}

// Rescan rebuilds the engine's view from the store and evaluates every
// rule and watchlist again. Open calls it; so does process after a queue
// overflow, and SetWatchlists.
func (w *Engine) Rescan(ctx context.Context) error {
	w.procMu.Lock()
	defer w.procMu.Unlock()
	return w.rescan(ctx)
}

// rescan is Rescan with procMu held. A Standby engine that does not lead
// reads nothing.
func (w *Engine) rescan(ctx context.Context) error {
	w.mu.Lock()
	active := w.active
	w.mu.Unlock()
	if !active {
		return nil
	}
	w.idx = newIndex()
	w.cursors = map[string]int64{}
	// Alerts this node wrote, so that their ids and versions carry on.
	if _, err := w.scan(ctx, w.CollectionID, []string{coord.AlertType}, 0, func(o *stix.Object) {
		a, err := coord.ParseAlert(o)
		if err != nil || a.CreatedBy != w.Organization || a.Rule == "" {
			return
		}
		w.idx.putAlert(a, ruleKey{a.Rule, a.SubjectRef})
	}); err != nil {
		return err
	}
	return w.readNew(ctx)
}

// readNew reads every collection from its cursor and applies what it
// finds. The caller holds procMu.
func (w *Engine) readNew(ctx context.Context) error {
	colls, err := w.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return fmt.Errorf("early warning: list collections: %w", err)
	}
	var batch []*stix.Object
	for _, c := range colls {
		seq, err := w.scan(ctx, c.ID, observedTypes, w.cursors[c.ID], func(o *stix.Object) { batch = append(batch, o) })
		if err != nil {
			return err
		}
		w.cursors[c.ID] = seq
	}
	return w.apply(ctx, batch)
}

// scan calls fn for the latest version of every object of types in a
// collection added after the version with Seq after, and returns the
// highest Seq read (after when none).
func (w *Engine) scan(ctx context.Context, collectionID string, types []string, after int64, fn func(*stix.Object)) (int64, error) {
	f := rampart.ObjectFilter{CollectionID: collectionID, Types: types, AfterSeq: after}
	for {
		page, err := w.Objects.FindObjects(ctx, f)
		if err != nil {
			return after, fmt.Errorf("early warning: read collection %s: %w", collectionID, err)
		}
		for _, v := range page.Versions {
			fn(v.Object)
			after = max(after, v.Seq)
		}
		if !page.More || len(page.Versions) == 0 {
			return after, nil
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
}

// apply folds objects into the index, evaluates the rules they bear on
// and the watchlists against new indicators, and stores and pushes the
// resulting alerts. The caller holds procMu.
func (w *Engine) apply(ctx context.Context, objs []*stix.Object) error {
	now := w.now()
	horizon := now.Add(-w.Rules.Retention)
	dirty := map[ruleKey]bool{}
	var indicators []*stix.Object
	for _, o := range objs {
		for _, k := range w.idx.add(o, horizon) {
			dirty[k] = true
		}
		if o.Type == "indicator" && !o.Revoked && w.idx.versions[o.ID].Equal(o.Version()) {
			indicators = append(indicators, o)
		}
	}
	keys := make([]ruleKey, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Rule != keys[j].Rule {
			return keys[i].Rule < keys[j].Rule
		}
		return keys[i].Subject < keys[j].Subject
	})
	var out []*coord.Alert
	var outKeys []ruleKey
	for _, k := range keys {
		for _, a := range w.evaluate(k, now) {
			out = append(out, a)
			outKeys = append(outKeys, k)
		}
	}
	for _, o := range indicators {
		for _, a := range w.checkWatchlists(o, now) {
			out = append(out, a)
			outKeys = append(outKeys, ruleKey{RuleWatchlist, a.SubjectRef})
		}
	}
	return w.store(ctx, out, outKeys)
}

// store writes new alert versions and pushes them to the webhooks.
func (w *Engine) store(ctx context.Context, alerts []*coord.Alert, keys []ruleKey) error {
	if len(alerts) == 0 {
		return nil
	}
	objs := make([]*stix.Object, 0, len(alerts))
	for _, a := range alerts {
		o, err := a.Object()
		if err == nil && w.Sign != nil {
			o, err = w.Sign(o)
		}
		if err != nil {
			return fmt.Errorf("early warning: alert %s: %w", a.ID, err)
		}
		objs = append(objs, o)
	}
	if err := w.defs.Ensure(ctx, w.Objects, w.CollectionID); err != nil {
		return fmt.Errorf("early warning: store the extension definitions: %w", err)
	}
	if _, err := w.Objects.CreateObjects(ctx, w.CollectionID, objs); err != nil {
		return fmt.Errorf("early warning: store %d alerts: %w", len(objs), err)
	}
	for i, a := range alerts {
		first := w.idx.alerts[a.ID] == nil
		w.idx.putAlert(a, keys[i])
		w.logger().Info("early warning: alert", "id", a.ID, "rule", a.Rule, "severity", a.Severity, "states", strings.Join(a.MemberStates, ","), "new", first)
		if w.Notifier != nil {
			event := webhook.EventAlertUpdated
			if first {
				event = webhook.EventAlertRaised
			}
			w.Notifier.Notify(event, objs[i])
		}
	}
	w.mu.Lock()
	w.alertCount += len(alerts)
	w.mu.Unlock()
	return nil
}

// AlertsWritten returns how many alert versions the engine has stored
// since it was created.
func (w *Engine) AlertsWritten() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.alertCount
}

// placed is a sighting with its member states and sectors.
type placed struct {
	s         *sighting
	countries []string
	sectors   []string
}

// evaluate applies the rule of k to its sightings and returns the alert
// versions to write: one per episode (a run of sightings in which at
// least MinStates member states sighted within Window), new or changed.
func (w *Engine) evaluate(k ruleKey, now time.Time) []*coord.Alert {
	var ps []placed
	for _, s := range w.idx.sightingsOf(k) {
		if cs, secs := w.idx.place(s, w.CountryOf); len(cs) > 0 {
			ps = append(ps, placed{s, cs, secs})
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].s.Time.Equal(ps[j].s.Time) {
			return ps[i].s.Time.Before(ps[j].s.Time)
		}
		return ps[i].s.ID < ps[j].s.ID
	})
	episodes := episodes(ps, w.Rules.MinStates, w.Rules.Window)
	var out []*coord.Alert
	used := map[string]bool{}
	for _, ep := range episodes {
		if k.Rule != RuleSameIndicator && distinctOf(ep) < 2 {
			// One indicator alone is the same-indicator rule's alert.
			continue
		}
		a := w.episodeAlert(k, ep)
		prev := w.matchingAlert(k, a.SightingRefs, used)
		if prev != nil {
			used[prev.ID] = true
			a.ID, a.Created = prev.ID, prev.Created
			if a.SameContent(prev) {
				continue
			}
			a.Modified = now
			if !a.Modified.After(prev.Modified) {
				a.Modified = prev.Modified.Add(time.Millisecond)
			}
		} else {
			a.ID = derivedID(coord.AlertType, w.Organization+"|"+k.Rule+"|"+k.Subject+"|"+ep[0].s.ID)
			if old := w.idx.alerts[a.ID]; old != nil {
				// The episode's first sighting once began an alert that
				// since lost its sightings (pruned): continue it.
				a.Created, a.Modified = old.Created, now
				if !a.Modified.After(old.Modified) {
					a.Modified = old.Modified.Add(time.Millisecond)
				}
			} else {
				a.Created, a.Modified = now, now
			}
		}
		out = append(out, a)
	}
	return out
}

// episodes returns the runs of sightings (sorted by time) that lie in some
// window of length window holding at least minStates member states; runs
// are split where two such sightings are more than window apart.
func episodes(ps []placed, minStates int, window time.Duration) [][]placed {
	n := len(ps)
	mark := make([]int, n+1)
	counts := map[string]int{}
	l := 0
	for r := 0; r < n; r++ {
		for _, c := range ps[r].countries {
			counts[c]++
		}
		for ps[r].s.Time.Sub(ps[l].s.Time) > window {
			for _, c := range ps[l].countries {
				if counts[c]--; counts[c] == 0 {
					delete(counts, c)
				}
			}
			l++
		}
		if len(counts) >= minStates {
			mark[l]++
			mark[r+1]--
		}
	}
	var out [][]placed
	var cur []placed
	run := 0
	for i := 0; i < n; i++ {
		run += mark[i]
		if run <= 0 {
			continue
		}
		if len(cur) > 0 && ps[i].s.Time.Sub(cur[len(cur)-1].s.Time) > window {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, ps[i])
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func distinctOf(ep []placed) int {
	seen := map[string]bool{}
	for _, p := range ep {
		seen[p.s.Of] = true
	}
	return len(seen)
}

// matchingAlert returns the alert of k that already holds one of the
// sightings, so that an episode keeps its alert as it grows.
func (w *Engine) matchingAlert(k ruleKey, sightings []string, used map[string]bool) *coord.Alert {
	for _, a := range w.idx.alertsByKey[k] {
		if used[a.ID] {
			continue
		}
		for _, s := range a.SightingRefs {
			if _, ok := slices.BinarySearch(sightings, s); ok {
				return a
			}
		}
	}
	return nil
}

// episodeAlert describes an episode (without id and times).
func (w *Engine) episodeAlert(k ruleKey, ep []placed) *coord.Alert {
	var states, sectors, sightings, indicators, sets, camps []string
	for _, p := range ep {
		states = append(states, p.countries...)
		sectors = append(sectors, p.sectors...)
		sightings = append(sightings, p.s.ID)
		switch stix.IDType(p.s.Of) {
		case "indicator":
			indicators = append(indicators, p.s.Of)
		case "intrusion-set":
			sets = append(sets, p.s.Of)
		case "campaign":
			camps = append(camps, p.s.Of)
		}
		for _, t := range w.idx.targets("indicates", p.s.Of) {
			switch stix.IDType(t) {
			case "intrusion-set":
				sets = append(sets, t)
			case "campaign":
				camps = append(camps, t)
			}
		}
	}
	for _, c := range dedupe(camps) {
		sets = append(sets, w.idx.targets("attributed-to", c)...)
	}
	switch k.Rule {
	case RuleSameIntrusionSet:
		sets = append(sets, k.Subject)
	case RuleSameCampaign:
		camps = append(camps, k.Subject)
	}
	a := &coord.Alert{
		CreatedBy: w.Organization, Rule: k.Rule, SubjectRef: k.Subject,
		MemberStates: dedupe(states), Sectors: dedupe(sectors), SightingRefs: dedupe(sightings),
		IndicatorRefs: dedupe(indicators), IntrusionSetRefs: dedupe(sets), CampaignRefs: dedupe(camps),
		FirstSeen: ep[0].s.Time, LastSeen: ep[len(ep)-1].s.Time,
		Window: w.Rules.Window, MinStates: w.Rules.MinStates,
	}
	a.Markings = w.alertMarkings(k, ep, a)
	a.SeverityScore, a.SeverityReasons = scoreAlert(a.MemberStates, a.Sectors, a.IntrusionSetRefs, 0, w.idx.name)
	a.Severity = severityOf(a.SeverityScore)
	where := strings.Join(a.MemberStates, ", ")
	switch k.Rule {
	case RuleSameIndicator:
		a.Name = fmt.Sprintf("%s %s sighted in %s", stix.IDType(k.Subject), w.idx.name(k.Subject), where)
	case RuleSameIntrusionSet:
		a.Name = fmt.Sprintf("intrusion set %s: %d related sightings in %s", w.idx.name(k.Subject), len(a.SightingRefs), where)
	case RuleSameCampaign:
		a.Name = fmt.Sprintf("campaign %s: %d related sightings in %s", w.idx.name(k.Subject), len(a.SightingRefs), where)
	}
	return a
}

// alertMarkings returns the marking of an episode's alert: the rules'
// marking, or a stricter one when anything the alert draws on is marked
// more strictly (trust.Restriction: TLP markings, granular ones included,
// and addressing, which counts as TLP:RED). An alert names the sightings,
// the sighted indicators and their names, the member states and sectors
// where they were made, and the intrusion sets and campaigns they are tied
// to, so it must not travel further than any of them: an alert about a
// TLP:RED sighting is TLP:RED, and federation never sends it in clear.
func (w *Engine) alertMarkings(k ruleKey, ep []placed, a *coord.Alert) []string {
	lvl, err := stix.ParseTLP(w.Rules.Marking)
	if err != nil {
		lvl = stix.TLPAmber // Rules.Validate refuses this; be strict anyway
	}
	ids := []string{k.Subject}
	var where []string
	for _, p := range ep {
		ids = append(ids, p.s.ID, p.s.Of)
		where = append(where, p.s.Where...)
	}
	ids = append(ids, a.IntrusionSetRefs...)
	ids = append(ids, a.CampaignRefs...)
	lvl = max(lvl,
		w.idx.level(ids, "indicates", "attributed-to"),
		w.idx.level(where, "located-at"))
	return []string{lvl.MarkingID()}
}

// alertNamespace is the UUIDv5 namespace of alert ids derived from what
// they are about, so that every node computes the same id for the same
// episode.
var alertNamespace = [16]byte{0x10, 0x20, 0x34, 0xe3, 0x54, 0xb2, 0x44, 0xd9, 0x8b, 0x18, 0x96, 0xe3, 0x9b, 0xbd, 0x17, 0xa0}

// derivedID returns typ--UUIDv5(alertNamespace, name) (RFC 9562 §5.5).
func derivedID(typ, name string) string {
	h := sha1.New()
	h.Write(alertNamespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%s--%x-%x-%x-%x-%x", typ, u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// dedupe returns the distinct values of list, sorted; nil for none.
func dedupe(list []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(list)))
}
