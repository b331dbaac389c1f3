package taxii

import (
	"math"
	"net/http"

	"github.com/rampart-cti/rampart"
)

// listing is a listing request: its collection, its query and who reads
// (nil without Access).
type listing struct {
	c      *rampart.Collection
	lq     *listQuery
	reader *rampart.Reader
}

// list reads what every listing endpoint reads before the store is asked
// for versions: the collection, which the account must be allowed to
// read, the filters the endpoint allows (kind names the endpoint, for the
// cursor) and the reader. adjust, when not nil, sets what the endpoint
// decides itself.
func (s *Server) list(r *http.Request, kind string, adjust func(*rampart.ObjectFilter), allowed ...string) (*listing, error) {
	c, err := s.readableCollection(r)
	if err != nil {
		return nil, err
	}
	lq, err := s.parseList(r, kind, c, allowed...)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(&lq.filter)
	}
	reader, err := s.reader(r)
	if err != nil {
		return nil, err
	}
	return &listing{c: c, lq: lq, reader: reader}, nil
}

// reader returns who the request's account reads as, nil without Access.
// An account whose organisation the node does not know reads nothing: it
// is refused, with what to do about it.
func (s *Server) reader(r *http.Request) (*rampart.Reader, error) {
	if s.Access == nil {
		return nil, nil
	}
	a := account(r)
	rd, err := s.Access.Reader(r.Context(), a)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, rampart.Errorf(rampart.EFORBIDDEN, "account %q belongs to organisation %q, which this node does not know, so what it may read cannot be decided: an administrator must record the organisation", a.Name, a.Organization)
	}
	if err != nil {
		return nil, err
	}
	return &rd, nil
}

// handleGetObjects serves GET …/objects/ (§5.4).
func (s *Server) handleGetObjects(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "objects", nil, paramID, paramType, paramVersion, paramSpecVersion)
	if err != nil {
		return err
	}
	p, err := s.readObjectPage(r.Context(), l)
	if err != nil {
		return err
	}
	s.writeObjectPage(w, r, p, l)
	return nil
}

// handleGetObject serves GET …/objects/{id}/ (§5.6).
func (s *Server) handleGetObject(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "object", nil, paramVersion, paramSpecVersion)
	if err != nil {
		return err
	}
	p, err := s.readObjectPage(r.Context(), l)
	if err != nil {
		return err
	}
	if !p.released() && l.lq.filter.AfterSeq == 0 {
		if err := s.objectExists(r, l); err != nil {
			return err
		}
	}
	s.writeObjectPage(w, r, p, l)
	return nil
}

// objectExists returns ENOTFOUND when the collection holds no version of
// the listing's object that the requester may see, so that an unknown
// object is told apart from a filter that matched nothing, and an object
// the requester may not read is not: both get the same answer.
func (s *Server) objectExists(r *http.Request, l *listing) error {
	id := r.PathValue("object")
	f := rampart.ObjectFilter{
		CollectionID: l.c.ID,
		IDs:          []string{id},
		Versions:     []string{rampart.VersionAll},
		SpecVersions: []string{"2.0", "2.1"},
		MetadataOnly: !s.decidesOnObjects(),
	}
	limit := 1
	if s.decidesOnObjects() {
		// Access needs whole objects, and any version it releases
		// will do.
		limit = math.MaxInt
	}
	found := false
	err := s.eachReleased(r.Context(), l.reader, l.c, f, limit, func(_ *rampart.ObjectVersion, released bool) bool {
		found = released
		return !found
	})
	if err != nil {
		return err
	}
	if !found {
		return rampart.Errorf(rampart.ENOTFOUND, "collection %q has no object %q", l.c.ID, id)
	}
	return nil
}

