package lifecycle

import (
	"fmt"
	"slices"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Properties of a sighting that say it is a false positive: Rampart's
// own, OpenCTI's, and MISP's sighting type 1 as Rampart's MISP import
// writes it (x_misp_sighting_type "1"), accepted alike on ingest.
const (
	PropFalsePositive     = "x_rampart_false_positive"
	PropOpenCTINeg        = "x_opencti_negative"
	PropMISPType          = "x_misp_sighting_type"
	PropMISPFalsePositive = "1"
	// PropScore is the score of the indicator a sighting is of, when the
	// node's matcher made it.
	PropScore = "x_rampart_score"
)

// Sighting is what a STIX sighting tells of the indicator it is of.
type Sighting struct {
	Of            string // sighting_of_ref
	By            string // created_by_ref
	LastSeen      time.Time
	FalsePositive bool
}

// ReadSighting reads a STIX sighting. It returns an error naming the
// object when it is not a sighting or does not decode.
func ReadSighting(o *stix.Object) (Sighting, error) {
	if o.Type != "sighting" {
		return Sighting{}, fmt.Errorf("%s: not a sighting", o.ID)
	}
	var s struct {
		Of        string         `json:"sighting_of_ref"`
		FirstSeen stix.Timestamp `json:"first_seen"`
		LastSeen  stix.Timestamp `json:"last_seen"`
		FP        bool           `json:"x_rampart_false_positive"`
		Neg       bool           `json:"x_opencti_negative"`
		MISPType  string         `json:"x_misp_sighting_type"`
	}
	if err := o.Decode(&s); err != nil {
		return Sighting{}, fmt.Errorf("%s: %v", o.ID, err)
	}
	last := s.LastSeen.Time()
	if last.IsZero() {
		last = s.FirstSeen.Time()
	}
	if last.IsZero() {
		last = o.Created.Time()
	}
	return Sighting{Of: s.Of, By: o.CreatedByRef, LastSeen: last, FalsePositive: s.FP || s.Neg || s.MISPType == PropMISPFalsePositive}, nil
}

// Add counts a sighting of the indicator in f: a false positive names its
// reporter once; a true one restarts the decay from its last_seen, never
// later than now (a sighting dated in the future does not keep an
// indicator alive).
func (f *Facts) Add(s Sighting, now time.Time) {
	if s.FalsePositive {
		if !slices.Contains(f.FalsePositiveBy, s.By) {
			f.FalsePositiveBy = append(f.FalsePositiveBy, s.By)
		}
		return
	}
	t := s.LastSeen
	if t.After(now) {
		t = now
	}
	if t.After(f.LastSighted) {
		f.LastSighted = t
	}
}
