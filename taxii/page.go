package taxii

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// An objectPage is one page of GET …/objects/ or …/objects/{id}/, decided
// before a byte of it is written: which versions it covers (at most the
// query's limit, and at most MaxPageBytes of JSON), "more", and the date
// headers, all from one metadata-only listing, which tells each version's
// size without reading its JSON. The page's JSON is then read a part at a
// time, about PageBufferBytes each, from the store (ThroughSeq ends each
// read at the part's last version, so no read brings a version the page
// does not cover), and Access is asked about each part as it is read.
// The first part is read before the page is written (and the parts after
// it, while Access withholds everything read), so that a page that fits
// in one part is answered at once with its length, and an object's page
// that releases nothing is told apart from a missing object; the others
// are read as the client takes the page (writeObjectPage).
type objectPage struct {
	entries []pageEntry
	more    bool
	// decided is how many entries, from the first, were read and decided
	// on before the page is written.
	decided int
	// filter selects the page's versions, from filter.AfterSeq on.
	filter rampart.ObjectFilter
}

// A pageEntry is one version of a page.
type pageEntry struct {
	seq       int64
	dateAdded time.Time
	size      int64
	released  bool
	obj       *stix.Object // released and not yet written; nil otherwise
}

// readObjectPage decides the page l asks for.
func (s *Server) readObjectPage(ctx context.Context, l *listing) (*objectPage, error) {
	f := l.lq.filter
	f.MetadataOnly = true
	meta, err := s.Objects.FindObjects(ctx, f)
	if err != nil {
		return nil, err
	}
	p := &objectPage{filter: l.lq.filter, more: meta.More}
	var total int64
	for _, v := range meta.Versions {
		if len(p.entries) > 0 && total+v.Size > s.MaxPageBytes {
			p.more = true
			break
		}
		total += v.Size
		p.entries = append(p.entries, pageEntry{seq: v.Seq, dateAdded: v.DateAdded, size: v.Size})
	}
	for p.decided < len(p.entries) {
		i, j := p.decided, p.part(p.decided, s.PageBufferBytes)
		if err := s.readPart(ctx, l, p, i, j); err != nil {
			return nil, err
		}
		p.decided = j
		if p.releasedIn(i, j) {
			break
		}
	}
	return p, nil
}

// part returns the end of the part of p that starts at entry i: as many
// entries as fit in budget bytes of JSON, at least one.
func (p *objectPage) part(i int, budget int64) int {
	j, n := i+1, p.entries[i].size
	for j < len(p.entries) && n+p.entries[j].size <= budget {
		n += p.entries[j].size
		j++
	}
	return j
}

// readPart reads the JSON of the entries i to j-1 of p from the store and
// asks Access about them, marking those released and keeping their
// objects. A version gone meanwhile (deleted, or no longer the latest) is
// left out, as withheld.
func (s *Server) readPart(ctx context.Context, l *listing, p *objectPage, i, j int) error {
	f := p.filter
	f.MetadataOnly = false
	f.Limit = j - i
	f.ThroughSeq = p.entries[j-1].seq
	if i > 0 {
		f.AfterSeq = p.entries[i-1].seq
	}
	// The versions a filter selects in a range of Seqs only ever shrink
	// (versions are added after every other), so the range holds at most
	// j-i of them, in the same order.
	page, err := s.Objects.FindObjects(ctx, f)
	if err != nil {
		return err
	}
	objs := make([]*stix.Object, 0, len(page.Versions))
	at := make([]int, 0, len(page.Versions))
	k := i
	for _, v := range page.Versions {
		for k < j && p.entries[k].seq < v.Seq {
			k++
		}
		if k == j {
			break
		}
		if p.entries[k].seq == v.Seq {
			objs = append(objs, v.Object)
			at = append(at, k)
		}
	}
	rel, err := s.release(ctx, l.reader, l.c, objs)
	if err != nil {
		return err
	}
	for n, o := range rel {
		if o != nil {
			e := &p.entries[at[n]]
			e.released, e.obj = true, o
		}
	}
	return nil
}

// releasedIn reports whether any of the entries i to j-1 is released.
func (p *objectPage) releasedIn(i, j int) bool {
	for _, e := range p.entries[i:j] {
		if e.released {
			return true
		}
	}
	return false
}

// released reports whether the page serves any object.
func (p *objectPage) released() bool {
	// Parts are read before the page is written until one releases an
	// object.
	return p.releasedIn(0, p.decided)
}

// length returns the length of p's envelope when every entry was decided
// on (the page is written at once), -1 otherwise.
func (p *objectPage) length(head []byte) int {
	if p.decided < len(p.entries) {
		return -1
	}
	n, objects := len(head)+len("}"), 0
	for _, e := range p.entries {
		if e.released {
			n += len(e.obj.Raw)
			objects++
		}
	}
	if objects > 0 {
		n += len(`,"objects":[`) + objects - 1 + len("]")
	}
	return n
}

