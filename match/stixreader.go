package match

import (
	"fmt"
	"io"

	"github.com/rampart-cti/rampart/pattern"
)

// MaxObservedBytes bounds the STIX input read by a STIXReader, which needs
// the whole bundle to resolve object_refs.
const MaxObservedBytes = 512 << 20

// STIXReader reads observed-data from a STIX bundle, a JSON array of
// bundles, or a JSON array of objects: each observed-data object is one
// record, evaluated as the observation it describes. A malformed
// observed-data object is a *LineError whose Line is its position among the
// input's objects (from 1); the others are read.
type STIXReader struct {
	r    io.Reader
	objs []pattern.Object
	byID map[string]pattern.Object
	i    int
	keys Keys
	done bool
}

// NewSTIXReader returns a reader of r.
func NewSTIXReader(r io.Reader) *STIXReader { return &STIXReader{r: r} }

// Next implements Reader.
func (s *STIXReader) Next() (*Record, error) {
	if !s.done {
		s.done = true
		data, err := io.ReadAll(io.LimitReader(s.r, MaxObservedBytes+1))
		if err != nil {
			return nil, err
		}
		if len(data) > MaxObservedBytes {
			return nil, fmt.Errorf("STIX input larger than MaxObservedBytes (%d MiB)", MaxObservedBytes>>20)
		}
		if s.objs, s.byID, err = pattern.ReadObjects(data); err != nil {
			return nil, err
		}
	}
	for s.i < len(s.objs) {
		o := s.objs[s.i]
		s.i++
		if o["type"] != "observed-data" {
			continue
		}
		obs, err := pattern.ObservationFromObject(o, s.byID)
		if err != nil {
			return nil, &LineError{int64(s.i), err}
		}
		return recordFromObservation(obs, &s.keys, int64(s.i)), nil
	}
	return nil, io.EOF
}
