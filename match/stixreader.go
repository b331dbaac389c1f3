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
// record, evaluated as the observation it describes.
type STIXReader struct {
	r    io.Reader
	obs  []*pattern.Observation
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
		s.obs, err = pattern.ParseObservations(data)
		if err != nil {
			return nil, err
		}
	}
	if s.i >= len(s.obs) {
		return nil, io.EOF
	}
	s.i++
	return recordFromObservation(s.obs[s.i-1], &s.keys, int64(s.i)), nil
}
