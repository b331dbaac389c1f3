package web

import (
	"context"
	"net/http"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// reader returns who the account reads as, nil without Access. An account
// whose organisation the node does not know reads nothing: it is refused,
// with what to do about it.
func (s *Server) reader(ctx context.Context, a *rampart.Account) (*rampart.Reader, error) {
	if s.Access == nil {
		return nil, nil
	}
	rd, err := s.Access.Reader(ctx, a)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, rampart.Errorf(rampart.EFORBIDDEN, "account %q belongs to organisation %q, which this node does not know, so what it may read cannot be decided: an administrator must record the organisation", a.Name, a.Organization)
	}
	if err != nil {
		return nil, err
	}
	return &rd, nil
}

// release returns what reader may read of objects read from a collection,
// as Access.Release does; without Access (reader nil), everything.
func (s *Server) release(reader *rampart.Reader) coord.Release {
	if reader == nil {
		return nil
	}
	return func(ctx context.Context, collectionID string, objs []*stix.Object) ([]*stix.Object, error) {
		return s.Access.Release(ctx, *reader, collectionID, objs)
	}
}

// coordAs returns the coordination objects as the request's account may
// read them.
func (s *Server) coordAs(r *http.Request, a *rampart.Account) (*coord.View, error) {
	rd, err := s.reader(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return s.Coord.ReadAs(s.release(rd)), nil
}

// readable returns the ids of the collections the account may read.
func (s *Server) readable(ctx context.Context, a *rampart.Account) ([]string, error) {
	colls, err := s.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range colls {
		if a.CanRead(c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// releaseVersions returns what reader may read of versions read from a
// collection: one entry per version, nil for each it may not read.
func (s *Server) releaseVersions(ctx context.Context, reader *rampart.Reader, collectionID string, vs []*rampart.ObjectVersion) ([]*stix.Object, error) {
	objs := make([]*stix.Object, len(vs))
	for i, v := range vs {
		objs[i] = v.Object
	}
	if reader == nil || len(objs) == 0 {
		return objs, nil
	}
	return s.Access.Release(ctx, *reader, collectionID, objs)
}

// releaseHits returns what reader may read of search hits, from their
// collections: one entry per hit, nil for each it may not read.
func (s *Server) releaseHits(ctx context.Context, reader *rampart.Reader, hits []rampart.SearchHit) ([]*stix.Object, error) {
	out := make([]*stix.Object, len(hits))
	byColl := map[string][]int{}
	for i, h := range hits {
		byColl[h.CollectionID] = append(byColl[h.CollectionID], i)
	}
	for coll, idx := range byColl {
		vs := make([]*rampart.ObjectVersion, len(idx))
		for j, i := range idx {
			vs[j] = hits[i].Version
		}
		objs, err := s.releaseVersions(ctx, reader, coll, vs)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = objs[j]
		}
	}
	return out, nil
}