// writeObjectPage writes p as an envelope: with its length when every
// entry was decided on, else as the client takes it, reading the parts
// not read yet and asking Access about them. Once the status is written,
// errors can no longer be answered: a store or Access error aborts the
// response (the client sees a broken body, never a short envelope that
// looks whole), and a client that went away ends it.
func (s *Server) writeObjectPage(w http.ResponseWriter, r *http.Request, p *objectPage, l *listing) {
	if len(p.entries) == 0 {
		s.writeJSON(w, http.StatusOK, Envelope{})
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", FormatTime(p.entries[0].dateAdded))
	w.Header().Set("X-TAXII-Date-Added-Last", FormatTime(p.entries[len(p.entries)-1].dateAdded))
	w.Header().Set("Content-Type", MediaTypeTAXII)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	head := []byte(`{"more":`)
	head = strconv.AppendBool(head, p.more)
	if p.more {
		head = append(head, `,"next":"`...)
		head = append(head, s.nextCursor(p.entries[len(p.entries)-1].seq, l.lq)...)
		head = append(head, '"')
	}
	if n := p.length(head); n >= 0 {
		w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	w.WriteHeader(http.StatusOK)
	ew := &envelopeWriter{w: w}
	ew.write(head)
	ew.entries(p, 0, p.decided)
	for i := p.decided; i < len(p.entries) && ew.err == nil; {
		j := p.part(i, s.PageBufferBytes)
		if err := s.readPart(r.Context(), l, p, i, j); err != nil {
			if r.Context().Err() == nil {
				s.logger().Error("page abandoned: a part of it could not be read again from the store or released", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			ew.err = err
			break
		}
		ew.entries(p, i, j)
		i = j
	}
	if ew.err != nil {
		s.logger().Info("page not delivered whole: the client went away or the read failed", "path", r.URL.Path, "err", ew.err)
		// An envelope cut short must not look whole: abort the
		// response, which closes the connection.
		panic(http.ErrAbortHandler)
	}
	ew.end()
}

// envelopeWriter writes the objects of an envelope one at a time after its
// head, opening the "objects" list with the first (TAXII forbids empty
// lists). It keeps the first write error and writes nothing after it.
type envelopeWriter struct {
	w       http.ResponseWriter
	objects int
	err     error
}

func (ew *envelopeWriter) write(b []byte) {
	if ew.err == nil {
		_, ew.err = ew.w.Write(b)
	}
}

func (ew *envelopeWriter) object(raw []byte) {
	if ew.objects == 0 {
		ew.write([]byte(`,"objects":[`))
	} else {
		ew.write([]byte{','})
	}
	ew.objects++
	ew.write(raw)
}

// entries writes the objects of p's entries i to j-1 that are released,
// and lets go of them.
func (ew *envelopeWriter) entries(p *objectPage, i, j int) {
	for k := i; k < j && ew.err == nil; k++ {
		e := &p.entries[k]
		if e.released {
			ew.object(e.obj.Raw)
			e.obj = nil
		}
	}
}

func (ew *envelopeWriter) end() {
	if ew.objects > 0 {
		ew.write([]byte{']'})
	}
	ew.write([]byte{'}'})
}

// A versionPage is one page of the manifest or versions endpoints: the
// versions released, without their JSON, and what the page's headers and
// paging need.
type versionPage struct {
	released    []*rampart.ObjectVersion
	n           int // versions on the page, released or not
	first, last *rampart.ObjectVersion
	more        bool
}

// readVersionPage reads the page l asks for, a part at a time, keeping
// only the headers of what Access releases.
func (s *Server) readVersionPage(ctx context.Context, l *listing) (*versionPage, error) {
	p := &versionPage{}
	rel := s.newReleaser(ctx, l.reader, l.c, func(v *rampart.ObjectVersion, released bool) {
		if released {
			p.released = append(p.released, withoutJSON(v))
		}
	})
	cr := newChunkReader(s.Objects, l.lq.filter, l.lq.filter.Limit, s.PageBufferBytes)
	for {
		vs, err := cr.next(ctx)
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			break
		}
		for _, v := range vs {
			if p.first == nil {
				p.first = withoutJSON(v)
			}
			p.last = v
			p.n++
			if err := rel.add(v); err != nil {
				return nil, err
			}
		}
		p.last = withoutJSON(p.last)
	}
	if err := rel.flush(); err != nil {
		return nil, err
	}
	p.more = cr.more
	return p, nil
}

// paging returns the "more" and "next" of p: none for an empty page.
func (s *Server) paging(p *versionPage, lq *listQuery) (more *bool, next string) {
	if p.n == 0 {
		return nil, ""
	}
	if p.more {
		next = s.nextCursor(p.last.Seq, lq)
	}
	return &p.more, next
}

// setHeaders sets the date headers of a non-empty page.
func (p *versionPage) setHeaders(w http.ResponseWriter) {
	if p.n == 0 {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", FormatTime(p.first.DateAdded))
	w.Header().Set("X-TAXII-Date-Added-Last", FormatTime(p.last.DateAdded))
}

func (s *Server) nextCursor(lastSeq int64, lq *listQuery) string {
	return s.encodeCursor(cursor{afterSeq: lastSeq}, lq.digest)
}
