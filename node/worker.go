package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/bus"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// WorkerStats counts what the matcher workers of a process did.
type WorkerStats struct {
	Batches   int64
	Dropped   int64 // batches that can never be matched (logged)
	Records   int64
	Malformed int64
	Sightings int64
}

// worker matches queued observation batches with a matcher kept in step
// with the store, and stores their sightings.
type worker struct {
	n *Node
	m *Matcher
	// collection is where sightings go when a batch names none.
	collection string
	stats      struct{ batches, dropped, records, malformed, sightings atomic.Int64 }
}

func (w *worker) Stats() WorkerStats {
	return WorkerStats{Batches: w.stats.batches.Load(), Dropped: w.stats.dropped.Load(), Records: w.stats.records.Load(),
		Malformed: w.stats.malformed.Load(), Sightings: w.stats.sightings.Load()}
}

// consume runs one consumer until ctx is done.
func (w *worker) consume(ctx context.Context, b *bus.Bus) error {
	return b.ConsumeObservations(ctx, func(ctx context.Context, batch *rampart.ObservationBatch) error {
		st, err := w.n.MatchBatch(ctx, w.m, w.collection, batch)
		if rampart.ErrorCode(err) == rampart.EINVALID {
			w.stats.dropped.Add(1)
			return err
		}
		if err != nil {
			return err
		}
		w.stats.batches.Add(1)
		w.stats.records.Add(st.Records)
		w.stats.malformed.Add(st.Malformed)
		w.stats.sightings.Add(st.Sightings)
		w.n.logger.Info("observation batch matched", "batch", batch.ID, "api_root", batch.APIRoot, "account", batch.Account,
			"records", st.Records, "malformed", st.Malformed, "sightings", st.Sightings, "seconds", st.Elapsed.Seconds())
		return nil
	})
}

// MatchBatch matches a queued batch against m's indicators and stores
// the sightings in the batch's collection (defaultCollection when it names
// none), as an upload to the JSON API is. Matching a batch again stores
// the same sightings, observed-data and observables again, as the same
// versions: their ids come from the batch's ID and their times from its
// Received time, so a batch given to a second worker (the first died
// before it acknowledged) adds nothing.
//
// It returns an Error with code EINVALID for a batch that can never be
// matched (an unknown collection, format or mapping; a log that cannot be
// read: what was read is stored); other errors are the store's.
func (n *Node) MatchBatch(ctx context.Context, m *Matcher, defaultCollection string, b *rampart.ObservationBatch) (match.Stats, error) {
	coll := b.Collection
	if coll == "" {
		coll = defaultCollection
	}
	cs, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{ID: &coll})
	if err != nil {
		return match.Stats{}, err
	}
	if len(cs) == 0 {
		return match.Stats{}, rampart.Errorf(rampart.EINVALID, "batch %s: no collection %q to store sightings in", b.ID, coll)
	}
	var mp *match.Mapping
	if b.Mapping != "" {
		if !slices.Contains(match.Mappings(), b.Mapping) {
			return match.Stats{}, rampart.Errorf(rampart.EINVALID, "batch %s: mapping %q is not one of the built-in mappings %v", b.ID, b.Mapping, match.Mappings())
		}
		if mp, err = match.LoadMapping(b.Mapping); err != nil {
			return match.Stats{}, rampart.Errorf(rampart.EINVALID, "batch %s: %v", b.ID, err)
		}
	}
	lr, err := match.NewReader(b.Format, bytes.NewReader(b.Body), mp)
	if err != nil {
		return match.Stats{}, rampart.Errorf(rampart.EINVALID, "batch %s: %v", b.ID, err)
	}
	received := b.Received
	if received.IsZero() {
		received = time.Now().UTC()
	}
	// Records without a time of their own were seen when the batch was
	// taken, whichever worker matches it.
	switch r := lr.(type) {
	case *match.JSONLinesReader:
		r.Now = func() time.Time { return received }
	case *match.CSVReader:
		r.Now = func() time.Time { return received }
	}
	window := b.Window
	if window <= 0 {
		window = time.Hour
	}
	sink := n.NewSightings(ctx, coll)
	agg := sink.Aggregator(b.Observer, window)
	agg.Now = func() time.Time { return received }
	where := agg.WhereSightedRef
	agg.ID = func(indicator string, start time.Time) string {
		return stix.NameID("sighting", "batch "+b.ID+" "+indicator+" "+where+" "+start.Format(time.RFC3339))
	}
	agg.ObservedID = func(o *pattern.Observation) string { return observedID(b.ID, o) }
	m.Flush()
	stream := &match.Stream{Matcher: m.M, Reader: lr, Aggregator: agg}
	stream.OnRecord = func(rec *match.Record) { sink.Observed(ctx, rec) }
	st, err := stream.Run(ctx)
	ferr := sink.Flush(ctx)
	if serr := sink.Failed(); serr != nil {
		return st, serr
	}
	if err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		return st, rampart.Errorf(rampart.EINVALID, "batch %s could not be read after %d records: %v (what was read is stored: %d sightings)", b.ID, st.Records, err, st.Sightings)
	}
	return st, ferr
}

