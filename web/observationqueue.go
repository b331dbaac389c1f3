package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// DefaultMaxQueuedObservationBytes is the largest upload queued when
// MaxQueuedObservationBytes is 0 (8 MiB less what the bus's message
// headers take): a queued upload is one message.
const DefaultMaxQueuedObservationBytes = 8<<20 - 4096

// QueuedObservations is the answer to an upload queued for the workers.
type QueuedObservations struct {
	Queued bool `json:"queued"`
	// Batch names the upload; the sightings the workers make of it are
	// named after it.
	Batch string `json:"batch"`
	// Position is the upload's position in the queue.
	Position   uint64 `json:"position"`
	Bytes      int    `json:"bytes"`
	Collection string `json:"collection"`
}

// queueObservations queues the upload's body for the matcher workers and
// answers 202: the sightings appear in the collection (and in the object
// stream) once a worker matched it. A full queue answers 429 with
// Retry-After.
func (s *Server) queueObservations(w http.ResponseWriter, r *http.Request, a *rampart.Account, coll string, window time.Duration) error {
	limit := s.MaxQueuedObservationBytes
	if limit <= 0 {
		limit = DefaultMaxQueuedObservationBytes
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		if tooLarge(err) {
			return rampart.Errorf(rampart.ETOOLARGE, "observations exceed %d bytes: send them in several requests", s.maxObservationBytes())
		}
		return rampart.Errorf(rampart.EINVALID, "observations could not be read: %v", err)
	}
	if int64(len(body)) > limit {
		return rampart.Errorf(rampart.ETOOLARGE, "observations exceed %d bytes, the largest upload this node queues for its workers: send them in several requests", limit)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	q := r.URL.Query()
	apiRoot, err := s.apiRootOf(r, coll)
	if err != nil {
		return err
	}
	b := &rampart.ObservationBatch{
		ID: stix.NewUUID(), APIRoot: apiRoot, Collection: coll, Account: a.Name, Observer: a.Organization,
		Format: q.Get("format"), Mapping: q.Get("mapping"), Window: window, Received: now().UTC(), Body: body,
	}
	pos, err := s.Observations.EnqueueObservations(r.Context(), b)
	if err != nil {
		var e *rampart.Error
		if errors.As(err, &e) && e.Code == rampart.ETOOMANY {
			s.logger().Warn("observation upload refused: the queue is full", "account", a.Name, "bytes", len(body))
		}
		return err
	}
	s.writeJSON(w, http.StatusAccepted, QueuedObservations{Queued: true, Batch: b.ID, Position: pos, Bytes: len(body), Collection: coll})
	return nil
}

// apiRootOf returns the API root of a collection.
func (s *Server) apiRootOf(r *http.Request, coll string) (string, error) {
	cs, err := s.Collections.FindCollections(r.Context(), rampart.CollectionFilter{ID: &coll})
	if err != nil {
		return "", err
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("collection %q vanished", coll)
	}
	return cs[0].APIRoot, nil
}
