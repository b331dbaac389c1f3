package taxii

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/internal/endpoint"
	"github.com/rampart-cti/rampart/stix"
)

// postBatch is how many objects of a POST go to the store in one atomic
// call: a POST of up to this many is stored whole or not at all.
const postBatch = 5000

// statusTimeout bounds recording the status of a POST whose request has
// ended (its client gone).
const statusTimeout = 10 * time.Second

// handlePostObjects serves POST …/objects/ (§5.5): every object of the
// envelope is parsed and checked on its own; the valid ones are stored, the
// others are listed as failures with the reason, and a status resource says
// which is which.
//
// Objects are stored postBatch at a time as the envelope is read. A POST
// that stops before its end (its client gone, its body broken or too large,
// the store failing) after a batch was stored records a status all the
// same: the objects stored as successes, those read but not stored as
// failures saying why. The error answered then names the status. One that
// stops before any batch was stored stores nothing and answers the error
// alone, as a request that was refused.
func (s *Server) handlePostObjects(w http.ResponseWriter, r *http.Request) error {
	if !taxiiContent(r.Header.Get("Content-Type")) {
		return endpoint.Errorf(http.StatusUnsupportedMediaType,
			"cannot read a body of type %q: send %s", r.Header.Get("Content-Type"), MediaTypeTAXII)
	}
	root, err := s.apiRoot(r)
	if err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	a := account(r)
	if !a.CanWrite(c.ID) {
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may not add objects to collection %q", a.Name, c.ID)
	}
	if err := checkParams(r, nil); err != nil {
		return err
	}
	limit := s.maxContentLength(root)
	if r.ContentLength > limit {
		return rampart.Errorf(rampart.ETOOLARGE, "request body of %d bytes exceeds this API root's max_content_length of %d bytes", r.ContentLength, limit)
	}
	body := http.MaxBytesReader(w, r.Body, limit)

	st := &rampart.Status{APIRoot: root.Name, Account: a.Name, Status: rampart.StatusComplete, RequestTimestamp: s.Now()}
	in := &ingest.Ingester{
		Objects:   s.Objects,
		Check:     func(o *stix.Object) error { return s.check(c, o) },
		BatchSize: postBatch,
		Report:    func(o ingest.Outcome) { recordOutcome(st, o, limit) },
	}
	sum, err := in.Ingest(r.Context(), c.ID, stix.NewBundleReader(body))
	if err != nil {
		err = postError(r, err, limit)
		if sum.Stored() == 0 {
			return err
		}
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	st.TotalCount = st.SuccessCount + st.FailureCount
	// The status is recorded even when the client has gone: what was
	// stored must be told.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), statusTimeout)
	defer cancel()
	if serr := s.Statuses.CreateStatus(sctx, st); serr != nil {
		return errors.Join(err, serr)
	}
	if err != nil {
		s.logger().Info("POST stopped before the end of its envelope", "path", r.URL.Path, "account", a.Name,
			"status", st.ID, "stored", sum.Stored(), "invalid", sum.Invalid, "not_stored", sum.NotStored, "err", err)
		return &partialError{err: err, status: st}
	}
	s.writeJSON(w, http.StatusAccepted, statusResource(st))
	return nil
}

// recordOutcome adds what became of one object to st: a success when the
// collection holds it, a failure, with the reason, when it does not. An
// object without a version of its own (an SCO) is named by when it was
// added, as TAXII lists versions.
func recordOutcome(st *rampart.Status, o ingest.Outcome, limit int64) {
	d := rampart.StatusDetail{ID: o.ID, Version: o.Version}
	switch o.State {
	case ingest.Added, ingest.Present:
		d.Message = "added"
		if o.State == ingest.Present {
			d.Message = "already in the collection"
		}
		if d.Version == "" {
			d.Version = FormatTime(o.DateAdded)
		}
		st.Successes = append(st.Successes, d)
		return
	case ingest.Invalid:
		d.Message = o.Err.Error()
	default:
		d.Message = "not stored: " + notStoredReason(o.Err, limit)
	}
	st.Failures = append(st.Failures, d)
}

// notStoredReason says, in words the client may read, why a POST stopped
// before storing an object.
func notStoredReason(err error, limit int64) string {
	var re *ingest.ReadError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "the request ended (its client went away) before the object's batch was stored"
	case errors.As(err, &re):
		return "the request body could not be read to its end: " + errorText(postReadError(re.Err, limit))
	}
	return "storing its batch failed: " + errorText(err)
}

// errorText is the message a client is shown for err.
func errorText(err error) string {
	var se *endpoint.StatusError
	if errors.As(err, &se) {
		return se.Message
	}
	return rampart.ErrorMessage(err)
}

// postError is the error a POST that stopped early answers with: a body
// that could not be read as an envelope is the client's (postReadError).
func postError(r *http.Request, err error, limit int64) error {
	var re *ingest.ReadError
	if errors.As(err, &re) {
		return postReadError(re.Err, limit)
	}
	return err
}

// partialError is a POST that stopped early after storing part of its
// objects: its error, and the status that lists what was stored and what
// was not.
type partialError struct {
	err    error
	status *rampart.Status
}

func (e *partialError) Error() string {
	return fmt.Sprintf("%v (%s stored before that: status %s)", e.err, objectCount(e.status.SuccessCount), e.status.ID)
}

func (e *partialError) Unwrap() error { return e.err }

// objectCount writes "1 object", "2 objects".
func objectCount(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

// check applies the collection's media types and the server's validation to
// one posted object.
func (s *Server) check(c *rampart.Collection, o *stix.Object) error {
	if err := CheckMediaType(c, o); err != nil {
		return err
	}
	if s.Validate != nil && o.SpecVersion == "2.1" {
		return s.Validate(o)
	}
	return nil
}

// postReadError reports a body that could not be read as an envelope:
// too large (413), not an envelope (422) or not JSON (400).
func postReadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return rampart.Errorf(rampart.ETOOLARGE, "request body exceeds this API root's max_content_length of %d bytes", limit)
	case errors.Is(err, stix.ErrTooLarge):
		return rampart.Errorf(rampart.ETOOLARGE, "%v", err)
	}
	msg := err.Error()
	if errors.Is(err, stix.ErrNotEnvelope) {
		return endpoint.Errorf(http.StatusUnprocessableEntity,
			"an error occurred while processing the supplied content: %s; POST a TAXII envelope {\"objects\": [...]}", msg)
	}
	return rampart.Errorf(rampart.EINVALID, "an error occurred while processing the supplied content: %s", msg)
}
