package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// DefaultMaxObservationBytes is the largest observation upload accepted
// when MaxObservationBytes is 0 (256 MiB): logs are streamed, so the limit
// bounds the time a request takes, not memory.
const DefaultMaxObservationBytes = 256 << 20

// ObservationResult is the answer to an observation upload. With Access,
// Matched, Sightings and Stored tell only what the account may read: the
// records that met indicators it may read, and the sightings it may read,
// so that an upload never tells of an indicator it could not read.
type ObservationResult struct {
	Records   int64              `json:"records"`
	Malformed int64              `json:"malformed"`
	Errors    []ObservationError `json:"errors,omitempty"`
	Matched   int64              `json:"matched"`
	Sightings int64              `json:"sightings"`
	// Suppressed counts the matches that raised no sighting because the
	// values observed are all on the node's warninglists, of the
	// indicators the account may read (as Matched).
	Suppressed int64    `json:"suppressed_by_warninglists,omitempty"`
	Stored     []string `json:"sighting_ids,omitempty"`
	// Collection is where the sightings were stored.
	Collection string  `json:"collection"`
	Seconds    float64 `json:"seconds"`
}

// ObservationError is a malformed record of an upload.
type ObservationError struct {
	Line    int64  `json:"line"`
	Message string `json:"message"`
}

// handleObservations serves POST /api/v1/observations: a sensor log (JSON
// lines keyed by STIX object paths or mapped by a built-in mapping, Zeek
// TSV, CSV, or a STIX bundle of observed-data) is matched against every
// indicator the node holds, and the sightings, with their observed-data
// and SCOs, are stored in a collection the account may write to, where
// TAXII and federation carry them like any object.
//
// Query parameters: format (jsonl, stix, zeek, csv; default jsonl),
// mapping (a built-in mapping name), collection (default: the node's
// sightings collection), window (aggregation window, default 1h).
//
// Every sighting is stored, whoever uploads: the node's early warning
// needs them all. The answer, with Access, names and counts only what
// the account may read (see ObservationResult).
func (s *Server) handleObservations(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.Matcher == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node does not match observations")
	}
	rd, err := s.reader(r.Context(), a)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains([]string{"format", "mapping", "collection", "window"}, name) {
			return rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: this endpoint takes format, mapping, collection and window", name)
		}
	}
	coll, err := s.sightingsCollection(r.Context(), a, q.Get("collection"))
	if err != nil {
		return err
	}
	window := time.Hour
	if v := q.Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return rampart.Errorf(rampart.EINVALID, "window %q is not a positive duration such as 1h or 15m", v)
		}
		window = d
	}
	var mp *match.Mapping
	if name := q.Get("mapping"); name != "" {
		// Only built-in mappings: a mapping file is a path on the server.
		if !slices.Contains(match.Mappings(), name) {
			return rampart.Errorf(rampart.EINVALID, "mapping %q is not one of the built-in mappings %v", name, match.Mappings())
		}
		var err error
		if mp, err = match.LoadMapping(name); err != nil {
			return err
		}
	}
	if s.Observations != nil {
		// The format is checked here, the records by the worker.
		if _, err := match.NewReader(q.Get("format"), strings.NewReader(""), mp); err != nil {
			return rampart.Errorf(rampart.EINVALID, "%v", err)
		}
		return s.queueObservations(w, r, a, coll, window)
	}
	lr, err := match.NewReader(q.Get("format"), r.Body, mp)
	if err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	if s.Sightings == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node does not store sightings")
	}
	sink := s.Sightings(r.Context(), coll)
	// Where the records were sighted: at the uploading account's
	// organisation (the node's own for its own accounts).
	agg := sink.Aggregator(a.Organization, window)
	agg.Now = s.Now
	if s.MatcherReady != nil {
		s.MatcherReady()
	}
	stream := &match.Stream{Matcher: s.Matcher, Reader: lr, Aggregator: agg}
	var known *knownIndicators
	var matched, last, suppressed int64
	if rd != nil {
		known = &knownIndicators{s: s, account: a, reader: *rd, decided: map[string]bool{}}
		stream.OnHit = func(record int64, h match.Hit) {
			if record != last && known.readable(r.Context(), h.Indicator.ID) {
				matched, last = matched+1, record
			}
		}
		if suppress := agg.Suppress; suppress != nil {
			// Counted for the account only when it may read the
			// indicator, as matches are.
			agg.Suppress = func(h match.Hit) bool {
				if !suppress(h) {
					return false
				}
				if known.readable(r.Context(), h.Indicator.ID) {
					suppressed++
				}
				return true
			}
		}
	}
	stream.OnRecord = func(rec *match.Record) { sink.Observed(r.Context(), rec) }
	st, err := stream.Run(r.Context())
	if ferr := sink.Flush(r.Context()); err == nil && ferr != nil {
		// The archive failed, not the upload: the log gets the cause.
		return ferr
	}
	if err == nil && known != nil {
		err = known.err
	}
	if err != nil {
		if err := sink.Failed(); err != nil {
			// The store failed, not the upload: the client is told of an
			// internal error and the log gets the cause.
			return err
		}
		if known != nil && known.err != nil {
			return known.err
		}
		stored, verr := s.visibleSightings(r.Context(), known, coll, sink.Stored())
		if verr != nil {
			return verr
		}
		if tooLarge(err) {
			return rampart.Errorf(rampart.ETOOLARGE, "observations exceed %d bytes: send them in several requests (what was read is stored: %d sightings)", s.maxObservationBytes(), len(stored))
		}
		return rampart.Errorf(rampart.EINVALID, "observations could not be read after %d records: %v (what was read is stored: %d sightings)", st.Records, err, len(stored))
	}
	stored, err := s.visibleSightings(r.Context(), known, coll, sink.Stored())
	if err != nil {
		return err
	}
	if st.Suppressed > 0 {
		s.logger().Info("matches on warninglists suppressed", "account", a.Name, "suppressed", st.Suppressed, "records", st.Records)
	}
	res := ObservationResult{
		Records: st.Records, Malformed: st.Malformed, Matched: st.Matched, Sightings: st.Sightings,
		Stored: stored, Collection: coll, Seconds: st.Elapsed.Seconds(),
	}
	if known != nil {
		res.Matched, res.Sightings, res.Suppressed = matched, int64(len(stored)), suppressed
	} else {
		res.Suppressed = st.Suppressed
	}
	for _, le := range st.Errors {
		res.Errors = append(res.Errors, ObservationError{Line: le.Line, Message: le.Err.Error()})
	}
	s.writeJSON(w, http.StatusOK, res)
	return nil
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *Server) maxObservationBytes() int64 {
	if s.MaxObservationBytes > 0 {
		return s.MaxObservationBytes
	}
	return DefaultMaxObservationBytes
}

