package taxii

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/endpoint"
	"github.com/rampart-cti/rampart/stix"
)

// listing is a listing request read and answered from the store: its
// collection, its query, who reads (nil without Access) and the page of
// versions.
type listing struct {
	c      *rampart.Collection
	lq     *listQuery
	reader *rampart.Reader
	page   *rampart.ObjectPage
}

// list reads what every listing endpoint reads: the collection, which the
// account must be allowed to read, the filters the endpoint allows (kind
// names the endpoint, for the cursor), and the page. adjust, when not
// nil, sets what the endpoint decides itself before the store is asked.
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
	page, err := s.Objects.FindObjects(r.Context(), lq.filter)
	if err != nil {
		return nil, err
	}
	return &listing{c: c, lq: lq, reader: reader, page: page}, nil
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

// paging returns the "more" and "next" of a listing's answer: none for an
// empty page.
func (s *Server) paging(l *listing) (more *bool, next string) {
	if len(l.page.Versions) == 0 {
		return nil, ""
	}
	if l.page.More {
		next = s.nextCursor(l.page, l.lq)
	}
	return &l.page.More, next
}

// handleGetObjects serves GET …/objects/ (§5.4).
func (s *Server) handleGetObjects(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "objects", nil, paramID, paramType, paramVersion, paramSpecVersion)
	if err != nil {
		return err
	}
	served, err := s.release(r, l.reader, l.c, l.page.Versions)
	if err != nil {
		return err
	}
	var objs []*stix.Object
	for _, o := range served {
		if o != nil {
			objs = append(objs, o)
		}
	}
	s.writeEnvelope(w, l.page, objs, l.lq)
	return nil
}

// handleGetObject serves GET …/objects/{id}/ (§5.6).
func (s *Server) handleGetObject(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "object", nil, paramVersion, paramSpecVersion)
	if err != nil {
		return err
	}
	vs, err := s.released(r, l.reader, l.c, l.page.Versions)
	if err != nil {
		return err
	}
	objs := make([]*stix.Object, len(vs))
	for i, v := range vs {
		objs[i] = v.Object
	}
	if len(objs) == 0 && l.lq.filter.AfterSeq == 0 {
		if err := s.objectExists(r, l); err != nil {
			return err
		}
	}
	s.writeEnvelope(w, l.page, objs, l.lq)
	return nil
}

// release decides what a request is served of versions read from
// collection c: for each version, in order, the stored object, or nil to
// withhold it, as Access decides for reader. A version Access releases is
// served as stored.
func (s *Server) release(r *http.Request, reader *rampart.Reader, c *rampart.Collection, vs []*rampart.ObjectVersion) ([]*stix.Object, error) {
	out := make([]*stix.Object, len(vs))
	for i, v := range vs {
		out[i] = v.Object
	}
	if s.Access != nil && len(out) > 0 {
		if reader == nil {
			// Every listing reads its reader first; without one,
			// nothing can be decided, so nothing is served.
			return nil, fmt.Errorf("taxii: release from collection %q without a reader", c.ID)
		}
		rel, err := s.Access.Release(r.Context(), *reader, c.ID, out)
		if err != nil {
			return nil, err
		}
		if len(rel) != len(out) {
			// Which answer stands for which version cannot be told.
			return nil, fmt.Errorf("taxii: access released %d objects for the %d read from collection %q", len(rel), len(out), c.ID)
		}
		for i, o := range rel {
			if o == nil {
				out[i] = nil
			}
		}
	}
	return out, nil
}

// released returns the versions that are released as they are, for the
// endpoints that list versions rather than serve objects.
func (s *Server) released(r *http.Request, reader *rampart.Reader, c *rampart.Collection, vs []*rampart.ObjectVersion) ([]*rampart.ObjectVersion, error) {
	if s.Access == nil {
		return vs, nil
	}
	served, err := s.release(r, reader, c, vs)
	if err != nil {
		return nil, err
	}
	var out []*rampart.ObjectVersion
	for i, v := range vs {
		if served[i] == v.Object {
			out = append(out, v)
		}
	}
	return out, nil
}

// decidesOnObjects reports whether Access decides what is served: it
// needs whole objects, not a manifest's metadata.
func (s *Server) decidesOnObjects() bool {
	return s.Access != nil
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
		Limit:        1,
		MetadataOnly: true,
	}
	if s.decidesOnObjects() {
		// Access and Filter need whole objects, and any version they
		// release will do.
		f.Limit, f.MetadataOnly = s.MaxPageSize, false
	}
	for {
		page, err := s.Objects.FindObjects(r.Context(), f)
		if err != nil {
			return err
		}
		vs, err := s.released(r, l.reader, l.c, page.Versions)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return nil
		}
		if !page.More || len(page.Versions) == 0 {
			return rampart.Errorf(rampart.ENOTFOUND, "collection %q has no object %q", l.c.ID, id)
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
}

