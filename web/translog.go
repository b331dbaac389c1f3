package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/translog"
)

// TransparencyLog is the node's transparency log as the API serves it
// (node.TransparencyLog).
type TransparencyLog interface {
	SignedHead(ctx context.Context) (*translog.SignedHead, error)
	ConsistencyProof(ctx context.Context, first, second int64) ([]translog.Hash, error)
	Inclusion(ctx context.Context, leaf translog.Hash, size int64) (*translog.InclusionProof, *rampart.LogEntry, error)
	Entries(ctx context.Context, start, end int64) ([]*rampart.LogEntry, error)
	FindEntries(ctx context.Context, objectID string) ([]*rampart.LogEntry, error)
}

// DefaultLogEntries is how many entries GET /api/v1/log/entries returns
// when the request gives no end.
const DefaultLogEntries = 1000

func (s *Server) transparencyLog() (TransparencyLog, error) {
	if s.Log == nil {
		return nil, rampart.Errorf(rampart.EUNAVAILABLE, "this node keeps no transparency log")
	}
	return s.Log, nil
}

// handleLogHead answers GET /api/v1/log/head: the log's signed tree head,
// an x-rampart-tree-head STIX object.
func (s *Server) handleLogHead(w http.ResponseWriter, r *http.Request, _ *rampart.Account) error {
	l, err := s.transparencyLog()
	if err != nil {
		return err
	}
	h, err := l.SignedHead(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, h)
	return nil
}

// handleLogInclusion answers GET /api/v1/log/inclusion?hash=|id=&size=:
// the proof that an entry (by leaf hash, or the latest version of an
// object by id) is in the log at size (now when absent), with the entry
// and, for the log as it is now, its signed head.
func (s *Server) handleLogInclusion(w http.ResponseWriter, r *http.Request, _ *rampart.Account) error {
	l, err := s.transparencyLog()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	size, err := sizeParam(q.Get("size"), "size")
	if err != nil {
		return err
	}
	var leaf translog.Hash
	switch hash, id := q.Get("hash"), q.Get("id"); {
	case (hash == "") == (id == ""):
		return rampart.Errorf(rampart.EINVALID, "give the entry as hash=LEAF_HASH or id=OBJECT_ID, one of the two")
	case hash != "":
		if leaf, err = translog.ParseHash(hash); err != nil {
			return rampart.Errorf(rampart.EINVALID, "parameter hash: %v", err)
		}
	default:
		es, err := l.FindEntries(r.Context(), id)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return rampart.Errorf(rampart.ENOTFOUND, "the transparency log holds no version of %q", id)
		}
		leaf = translog.Hash(es[len(es)-1].LeafHash)
	}
	var head *translog.SignedHead
	if size == 0 {
		// The head first: the proof is then made at its size, even if
		// entries are appended meanwhile.
		if head, err = l.SignedHead(r.Context()); err != nil {
			return err
		}
		size = head.Size
	}
	p, e, err := l.Inclusion(r.Context(), leaf, size)
	if err != nil {
		return err
	}
	p.Head = head
	s.writeJSON(w, http.StatusOK, map[string]any{"entry": e, "proof": p})
	return nil
}

// handleLogConsistency answers GET /api/v1/log/consistency?first=&second=:
// the proof that the log at size first is a prefix of the log at size
// second (now when absent), with the signed head of the log as it is
// now when second is absent.
func (s *Server) handleLogConsistency(w http.ResponseWriter, r *http.Request, _ *rampart.Account) error {
	l, err := s.transparencyLog()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("first") == "" {
		return rampart.Errorf(rampart.EINVALID, "parameter first, the size of the older tree, is required")
	}
	first, err := sizeParam(q.Get("first"), "first")
	if err != nil {
		return err
	}
	second, err := sizeParam(q.Get("second"), "second")
	if err != nil {
		return err
	}
	var head *translog.SignedHead
	if q.Get("second") == "" {
		if head, err = l.SignedHead(r.Context()); err != nil {
			return err
		}
		second = head.Size
	}
	path, err := l.ConsistencyProof(r.Context(), first, second)
	if err != nil {
		return err
	}
	if path == nil {
		path = []translog.Hash{}
	}
	s.writeJSON(w, http.StatusOK, &translog.ConsistencyProof{First: first, Second: second, Path: path, SecondHead: head})
	return nil
}

// handleLogEntries answers GET /api/v1/log/entries?start=&end=: the
// entries from start (0 when absent) to end, excluded (start plus
// DefaultLogEntries when absent), at most rampart.MaxPageSize.
func (s *Server) handleLogEntries(w http.ResponseWriter, r *http.Request, _ *rampart.Account) error {
	l, err := s.transparencyLog()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	start, err := sizeParam(q.Get("start"), "start")
	if err != nil {
		return err
	}
	end := start + DefaultLogEntries
	if v := q.Get("end"); v != "" {
		if end, err = sizeParam(v, "end"); err != nil {
			return err
		}
	}
	es, err := l.Entries(r.Context(), start, end)
	if err != nil {
		return err
	}
	if es == nil {
		es = []*rampart.LogEntry{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"entries": es})
	return nil
}

// sizeParam reads a tree size or index parameter: 0 when absent.
func sizeParam(v, name string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, rampart.Errorf(rampart.EINVALID, "parameter %s must be a whole number of 0 or more (got %q)", name, v)
	}
	return n, nil
}
