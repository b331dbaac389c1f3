package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart"
)

// DefaultAuditLimit is the page size of GET /api/v1/audit when the
// request gives none.
const DefaultAuditLimit = 1000

// handleListAudit answers GET /api/v1/audit: the records of what the node
// shared with whom, in Seq order, a page at a time. next_after, when
// present, is the after of the next page.
func (s *Server) handleListAudit(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.Audit == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node keeps no audit log")
	}
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	records, err := s.Audit.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	if records == nil {
		records = []*rampart.AuditRecord{}
	}
	body := map[string]any{"records": records}
	// A full page may have a next one; a short page is the last.
	if len(records) == f.Limit {
		body["next_after"] = records[len(records)-1].Seq
	}
	s.writeJSON(w, http.StatusOK, body)
	return nil
}

// auditFilter reads the query of GET /api/v1/audit: object, org, since
// (RFC 3339), after (a Seq) and limit (1 to rampart.MaxPageSize).
func auditFilter(r *http.Request) (rampart.AuditFilter, error) {
	q := r.URL.Query()
	f := rampart.AuditFilter{Limit: DefaultAuditLimit}
	if v := q.Get("object"); v != "" {
		f.ObjectID = &v
	}
	if v := q.Get("org"); v != "" {
		f.Recipient = &v
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return f, rampart.Errorf(rampart.EINVALID, "parameter since must be an RFC 3339 time such as 2026-03-10T00:00:00Z (got %q)", v)
		}
		f.Since = &t
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, rampart.Errorf(rampart.EINVALID, "parameter after must be the seq of a record, a whole number of 0 or more (got %q)", v)
		}
		f.AfterSeq = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > rampart.MaxPageSize {
			return f, rampart.Errorf(rampart.EINVALID, "parameter limit must be a whole number from 1 to %d (got %q)", rampart.MaxPageSize, v)
		}
		f.Limit = n
	}
	return f, nil
}