// writeEnvelope writes objs, released from page, as an envelope; "more",
// "next" and the date headers come from page. The objects' JSON is copied
// as stored, without decoding it again.
func (s *Server) writeEnvelope(w http.ResponseWriter, page *rampart.ObjectPage, objs []*stix.Object, lq *listQuery) {
	setDateHeaders(w, page.Versions)
	if len(page.Versions) == 0 {
		s.writeJSON(w, http.StatusOK, Envelope{})
		return
	}
	n := 64
	for _, o := range objs {
		n += len(o.Raw) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"more":`...)
	b = strconv.AppendBool(b, page.More)
	if page.More {
		b = append(b, `,"next":"`...)
		b = append(b, s.nextCursor(page, lq)...)
		b = append(b, '"')
	}
	if len(objs) > 0 {
		// TAXII forbids empty lists: a page whose every object was
		// withheld has no "objects" at all.
		b = append(b, `,"objects":[`...)
		for i, o := range objs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, o.Raw...)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	w.Header().Set("Content-Type", MediaTypeTAXII)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) nextCursor(page *rampart.ObjectPage, lq *listQuery) string {
	last := page.Versions[len(page.Versions)-1]
	return s.encodeCursor(cursor{afterSeq: last.Seq}, lq.digest)
}

// handleManifest serves GET …/manifest/ (§5.3).
func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) error {
	l, err := s.list(r, "manifest", func(f *rampart.ObjectFilter) {
		f.MetadataOnly = !s.decidesOnObjects()
	}, paramID, paramType, paramVersion, paramSpecVersion)
	if err != nil {
		return err
	}
	vs, err := s.released(r, l.reader, l.c, l.page.Versions)
	if err != nil {
		return err
	}
	var m Manifest
	m.More, m.Next = s.paging(l)
	for _, v := range vs {
		m.Objects = append(m.Objects, ManifestRecord{
			ID:        v.Object.ID,
			DateAdded: FormatTime(v.DateAdded),
			Version:   versionText(v),
			MediaType: mediaType(v.Object),
		})
	}
	setDateHeaders(w, l.page.Versions)
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
	released, err := s.released(r, l.reader, l.c, l.page.Versions)
	if err != nil {
		return err
	}
	var vs Versions
	vs.More, vs.Next = s.paging(l)
	for _, v := range released {
		vs.Versions = append(vs.Versions, versionText(v))
	}
	if len(vs.Versions) == 0 && l.lq.filter.AfterSeq == 0 {
		if err := s.objectExists(r, l); err != nil {
			return err
		}
	}
	setDateHeaders(w, l.page.Versions)
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
	f.Limit = s.MaxPageSize
	var readable, withheld int
	for {
		page, err := s.Objects.FindObjects(r.Context(), f)
		if err != nil {
			return err
		}
		if len(page.Versions) > 0 {
			objs := make([]*stix.Object, len(page.Versions))
			for i, v := range page.Versions {
				objs[i] = v.Object
			}
			rel, err := s.Access.Release(r.Context(), *reader, c.ID, objs)
			if err != nil {
				return err
			}
			if len(rel) != len(objs) {
				return fmt.Errorf("taxii: access released %d objects for the %d read from collection %q", len(rel), len(objs), c.ID)
			}
			for _, o := range rel {
				if o != nil {
					readable++
				} else {
					withheld++
				}
			}
		}
		if !page.More || len(page.Versions) == 0 {
			break
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
	switch {
	case readable == 0:
		return rampart.Errorf(rampart.ENOTFOUND, "collection %q holds no version of %q that matches the filter", c.ID, f.IDs[0])
	case withheld > 0:
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may not delete %q: the versions selected include some beyond its rights; select those it may read with match[version], or ask an administrator", account(r).Name, f.IDs[0])
	}
	return nil
}

// postBatch is how many objects go to the store in one atomic call.
const postBatch = 5000

// handlePostObjects serves POST …/objects/ (§5.5): every object of the
// envelope is parsed and checked on its own; the valid ones are stored, the
// others are listed as failures with the reason, and a status resource says
// which is which.
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
	var valid []*stix.Object
	br := stix.NewBundleReader(body)
	for i := 0; ; i++ {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		var oe *stix.ObjectError
		if errors.As(err, &oe) {
			st.Failures = append(st.Failures, rampart.StatusDetail{ID: oe.ID, Message: oe.Error()})
			continue
		}
		if err != nil {
			return postReadError(err, limit)
		}
		if err := s.check(c, o); err != nil {
			st.Failures = append(st.Failures, rampart.StatusDetail{
				ID: o.ID, Version: o.Version().String(),
				Message: fmt.Sprintf("objects[%d]: %v", i, err),
			})
			continue
		}
		valid = append(valid, o)
	}
	for chunk := range slices.Chunk(valid, postBatch) {
		res, err := s.Objects.CreateObjects(r.Context(), c.ID, chunk)
		if err != nil {
			return err
		}
		for _, x := range res {
			d := rampart.StatusDetail{ID: x.ID, Version: x.Version.String(), Message: "added"}
			if d.Version == "" {
				d.Version = FormatTime(x.DateAdded)
			}
			if !x.Added {
				d.Message = "already in the collection"
			}
			st.Successes = append(st.Successes, d)
		}
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	st.TotalCount = st.SuccessCount + st.FailureCount
	if err := s.Statuses.CreateStatus(r.Context(), st); err != nil {
		return err
	}
	s.writeJSON(w, http.StatusAccepted, statusResource(st))
	return nil
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
