package feed

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Status is how a run ended.
type Status string

// The ways a run ends.
const (
	// StatusOK: the body was read to its end (lines that fail alone are
	// counted in Failed).
	StatusOK Status = "ok"
	// StatusNotModified: the server answered 304; nothing was read.
	StatusNotModified Status = "not-modified"
	// StatusFailed: the fetch failed or the body could not be read to its
	// end; what was read before the failure is stored, nothing is
	// expired.
	StatusFailed Status = "failed"
	// StatusCancelled: the run was stopped (shutdown); as failed.
	StatusCancelled Status = "cancelled"
)

// MaxRunFailures is how many failed lines a Run lists one by one.
const MaxRunFailures = 50

// Failure is one line of a run that failed, and why.
type Failure struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Run is the record of one run of a feed.
type Run struct {
	Feed     string    `json:"feed"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Status   Status    `json:"status"`
	// Error says why a run failed.
	Error string `json:"error,omitempty"`
	// Bytes came over the wire.
	Bytes int64 `json:"bytes"`
	// Fetched counts the records read (values, failed and skipped lines;
	// objects for taxii and misp feeds).
	Fetched int `json:"fetched"`
	// New, Updated and Unchanged count indicators (objects): stored for
	// the first time, stored as a new version (valid_until refreshed or
	// content changed), and seen again with nothing to store.
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Expired counts indicators of the feed not seen again whose
	// valid_until has passed (since the last run that counted them).
	Expired int `json:"expired"`
	// Skipped counts records of a kind the feed does not turn into
	// indicators; Failed, records (or objects) refused, the first
	// MaxRunFailures of them listed in Failures.
	Skipped  int       `json:"skipped"`
	Failed   int       `json:"failed"`
	Failures []Failure `json:"failures,omitempty"`
}

func (r *Run) fail(line int, reason string) {
	r.Failed++
	if len(r.Failures) < MaxRunFailures {
		r.Failures = append(r.Failures, Failure{Line: line, Reason: reason})
	}
}

// Summary is the run in one line.
func (r *Run) Summary() string {
	s := fmt.Sprintf("%s: %s", r.Feed, r.Status)
	if r.Status == StatusNotModified {
		return s
	}
	s += fmt.Sprintf(", %d fetched, %d new, %d updated, %d unchanged, %d expired, %d failed", r.Fetched, r.New, r.Updated, r.Unchanged, r.Expired, r.Failed)
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}

// State is what a feed carries from run to run: the validators of the
// last answer, the TAXII cursor, and the valid_until of every indicator
// it holds (by id), to count the expired ones.
type State struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Cursor       time.Time `json:"cursor,omitzero"`
	// Known maps the ids of the feed's indicators to their valid_until
	// (Unix seconds).
	Known map[string]int64 `json:"-"`
	// dirty: Known changed since it was read, and must be written.
	dirty bool
}

// know records the valid_until of one of the feed's indicators.
func (s *State) know(id string, until time.Time) {
	if prev, ok := s.Known[id]; !ok || prev != until.Unix() {
		s.Known[id] = until.Unix()
		s.dirty = true
	}
}

// Result is what a Store did with one object.
type Result struct {
	// Added is false when the collection held that version already.
	Added bool
	// Err refuses the object alone (validation, warninglist policy).
	Err error
}

// Store is the collection a feed writes to. node implements it over its
// object service and ingester, so that a feed's objects pass the checks
// every object passes.
type Store interface {
	// Find returns the latest version the collection holds of each of ids
	// (at most 1000), by id; ids it does not hold are absent.
	Find(ctx context.Context, ids []string) (map[string]*stix.Object, error)
	// Store stores objs, returning one Result per object in order; the
	// error is for a store that failed as a whole.
	Store(ctx context.Context, objs []*stix.Object) ([]Result, error)
}

// TAXIISource reads a TAXII 2.1 collection (f.URL names it) for feeds of
// format taxii; node fills it with the taxii client.
type TAXIISource interface {
	// Poll calls emit with every object added to the collection after
	// after, in order (with a nil object and the reason for one that
	// cannot be read), and returns the date_added of the last one read
	// (after itself when there is none).
	Poll(ctx context.Context, f *Feed, after time.Time, emit func(*stix.Object, error) error) (time.Time, error)
}

// MISPReader reads a MISP feed through fetch (which GETs a file of the
// feed, "manifest.json" or "<uuid>.json", within the fetcher's limits) and
// emits the STIX objects of the events changed since since.
type MISPReader func(ctx context.Context, fetch func(ctx context.Context, name string) (io.ReadCloser, error), since time.Time, emit func(*stix.Object) error) error

// ErrNoMISP is a misp feed run by a node built without a MISP reader.
var ErrNoMISP = errors.New("MISP feed format not available in this build")

// Progress tells how far a run is.
type Progress struct {
	Stage       string // "fetching", "storing"
	Done, Total int
}

// Runner runs feeds. Set its fields before the first Run.
type Runner struct {
	Fetcher *Fetcher
	TAXII   TAXIISource
	MISP    MISPReader
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Progress, when set, is told how far a run is.
	Progress func(Progress)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) progress(p Progress) {
	if r.Progress != nil {
		r.Progress(p)
	}
}

// batch is how many values are looked up and stored at once.
const batch = 1000

// Run runs f once into st, updating state, and returns its record. It
// never deletes: a failed fetch or body leaves what was stored as it was
// and expires nothing.
func (r *Runner) Run(ctx context.Context, f *Feed, st Store, state *State) *Run {
	run := &Run{Feed: f.Name, Started: r.now(), Status: StatusOK}
	if state.Known == nil {
		state.Known = map[string]int64{}
	}
	var err error
	switch f.Format {
	case FormatTAXII:
		err = r.runTAXII(ctx, f, st, state, run)
	case FormatMISP:
		err = r.runMISP(ctx, f, st, state, run)
	default:
		err = r.runValues(ctx, f, st, state, run)
	}
	if err != nil {
		run.Status, run.Error = StatusFailed, err.Error()
		if ctx.Err() != nil {
			run.Status = StatusCancelled
		}
	}
	run.Finished = r.now()
	return run
}

// runValues fetches and parses a csv, list, json or jsonl feed and stores
// an indicator for each value.
func (r *Runner) runValues(ctx context.Context, f *Feed, st Store, state *State, run *Run) error {
	r.progress(Progress{Stage: "fetching"})
	fetcher := r.Fetcher
	if fetcher == nil {
		fetcher = &Fetcher{}
	}
	resp, err := fetcher.Fetch(ctx, Request{URL: f.URL, Token: f.Token, Headers: f.Headers, ETag: state.ETag, LastModified: state.LastModified, MaxBodyBytes: f.MaxBodyBytes})
	if err != nil {
		return err
	}
	run.Bytes = resp.Bytes
	if resp.NotModified {
		run.Status = StatusNotModified
		return nil
	}
	// Entries by id, in the order first seen; a value listed several
	// times is one indicator whose description gathers the lines'.
	type item struct {
		e     Entry
		id    string
		descs []string
	}
	var items []*item
	byID := map[string]*item{}
	var bodyErr error
	for e, err := range Parse(f, resp.Body) {
		var le *LineError
		switch {
		case err == nil:
			run.Fetched++
			id := IndicatorID(f.Name, e.Kind, e.Value)
			if it := byID[id]; it != nil {
				if e.Description != "" && !slices.Contains(it.descs, e.Description) && len(it.descs) < 10 {
					it.descs = append(it.descs, e.Description)
				}
				it.e.TLP = max(it.e.TLP, e.TLP)
				continue
			}
			it := &item{e: e, id: id}
			if e.Description != "" {
				it.descs = []string{e.Description}
			}
			byID[id] = it
			items = append(items, it)
		case errors.As(err, &le) && le.Skipped:
			run.Fetched++
			run.Skipped++
		case errors.As(err, &le):
			run.Fetched++
			run.fail(le.Line, le.Reason)
		default:
			bodyErr = err
		}
	}
	if bodyErr == nil && len(items) == 0 && run.Failed > 0 {
		bodyErr = fmt.Errorf("no line of the body could be read (first: line %d: %s)", run.Failures[0].Line, run.Failures[0].Reason)
	}
	now := run.Started
	var producer *stix.Object
	if f.Producer != "" {
		if producer, err = ProducerIdentity(f.Producer); err != nil {
			return err
		}
	}
	for i := 0; i < len(items); i += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.progress(Progress{Stage: "storing", Done: i, Total: len(items)})
		chunk := items[i:min(i+batch, len(items))]
		ids := make([]string, len(chunk))
		for j, it := range chunk {
			ids[j] = it.id
		}
		old, err := st.Find(ctx, ids)
		if err != nil {
			return fmt.Errorf("read stored indicators: %v", err)
		}
		// What is stored, and for each the item (nil for the producer),
		// whether it existed and its valid_until.
		var objs []*stix.Object
		var which []*item
		var existed []bool
		var untils []time.Time
		if producer != nil && i == 0 {
			objs, which, existed, untils = append(objs, producer), append(which, nil), append(existed, true), append(untils, time.Time{})
		}
		for _, it := range chunk {
			it.e.Description = strings.Join(it.descs, "\n")
			o, until, err := buildIndicator(f, it.e, it.id, producer, old[it.id], now)
			if err != nil {
				run.fail(it.e.Line, err.Error())
				continue
			}
			if o == nil {
				state.know(it.id, until)
				run.Unchanged++
				continue
			}
			objs, which, existed, untils = append(objs, o), append(which, it), append(existed, old[it.id] != nil), append(untils, until)
		}
		if len(objs) == 0 {
			continue
		}
		res, err := st.Store(ctx, objs)
		if err != nil {
			return fmt.Errorf("store: %v", err)
		}
		for j, x := range res {
			it := which[j]
			if it == nil {
				continue // the producer's identity
			}
			if x.Err != nil {
				// Refused alone; what was stored of it before stays, and
				// so does what the index knew of it.
				run.fail(it.e.Line, fmt.Sprintf("%s %s: %v", it.e.Kind, clip(it.e.Value), x.Err))
				continue
			}
			state.know(it.id, untils[j])
			switch {
			case !x.Added:
				run.Unchanged++
			case existed[j]:
				run.Updated++
			default:
				run.New++
			}
		}
	}
	r.progress(Progress{Stage: "storing", Done: len(items), Total: len(items)})
	if bodyErr != nil {
		// Validators are not kept: the next run fetches the body again.
		return bodyErr
	}
	state.ETag, state.LastModified = resp.ETag, resp.LastModified
	for id, until := range state.Known {
		if byID[id] == nil && until < now.Unix() {
			run.Expired++
			delete(state.Known, id)
			state.dirty = true
		}
	}
	return nil
}

// objectSink stores STIX objects read from a TAXII collection or a MISP
// feed, as they are, in batches.
type objectSink struct {
	st      Store
	run     *Run
	pending []*stix.Object
}

func (s *objectSink) add(ctx context.Context, o *stix.Object) error {
	s.run.Fetched++
	s.pending = append(s.pending, o)
	if len(s.pending) >= batch {
		return s.flush(ctx)
	}
	return nil
}

func (s *objectSink) flush(ctx context.Context) error {
	if len(s.pending) == 0 {
		return nil
	}
	objs := s.pending
	s.pending = nil
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	old, err := s.st.Find(ctx, ids)
	if err != nil {
		return fmt.Errorf("read stored objects: %v", err)
	}
	res, err := s.st.Store(ctx, objs)
	if err != nil {
		return fmt.Errorf("store: %v", err)
	}
	for j, x := range res {
		switch {
		case x.Err != nil:
			s.run.fail(0, fmt.Sprintf("%s: %v", objs[j].ID, x.Err))
		case !x.Added:
			s.run.Unchanged++
		case old[objs[j].ID] != nil:
			s.run.Updated++
		default:
			s.run.New++
		}
	}
	return nil
}

func (r *Runner) runTAXII(ctx context.Context, f *Feed, st Store, state *State, run *Run) error {
	if r.TAXII == nil {
		return errors.New("TAXII feeds are not available here")
	}
	r.progress(Progress{Stage: "fetching"})
	sink := &objectSink{st: st, run: run}
	last, err := r.TAXII.Poll(ctx, f, state.Cursor, func(o *stix.Object, bad error) error {
		if bad != nil {
			run.Fetched++
			run.fail(0, bad.Error())
			return nil
		}
		return sink.add(ctx, o)
	})
	if ferr := sink.flush(ctx); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if last.After(state.Cursor) {
		state.Cursor = last
	}
	return nil
}

func (r *Runner) runMISP(ctx context.Context, f *Feed, st Store, state *State, run *Run) error {
	if r.MISP == nil {
		return ErrNoMISP
	}
	fetcher := r.Fetcher
	if fetcher == nil {
		fetcher = &Fetcher{}
	}
	fetch := fetcher.Files(f.URL, Request{Token: f.Token, Headers: f.Headers, MaxBodyBytes: f.MaxBodyBytes}, func(n int64) { run.Bytes += n })
	sink := &objectSink{st: st, run: run}
	since := state.Cursor
	err := r.MISP(ctx, fetch, since, func(o *stix.Object) error { return sink.add(ctx, o) })
	if ferr := sink.flush(ctx); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	state.Cursor = run.Started
	return nil
}

// IndicatorID returns the id of the indicator a feed makes of a value: a
// UUIDv5 of the feed's name, the kind and the value, so that a run again
// updates it rather than adding another.
func IndicatorID(feed string, k Kind, value string) string {
	return stix.NameID("indicator", "feed indicator\x00"+feed+"\x00"+string(k)+"\x00"+value)
}

// producerCreated is the fixed creation time of producer identities, so
// that storing one again is storing the same version.
var producerCreated = stix.MustTimestamp("2020-01-01T00:00:00.000Z")

// ProducerIdentity returns the identity SDO of a feed's producer; its id
// depends on the name only.
func ProducerIdentity(name string) (*stix.Object, error) {
	return stix.NewObject(&stix.Identity{
		CommonProperties: stix.CommonProperties{
			Type: "identity", SpecVersion: "2.1", ID: stix.NameID("identity", "feed producer\x00"+name),
			Created: producerCreated, Modified: producerCreated,
		},
		Name: name, IdentityClass: "organization",
	})
}

// buildIndicator returns the indicator to store for e, and its
// valid_until; a nil object when old is still good: the same content,
// and valid for at least half the feed's expiry more (refreshing every
// run would store a version of every value at every run).
func buildIndicator(f *Feed, e Entry, id string, producer, old *stix.Object, now time.Time) (*stix.Object, time.Time, error) {
	expiry := f.EffectiveExpiry()
	until := now.Add(expiry)
	ind := stix.Indicator{
		CommonProperties: stix.CommonProperties{
			Type: "indicator", SpecVersion: "2.1", ID: id,
			Labels:             []string{"feed:" + f.Name},
			ExternalReferences: []stix.ExternalReference{{SourceName: f.Name, URL: redactURLForRef(f.URL)}},
		},
		Name:           e.Value,
		Description:    e.Description,
		IndicatorTypes: []string{"malicious-activity"},
		Pattern:        Pattern(e.Kind, e.Value),
		PatternType:    "stix",
		PatternVersion: "2.1",
	}
	conf := f.EffectiveConfidence()
	ind.Confidence = &conf
	if producer != nil {
		ind.CreatedByRef = producer.ID
	}
	if t := max(f.EffectiveTLP(), e.TLP); t != stix.TLPUnmarked {
		ind.ObjectMarkingRefs = []string{t.MarkingID()}
	}
	ts := stix.NewTimestamp(now)
	ind.Created, ind.Modified = ts, ts
	ind.ValidFrom = ts
	if !e.FirstSeen.IsZero() && e.FirstSeen.Before(now) {
		ind.ValidFrom = stix.NewTimestamp(e.FirstSeen)
	}
	if old != nil {
		var prev stix.Indicator
		if err := json.Unmarshal(old.Raw, &prev); err != nil {
			return nil, until, fmt.Errorf("stored %s: %v", id, err)
		}
		if prev.Revoked {
			// An analyst revoked it: a feed does not bring it back.
			return nil, prev.ValidUntil.Time(), nil
		}
		ind.Created, ind.ValidFrom = prev.Created, prev.ValidFrom
		same := prev.Description == ind.Description && prev.Pattern == ind.Pattern &&
			prev.CreatedByRef == ind.CreatedByRef && slices.Equal(prev.ObjectMarkingRefs, ind.ObjectMarkingRefs) &&
			prev.Confidence != nil && *prev.Confidence == conf
		if same && !prev.ValidUntil.IsZero() && prev.ValidUntil.Time().Sub(now) > expiry/2 {
			return nil, prev.ValidUntil.Time(), nil
		}
		if !now.After(prev.Modified.Time()) {
			ind.Modified = stix.NewTimestamp(prev.Modified.Time().Add(time.Millisecond))
		}
	}
	if !until.After(ind.ValidFrom.Time()) {
		until = ind.ValidFrom.Time().Add(expiry)
	}
	ind.ValidUntil = stix.NewTimestamp(until)
	o, err := stix.NewObject(&ind)
	return o, until, err
}

// redactURLForRef is the feed's URL as indicators cite it: without
// credentials or query.
func redactURLForRef(s string) string {
	r := redact(s)
	return strings.TrimSuffix(r, "?…")
}
