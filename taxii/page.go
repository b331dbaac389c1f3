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
// query's limit, and at most MaxPageBytes of JSON), which of them Access
// releases, "more", and the date headers. Released objects are held while
// they fit in PageBufferBytes; the others are read again as they are
// written (writeObjectPage).
type objectPage struct {
	entries []pageEntry
	more    bool
	// held reports that every released object is held: the page is
	// written at once, with its length.
	held bool
	// filter selects the page's versions, from filter.AfterSeq on.
	filter rampart.ObjectFilter
}

// A pageEntry is one version of a page.
type pageEntry struct {
	seq       int64
	dateAdded time.Time
	size      int
	released  bool
	obj       *stix.Object // nil when withheld or not held
}

// readObjectPage decides the page l asks for.
func (s *Server) readObjectPage(ctx context.Context, l *listing) (*objectPage, error) {
	p := &objectPage{filter: l.lq.filter, held: true}
	index := map[*rampart.ObjectVersion]int{}
	var heldBytes int64
	rel := s.newReleaser(ctx, l.reader, l.c, func(v *rampart.ObjectVersion, released bool) {
		e := &p.entries[index[v]]
		delete(index, v)
		e.released = released
		switch {
		case !released:
			e.obj = nil
		case p.held && heldBytes+int64(e.size) <= s.PageBufferBytes:
			heldBytes += int64(e.size)
		default:
			// From here on, released objects are read again as the
			// client takes the page.
			p.held = false
			e.obj = nil
		}
	})
	cr := newChunkReader(s.Objects, l.lq.filter, l.lq.filter.Limit, s.PageBufferBytes)
	var total int64
read:
	for {
		vs, err := cr.next(ctx)
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			break
		}
		for _, v := range vs {
			size := len(v.Object.Raw)
			if len(p.entries) > 0 && total+int64(size) > s.MaxPageBytes {
				p.more = true
				break read
			}
			total += int64(size)
			index[v] = len(p.entries)
			p.entries = append(p.entries, pageEntry{seq: v.Seq, dateAdded: v.DateAdded, size: size, obj: v.Object})
			if err := rel.add(v); err != nil {
				return nil, err
			}
		}
	}
	if err := rel.flush(); err != nil {
		return nil, err
	}
	p.more = p.more || cr.more
	return p, nil
}

// released reports whether the page serves any object.
func (p *objectPage) released() bool {
	for _, e := range p.entries {
		if e.released {
			return true
		}
	}
	return false
}

// writeObjectPage writes p as an envelope: at once when every released
// object is held, else as the client takes it, reading again what is not
// held, about PageBufferBytes at a time. Once the status is written,
// errors can no longer be answered: a store error aborts the response (the
// client sees a broken body, never a short envelope that looks whole), and
// a client that went away ends it.
func (s *Server) writeObjectPage(w http.ResponseWriter, r *http.Request, p *objectPage, lq *listQuery) {
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
		head = append(head, s.nextCursor(p.entries[len(p.entries)-1].seq, lq)...)
		head = append(head, '"')
	}
	if p.held {
		b := appendEnvelope(head, p.entries)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		w.Write(b)
		return
	}
	w.WriteHeader(http.StatusOK)
	ew := &envelopeWriter{w: w}
	ew.write(head)
	for i := 0; i < len(p.entries) && ew.err == nil; {
		e := &p.entries[i]
		switch {
		case !e.released:
			i++
		case e.obj != nil:
			ew.object(e.obj.Raw)
			e.obj = nil
			i++
		default:
			n, err := s.writeAgain(r.Context(), ew, p, i)
			if err != nil {
				if ew.err == nil && r.Context().Err() == nil {
					s.logger().Error("page abandoned: read again from the store", "method", r.Method, "path", r.URL.Path, "err", err)
				}
				ew.err = err
				break
			}
			i += n
		}
	}
	if ew.err != nil {
		s.logger().Info("page not delivered whole: the client went away or the read failed", "path", r.URL.Path, "err", ew.err)
		// An envelope cut short must not look whole: abort the
		// response, which closes the connection.
		panic(http.ErrAbortHandler)
	}
	ew.end()
}

// writeAgain reads again, from the store, the versions of p from entry i
// on, about PageBufferBytes of them, and writes those released. It returns
// how many entries it covered. A version gone meanwhile (deleted, or no
// longer the latest) is left out.
func (s *Server) writeAgain(ctx context.Context, ew *envelopeWriter, p *objectPage, i int) (int, error) {
	j, n := i, int64(0)
	for j < len(p.entries) && (j == i || n+int64(p.entries[j].size) <= s.PageBufferBytes) {
		n += int64(p.entries[j].size)
		j++
	}
	f := p.filter
	f.MetadataOnly = false
	f.Limit = j - i
	if i > 0 {
		f.AfterSeq = p.entries[i-1].seq
	}
	// The versions a filter selects before a given one only ever shrink
	// (versions are added after every other), so the range holds at most
	// j-i of them, in the same order.
	page, err := s.Objects.FindObjects(ctx, f)
	if err != nil {
		return 0, err
	}
	k := i
	for _, v := range page.Versions {
		for k < j && p.entries[k].seq < v.Seq {
			k++
		}
		if k == j {
			break
		}
		if p.entries[k].seq == v.Seq && p.entries[k].released {
			ew.object(v.Object.Raw)
		}
	}
	return j - i, ew.err
}

// appendEnvelope appends the released objects of entries, and the end of
// the envelope, to head.
func appendEnvelope(head []byte, entries []pageEntry) []byte {
	n := len(head) + 16
	for _, e := range entries {
		if e.released {
			n += e.size + 1
		}
	}
	b := make([]byte, 0, n)
	b = append(b, head...)
	first := true
	for _, e := range entries {
		if !e.released {
			continue
		}
		if first {
			// TAXII forbids empty lists: a page whose every object was
			// withheld has no "objects" at all.
			b = append(b, `,"objects":[`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = append(b, e.obj.Raw...)
	}
	if !first {
		b = append(b, ']')
	}
	return append(b, '}')
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