// knownIndicators tells which indicators an account may know of: those it
// may read in a collection it may read. The matcher holds the indicators
// of every collection, so a hit says nothing of who may read it.
type knownIndicators struct {
	s       *Server
	account *rampart.Account
	reader  rampart.Reader
	decided map[string]bool
	// collections the account may read, listed on first use.
	collections []string
	listed      bool
	// err is the first error of the store or of Access: what it left
	// undecided counts as unreadable, and the request fails.
	err error
}

// readable reports whether the account may read indicator id.
func (k *knownIndicators) readable(ctx context.Context, id string) bool {
	if ok, done := k.decided[id]; done {
		return ok
	}
	ok, err := k.decide(ctx, id)
	if err != nil {
		k.err = cmp.Or(k.err, err)
		return false
	}
	k.decided[id] = ok
	return ok
}

func (k *knownIndicators) decide(ctx context.Context, id string) (bool, error) {
	if !k.listed {
		cs, err := k.s.readable(ctx, k.account)
		if err != nil {
			return false, err
		}
		k.collections, k.listed = cs, true
	}
	for _, coll := range k.collections {
		page, err := k.s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}})
		if err != nil {
			return false, err
		}
		if len(page.Versions) == 0 {
			continue
		}
		objs := make([]*stix.Object, len(page.Versions))
		for i, v := range page.Versions {
			objs[i] = v.Object
		}
		released, err := k.s.Access.Release(ctx, k.reader, coll, objs)
		if err != nil {
			return false, err
		}
		for _, o := range released {
			if o != nil {
				return true, nil
			}
		}
	}
	return false, nil
}

// visibleSightings returns the ids of the sightings, stored in coll, that
// the account may read: those Access releases from coll whose indicator
// the account may read too, wherever the node holds it. Without Access
// (known nil), every one.
func (s *Server) visibleSightings(ctx context.Context, known *knownIndicators, coll string, sightings []*stix.Object) ([]string, error) {
	var ids []string
	for chunk := range slices.Chunk(sightings, releaseBatch) {
		released := chunk
		if known != nil {
			var err error
			if released, err = s.Access.Release(ctx, known.reader, coll, chunk); err != nil {
				return nil, err
			}
			if len(released) != len(chunk) {
				return nil, fmt.Errorf("release of %d sightings from collection %q returned %d", len(chunk), coll, len(released))
			}
		}
		for _, o := range released {
			if o == nil {
				continue
			}
			if known != nil {
				var sighting struct {
					Of string `json:"sighting_of_ref"`
				}
				if err := o.Decode(&sighting); err != nil {
					return nil, fmt.Errorf("read sighting %s: %w", o.ID, err)
				}
				if !known.readable(ctx, sighting.Of) {
					if known.err != nil {
						return nil, known.err
					}
					continue
				}
			}
			ids = append(ids, o.ID)
		}
	}
	return ids, nil
}

// releaseBatch is how many sightings are released at once.
const releaseBatch = 1000

// sightingsCollection returns the collection a request stores sightings
// in: the one it names, or the node's sightings collection; the account
// must see it (or it is not found) and write to it.
func (s *Server) sightingsCollection(ctx context.Context, a *rampart.Account, coll string) (string, error) {
	if coll == "" {
		coll = s.SightingsCollection
	}
	notFound := rampart.Errorf(rampart.ENOTFOUND, "no collection %q to store sightings in", coll)
	if coll == "" || !a.CanSee(coll) {
		return "", notFound
	}
	if cs, err := s.Collections.FindCollections(ctx, rampart.CollectionFilter{ID: &coll}); err != nil {
		return "", err
	} else if len(cs) == 0 {
		return "", notFound
	}
	if !a.CanWrite(coll) {
		return "", rampart.Errorf(rampart.EFORBIDDEN, "account %q may not add sightings to collection %q", a.Name, coll)
	}
	return coll, nil
}
