package misp

import (
	"fmt"
)

type sightingJSON struct {
	common          `json:",inline"`
	FirstSeen       string   `json:"first_seen"`
	LastSeen        string   `json:"last_seen"`
	Count           int      `json:"count"`
	SightingOfRef   string   `json:"sighting_of_ref"`
	WhereSightedRef []string `json:"where_sighted_refs,omitempty"`
	MISPType        string   `json:"x_misp_sighting_type,omitempty"`
	MISPSource      string   `json:"x_misp_source,omitempty"`
	MISPAttribute   string   `json:"x_misp_attribute_uuid,omitempty"`
}

// sightings maps MISP sightings of the object target (the attribute's, or
// for event-level sightings the one their attribute_uuid names) to STIX
// sightings; attr is the uuid of the attribute sighted, when known. A false positive (type 1) or an expiration (type 2) is a
// sighting whose x_misp_sighting_type says so.
func (c *Converter) sightings(e *eventCtx, ss []Sighting, target, attr string) error {
	for i, s := range ss {
		to := target
		au, _ := normUUID(s.AttributeUUID)
		if attr != "" {
			au = attr
		}
		if to == "" {
			to = e.ids[au]
		}
		if to == "" {
			e.fail(item("sighting", i, s.UUID), fmt.Errorf("attribute_uuid %q names no attribute of this event", s.AttributeUUID))
			continue
		}
		at := e.created
		if t, ok := s.DateSighting.Time(); ok {
			at = stamp(t)
		}
		var org string
		if s.Organisation != nil {
			if err := c.identity(e, s.Organisation, false); err != nil {
				return &emitError{err}
			}
			if u, err := normUUID(s.Organisation.UUID); err == nil && u != "" {
				org = "identity--" + u
			}
		}
		id, err := normUUID(s.UUID)
		if err != nil || id == "" {
			id = uuid5(to, au, string(s.DateSighting), string(s.Type), org, s.Source, fmt.Sprint(i))
		}
		sj := sightingJSON{common: common{Type: "sighting", SpecVersion: "2.1", ID: "sighting--" + id,
			CreatedByRef: firstNonEmpty(org, e.creator), Created: at, Modified: at, ObjectMarkingRefs: markingsFor(e, 0, "")},
			FirstSeen: at, LastSeen: at, Count: 1, SightingOfRef: to, MISPType: string(s.Type), MISPSource: s.Source,
			MISPAttribute: au}
		if org != "" {
			sj.WhereSightedRef = []string{org}
		}
		o, err := c.put(e, sj, "", nil)
		if fe, ok := err.(*emitError); ok {
			return fe
		}
		if err != nil {
			e.fail(item("sighting", i, s.UUID), err)
			continue
		}
		e.sum.Sightings++
		e.ref(o.ID)
	}
	return nil
}
