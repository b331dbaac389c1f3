package web

import (
	"encoding/json/jsontext"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Limits of GET /api/v1/stream.
const (
	DefaultStreamLimit = 100
	MaxStreamLimit     = 1000
	MaxStreamWait      = 60 * time.Second
)

// StreamPage is the answer of GET /api/v1/stream: the versions after the
// position asked for that the account may read, and the position to ask
// after next time (past the versions it may not read too).
type StreamPage struct {
	Objects []StreamedObject `json:"objects"`
	Next    uint64           `json:"next"`
}

// StreamedObject is a version in a StreamPage.
type StreamedObject struct {
	Seq        uint64         `json:"seq"`
	APIRoot    string         `json:"api_root"`
	Collection string         `json:"collection"`
	Object     jsontext.Value `json:"object"`
}

// handleStream serves GET /api/v1/stream: every object version the node
// stored, in the order it stored them, as far as the account may read it
// (the same checks as a TAXII read: a grant on the collection, then TLP
// and addressing). A subscriber keeps Next and asks after it: after a
// restart it resumes there, without gaps and without repeats.
//
// Query parameters: after (a position, 0 for the oldest version the
// stream keeps), limit (1 to 1000, default 100), wait (how long to wait
// for a version when there is none yet, up to 60s), type and collection
// (comma-separated lists: only those).
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.ObjectStream == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node publishes no object stream: start it with a message bus (rampart serve --bus embedded, or --nats URL)")
	}
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains([]string{"after", "limit", "wait", "type", "collection"}, name) {
			return rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: this endpoint takes after, limit, wait, type and collection", name)
		}
	}
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return rampart.Errorf(rampart.EINVALID, "after %q is not a stream position (a whole number from a previous answer's next)", v)
		}
		after = n
	}
	limit := DefaultStreamLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxStreamLimit {
			return rampart.Errorf(rampart.EINVALID, "limit %q is not a number from 1 to %d", v, MaxStreamLimit)
		}
		limit = n
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxStreamWait {
			return rampart.Errorf(rampart.EINVALID, "wait %q is not a duration from 0s to %s", v, MaxStreamWait)
		}
		wait = d
	}
	types, colls := splitList(q.Get("type")), splitList(q.Get("collection"))
	for _, t := range types {
		if err := stix.CheckTypeName(t); err != nil {
			return rampart.Errorf(rampart.EINVALID, "type %q: %v", t, err)
		}
	}
	rd, err := s.reader(r.Context(), a)
	if err != nil {
		return err
	}
	readable, err := s.readable(r.Context(), a)
	if err != nil {
		return err
	}
	page := StreamPage{Objects: []StreamedObject{}, Next: after}
	deadline := time.Now().Add(wait)
	for {
		vs, next, err := s.ObjectStream.ReadObjects(r.Context(), page.Next, limit, time.Until(deadline))
		if err != nil {
			return err
		}
		page.Next = next
		if page.Objects, err = s.releaseStreamed(r, rd, readable, types, colls, vs, page.Objects); err != nil {
			return err
		}
		// Versions it may not read move the position on; keep reading
		// while there is time and nothing to give.
		if len(page.Objects) > 0 || len(vs) == 0 || time.Now().After(deadline) {
			break
		}
	}
	s.writeJSON(w, http.StatusOK, page)
	return nil
}

// releaseStreamed appends to out the versions the account may read and
// asked for, in order.
func (s *Server) releaseStreamed(r *http.Request, rd *rampart.Reader, readable, types, colls []string, vs []*rampart.StreamedObject, out []StreamedObject) ([]StreamedObject, error) {
	vs = slices.DeleteFunc(slices.Clone(vs), func(v *rampart.StreamedObject) bool {
		return (len(types) > 0 && !slices.Contains(types, v.Object.Type)) || (len(colls) > 0 && !slices.Contains(colls, v.CollectionID))
	})
	released, err := rampart.ReleaseStreamed(r.Context(), s.Access, rd, readable, vs)
	if err != nil {
		return out, err
	}
	for _, v := range released {
		out = append(out, StreamedObject{Seq: v.Seq, APIRoot: v.APIRoot, Collection: v.CollectionID, Object: jsontext.Value(v.Object.Raw)})
	}
	return out, nil
}

// splitList splits a comma-separated parameter, dropping empty items.
func splitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
