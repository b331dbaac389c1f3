package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// DefaultMaxObservationBytes is the largest observation upload accepted
// when MaxObservationBytes is 0 (256 MiB): logs are streamed, so the limit
// bounds the time a request takes, not memory.
const DefaultMaxObservationBytes = 256 << 20

// ObservationResult is the answer to an observation upload.
type ObservationResult struct {
	Records   int64              `json:"records"`
	Malformed int64              `json:"malformed"`
	Errors    []ObservationError `json:"errors,omitempty"`
	Matched   int64              `json:"matched"`
	Sightings int64              `json:"sightings"`
	Stored    []string           `json:"sighting_ids,omitempty"`
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
func (s *Server) handleObservations(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.Matcher == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node does not match observations")
	}
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains([]string{"format", "mapping", "collection", "window"}, name) {
			return rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: this endpoint takes format, mapping, collection and window", name)
		}
	}
	coll := q.Get("collection")
	if coll == "" {
		coll = s.SightingsCollection
	}
	notFound := rampart.Errorf(rampart.ENOTFOUND, "no collection %q to store sightings in", coll)
	if coll == "" || !a.CanSee(coll) {
		return notFound
	}
	if cs, err := s.Collections.FindCollections(r.Context(), rampart.CollectionFilter{ID: &coll}); err != nil {
		return err
	} else if len(cs) == 0 {
		return notFound
	}
	if !a.CanWrite(coll) {
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may not add sightings to collection %q", a.Name, coll)
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
	rd, err := match.NewReader(q.Get("format"), r.Body, mp)
	if err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	sink := &sightingSink{objects: s.Objects, collection: coll, onAdded: s.OnAdded, sign: s.Sign, org: s.Identity}
	agg := &match.Aggregator{Window: window, WhereSightedRef: s.Identity, CreatedByRef: s.Identity, Sink: sink, Now: s.Now}
	st, err := (&match.Stream{Matcher: s.Matcher, Reader: rd, Aggregator: agg}).Run(r.Context())
	if err != nil {
		if sink.err != nil {
			// The store failed, not the upload: the client is told of an
			// internal error and the log gets the cause.
			return sink.err
		}
		if tooLarge(err) {
			return rampart.Errorf(rampart.ETOOLARGE, "observations exceed %d bytes: send them in several requests (what was read is stored: %d sightings)", s.maxObservationBytes(), len(sink.ids))
		}
		return rampart.Errorf(rampart.EINVALID, "observations could not be read after %d records: %v (what was read is stored: %d sightings)", st.Records, err, len(sink.ids))
	}
	res := ObservationResult{
		Records: st.Records, Malformed: st.Malformed, Matched: st.Matched, Sightings: st.Sightings,
		Stored: sink.ids, Collection: coll, Seconds: st.Elapsed.Seconds(),
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

// sightingSink stores each sighting with the observed-data and SCOs it
// refers to, in one atomic call, and tells the node what it added.
type sightingSink struct {
	sign       func(*stix.Object) (*stix.Object, error)
	org        string
	objects    rampart.ObjectService
	collection string
	onAdded    func(collectionID string, objs []*stix.Object)
	ids        []string
	// err is the store's error, which ended the stream.
	err error
}

func (s *sightingSink) Sighting(ctx context.Context, sighting *stix.Object, related []*stix.Object) error {
	objs := append(related[:len(related):len(related)], sighting)
	// What the node created is signed, so federation may carry it.
	if s.sign != nil {
		for i, o := range objs {
			if o.CreatedByRef == "" || o.CreatedByRef != s.org {
				continue
			}
			signed, err := s.sign(o)
			if err != nil {
				s.err = fmt.Errorf("sign %s: %w", o.ID, err)
				return s.err
			}
			objs[i] = signed
		}
		sighting = objs[len(objs)-1]
	}
	res, err := s.objects.CreateObjects(ctx, s.collection, objs)
	if err != nil {
		s.err = fmt.Errorf("store sighting %s: %w", sighting.ID, err)
		return s.err
	}
	s.ids = append(s.ids, sighting.ID)
	if s.onAdded != nil {
		var added []*stix.Object
		for i, x := range res {
			if x.Added {
				added = append(added, objs[i])
			}
		}
		if len(added) > 0 {
			s.onAdded(s.collection, added)
		}
	}
	return nil
}