// handleManifest serves GET …/manifest/ (§5.3).
func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "manifest", func(f *rampart.ObjectFilter) {
		f.MetadataOnly = !s.decidesOnObjects()
	}, paramID, paramType, paramVersion, paramSpecVersion)
	if err != nil {
		return err
	}
	p, err := s.readVersionPage(r.Context(), l)
	if err != nil {
		return err
	}
	var m Manifest
	m.More, m.Next = s.paging(p, l.lq)
	for _, v := range p.released {
		m.Objects = append(m.Objects, ManifestRecord{
			ID:        v.Object.ID,
			DateAdded: FormatTime(v.DateAdded),
			Version:   versionText(v),
			MediaType: mediaType(v.Object),
		})
	}
	p.setHeaders(w)
	s.writeJSON(w, http.StatusOK, m)
	return nil
}

// handleVersions serves GET …/objects/{id}/versions/ (§5.8).
func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "versions", func(f *rampart.ObjectFilter) {
		f.Versions = []string{rampart.VersionAll}
		f.MetadataOnly = !s.decidesOnObjects()
	}, paramSpecVersion)
	if err != nil {
		return err
	}
	p, err := s.readVersionPage(r.Context(), l)
	if err != nil {
		return err
	}
	var vs Versions
	vs.More, vs.Next = s.paging(p, l.lq)
	for _, v := range p.released {
		vs.Versions = append(vs.Versions, versionText(v))
	}
	if len(vs.Versions) == 0 && l.lq.filter.AfterSeq == 0 {
		if err := s.objectExists(r, l); err != nil {
			return err
		}
	}
	p.setHeaders(w)
	s.writeJSON(w, http.StatusOK, vs)
	return nil
}

// handleDeleteObject serves DELETE …/objects/{id}/ (§5.7): an account that
// may neither read nor write gets 404, one that may do only one of them 403.
func (s *Server) handleDeleteObject(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	a := account(r)
	switch read, write := a.CanRead(c.ID), a.CanWrite(c.ID); {
	case !read && !write:
		// §5.7 answers 404 here, also for a collection that is visible
		// to the account: say exactly what an unknown collection gets.
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q", r.PathValue("root"), r.PathValue("coll"))
	case !read || !write:
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q needs read and write access to collection %q to delete", a.Name, c.ID)
	}
	if err := checkParams(r, []string{paramVersion, paramSpecVersion}); err != nil {
		return err
	}
	q := r.URL.Query()
	f := rampart.ObjectFilter{CollectionID: c.ID, IDs: []string{r.PathValue("object")}}
	if q.Has(paramVersion) {
		if f.Versions, err = parseVersions(q.Get(paramVersion)); err != nil {
			return err
		}
	} else {
		f.Versions = []string{rampart.VersionAll}
	}
	if q.Has(paramSpecVersion) {
		f.SpecVersions = splitList(q.Get(paramSpecVersion))
	} else {
		f.SpecVersions = []string{"2.0", "2.1"}
	}
	if err := s.deletable(r, c, f); err != nil {
		return err
	}
	if _, err := s.Objects.DeleteObjects(r.Context(), f); err != nil {
		return err
	}
	w.Header().Set("Content-Type", MediaTypeTAXII)
	w.WriteHeader(http.StatusOK)
	return nil
}

// deletable checks, with Access, that the account may read every version
// a deletion selects: an account deletes only what it may read. A
// deletion that selects no version the account may read is answered for
// as one that selects none, so that it tells nothing of what the account
// may not read; one that selects some it may not read is refused.
func (s *Server) deletable(r *http.Request, c *rampart.Collection, f rampart.ObjectFilter) error {
	if s.Access == nil {
		return nil
	}
	reader, err := s.reader(r)
	if err != nil {
		return err
	}
	var readable, withheld int
	err = s.eachReleased(r.Context(), reader, c, f, math.MaxInt, func(_ *rampart.ObjectVersion, released bool) bool {
		if released {
			readable++
		} else {
			withheld++
		}
		return true
	})
	if err != nil {
		return err
	}
	switch {
	case readable == 0:
		return rampart.Errorf(rampart.ENOTFOUND, "collection %q holds no version of %q that matches the filter", c.ID, f.IDs[0])
	case withheld > 0:
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may not delete %q: the versions selected include some beyond its rights; select those it may read with match[version], or ask an administrator", account(r).Name, f.IDs[0])
	}
	return nil
}