// observedID names the observed-data of a record of a batch by what it
// holds: the same record matched again gets the same id.
func observedID(batch string, o *pattern.Observation) string {
	h := sha256.New()
	fmt.Fprintf(h, "batch %s %s %s %d ", batch, o.FirstObserved.UTC().Format(time.RFC3339Nano), o.LastObserved.UTC().Format(time.RFC3339Nano), o.NumberObserved)
	if data, err := json.Marshal(o.Objects, json.Deterministic(true)); err == nil {
		h.Write(data)
	}
	return stix.NameID("observed-data", hex.EncodeToString(h.Sum(nil)))
}

// WorkConfig is what "rampart worker" runs with.
type WorkConfig struct {
	Bus BusConfig
	// Sightings names the collection (id or alias, in the default API
	// root) of the sightings of batches that name none.
	Sightings string
	// Report, when set, is called with the totals every ReportEvery and
	// when the worker stops.
	Report      func(WorkerStats)
	ReportEvery time.Duration
}

// Work runs matcher workers until ctx is done: it connects to the bus
// (an external NATS server: the embedded one runs inside "rampart
// serve"), loads the matcher from the store and keeps it in step with
// every write (of this process or another), and matches the batches
// queued, Bus.Workers at a time (one when 0). Batches are acknowledged
// once their sightings are committed.
func (n *Node) Work(ctx context.Context, c WorkConfig) error {
	if c.Bus.Embedded || c.Bus.URL == "" {
		return errors.New("a worker connects to the NATS server the node's serve processes use: give --nats URL")
	}
	coll, err := n.FindCollection(ctx, DefaultAPIRoot, c.Sightings)
	if err != nil {
		return fmt.Errorf("--sightings: %w", err)
	}
	b, closers, err := n.openBus(ctx, c.Bus, "rampart worker")
	if err != nil {
		return err
	}
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
	}()
	m := NewMatcher(n.Objects, n.Collections, n.logger)
	// Decayed indicators match no more here than in serve.
	lc, err := n.Lifecycle(ctx)
	if err != nil {
		return err
	}
	m.Lifecycle = lc
	read, refused := m.Load(ctx)
	for i, err := range refused {
		if i == 10 {
			break
		}
		n.logger.Warn("indicator refused by the matcher", "err", err)
	}
	n.logger.Info("matcher loaded", "indicators", m.M.Len(), "read", read)
	n.Objects.Subscribe(m)
	if err := n.Objects.Open(ctx); err != nil {
		return err
	}
	defer n.Objects.Close()
	go n.followLifecycle(ctx, m)
	w := &worker{n: n, m: m, collection: coll.ID}
	fmt.Fprintf(n.Config.Notices, "rampart: worker matching observation batches from %s with %d indicators\n", c.Bus.URL, m.M.Len())
	return runWorkers(ctx, w, b, c.Bus.Workers, c.Report, c.ReportEvery)
}

// runWorkers runs count consumers of w (at least one) until ctx is done,
// reporting the totals.
func runWorkers(ctx context.Context, w *worker, b *bus.Bus, count int, report func(WorkerStats), every time.Duration) error {
	count = max(count, 1)
	var wg sync.WaitGroup
	errs := make([]error, count)
	for i := range count {
		wg.Go(func() { errs[i] = w.consume(ctx, b) })
	}
	if report != nil {
		if every <= 0 {
			every = 10 * time.Second
		}
		t := time.NewTicker(every)
		defer t.Stop()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
	loop:
		for {
			select {
			case <-t.C:
				report(w.Stats())
			case <-done:
				break loop
			}
		}
		report(w.Stats())
	}
	wg.Wait()
	for i, err := range errs {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			errs[i] = nil
		}
	}
	return errors.Join(errs...)
}

// followLifecycle keeps a worker's matcher scored as serve keeps its own:
// settings changed anywhere take effect within settingsPoll, and every
// indicator is scored again each RecheckInterval.
func (n *Node) followLifecycle(ctx context.Context, m *Matcher) {
	t := time.NewTicker(settingsPoll)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.applyLifecycle(ctx, m)
		if time.Since(last) >= RecheckInterval {
			m.Recheck(ctx)
			last = time.Now()
		}
	}
}
