package match

import (
	"context"
	"io"

	"github.com/rampart-cti/rampart/stix"
)

// maxLineSinkSeen bounds the ids a LineSink remembers; past it, it forgets
// them all and may write an object again.
const maxLineSinkSeen = 1 << 20

// LineSink writes each sighting as JSON lines: first the objects it refers
// to that it has not written yet, then the sighting itself. Writing to a
// pipe, it streams STIX 2.1 for other tools. It is not safe for concurrent
// use.
type LineSink struct {
	w    io.Writer
	seen map[string]bool
}

var _ Sink = (*LineSink)(nil)

// NewLineSink returns a sink that writes to w.
func NewLineSink(w io.Writer) *LineSink {
	return &LineSink{w: w, seen: map[string]bool{}}
}

// Sighting writes the related objects not written yet and the sighting,
// each on its own line; it returns the first error of the writer.
func (s *LineSink) Sighting(_ context.Context, sighting *stix.Object, related []*stix.Object) error {
	for _, o := range related {
		if s.seen[o.ID] {
			continue
		}
		if len(s.seen) > maxLineSinkSeen {
			clear(s.seen)
		}
		s.seen[o.ID] = true
		if err := s.line(o); err != nil {
			return err
		}
	}
	return s.line(sighting)
}

func (s *LineSink) line(o *stix.Object) error {
	if _, err := s.w.Write(o.Raw); err != nil {
		return err
	}
	_, err := s.w.Write([]byte{'\n'})
	return err
}
