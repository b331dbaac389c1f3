package taxii

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// release decides what reader is served of objs, read from collection c:
// for each object, in order, the stored object, or nil to withhold it, as
// Access decides. A version Access releases is served as stored. Without
// Access everything is served.
func (s *Server) release(ctx context.Context, reader *rampart.Reader, c *rampart.Collection, objs []*stix.Object) ([]*stix.Object, error) {
	out := make([]*stix.Object, len(objs))
	copy(out, objs)
	if s.Access == nil || len(out) == 0 {
		return out, nil
	}
	if reader == nil {
		// Every listing reads its reader first; without one, nothing
		// can be decided, so nothing is served.
		return nil, fmt.Errorf("taxii: release from collection %q without a reader", c.ID)
	}
	rel, err := s.Access.Release(ctx, *reader, c.ID, out)
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
	return out, nil
}

// A releaser asks Access about versions in groups of about budget bytes of
// JSON, and tells decide, in order, whether each is released: few calls
// for a page of small objects (each call looks references up in the store
// and appends to the audit log), bounded memory for a page of large ones.
// Call add for each version, then flush.
type releaser struct {
	s      *Server
	ctx    context.Context
	reader *rampart.Reader
	c      *rampart.Collection
	budget int64
	decide func(v *rampart.ObjectVersion, released bool)

	pending []*rampart.ObjectVersion
	bytes   int64
}

func (s *Server) newReleaser(ctx context.Context, reader *rampart.Reader, c *rampart.Collection, decide func(*rampart.ObjectVersion, bool)) *releaser {
	return &releaser{s: s, ctx: ctx, reader: reader, c: c, budget: s.PageBufferBytes, decide: decide}
}

// add queues v, asking Access about the queue once it holds budget bytes.
func (r *releaser) add(v *rampart.ObjectVersion) error {
	r.pending = append(r.pending, v)
	r.bytes += int64(len(v.Object.Raw))
	if r.bytes >= r.budget {
		return r.flush()
	}
	return nil
}

// flush asks Access about every queued version.
func (r *releaser) flush() error {
	if len(r.pending) == 0 {
		return nil
	}
	objs := make([]*stix.Object, len(r.pending))
	for i, v := range r.pending {
		objs[i] = v.Object
	}
	rel, err := r.s.release(r.ctx, r.reader, r.c, objs)
	if err != nil {
		return err
	}
	for i, v := range r.pending {
		r.decide(v, rel[i] != nil)
		r.pending[i] = nil
	}
	r.pending, r.bytes = r.pending[:0], 0
	return nil
}

// decidesOnObjects reports whether Access decides what is served: it
// needs whole objects, not a manifest's metadata.
func (s *Server) decidesOnObjects() bool {
	return s.Access != nil
}

// withoutJSON returns v with the object's header only, so that what a
// listing keeps of a version it does not serve whole holds no JSON.
func withoutJSON(v *rampart.ObjectVersion) *rampart.ObjectVersion {
	if v.Object.Raw == nil {
		return v
	}
	o := *v.Object
	o.Raw = nil
	o.ObjectMarkingRefs = nil
	return &rampart.ObjectVersion{Object: &o, DateAdded: v.DateAdded, Seq: v.Seq}
}

// eachReleased reads up to limit versions that f selects, a part at a time,
// and tells decide, in order, whether Access releases each, until decide
// returns false.
func (s *Server) eachReleased(ctx context.Context, reader *rampart.Reader, c *rampart.Collection, f rampart.ObjectFilter, limit int, decide func(v *rampart.ObjectVersion, released bool) bool) error {
	stop := false
	rel := s.newReleaser(ctx, reader, c, func(v *rampart.ObjectVersion, released bool) {
		if !stop && !decide(v, released) {
			stop = true
		}
	})
	cr := newChunkReader(s.Objects, f, limit, s.PageBufferBytes)
	for !stop {
		vs, err := cr.next(ctx)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return rel.flush()
		}
		for _, v := range vs {
			if err := rel.add(v); err != nil {
				return err
			}
		}
	}
	return nil
}
