package node

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// CreateIncident records a new incident with the fields c gives, marked
// tlp, reported by the node's member state unless c names another. A
// note, when not empty, opens its timeline in place of "incident
// recorded". It returns the incident as stored; EINVALID when a field
// breaks a rule (the error names it and the value).
func (n *Node) CreateIncident(ctx context.Context, c coord.IncidentChange, tlp stix.TLP, note string) (*coord.Incident, error) {
	inc := &coord.Incident{Markings: []string{tlp.MarkingID()}}
	c.Apply(inc)
	if note != "" {
		inc.Timeline = []coord.TimelineEntry{{Time: time.Now().UTC(), Activity: note}}
	}
	if err := n.Coord.CreateIncident(ctx, inc); err != nil {
		return nil, err
	}
	return inc, nil
}

// UpdateIncident writes a new version of incident id with the fields c
// gives and, when note is not empty, a timeline entry by the incident's
// member state. It returns the new version; the errors of
// coord.Service.UpdateIncident (ENOTFOUND, EFORBIDDEN for another
// organisation's incident, EINVALID).
func (n *Node) UpdateIncident(ctx context.Context, id string, c coord.IncidentChange, note string) (*coord.Incident, error) {
	return n.Coord.UpdateIncident(ctx, id, func(inc *coord.Incident) error {
		c.Apply(inc)
		if note != "" {
			inc.Timeline = append(inc.Timeline, coord.TimelineEntry{Time: time.Now().UTC(), Actor: inc.MemberState, Activity: note})
		}
		return nil
	})
}

// ReportIncident records that the NIS2 report kind of incident id was
// submitted at, with the authority's reference (may be empty), as done by
// the incident's member state. It returns the new version and the
// deadline of that report; EINVALID for an unknown kind or a report
// submitted already.
func (n *Node) ReportIncident(ctx context.Context, id, kind string, at time.Time, reference string) (*coord.Incident, coord.Deadline, error) {
	inc, err := n.Coord.UpdateIncident(ctx, id, func(inc *coord.Incident) error {
		return inc.Report(kind, at, inc.MemberState, reference)
	})
	if err != nil {
		return nil, coord.Deadline{}, err
	}
	for _, d := range inc.Deadlines() {
		if d.Kind == kind {
			return inc, d, nil
		}
	}
	return inc, coord.Deadline{}, rampart.Errorf(rampart.EINTERNAL, "incident %q has no %s deadline", id, kind)
}

// AttributionSummary is what "rampart incident show" says of the latest
// attribution of an incident: the note that holds it and its abstract.
type AttributionSummary struct {
	NoteID   string
	Created  time.Time
	Abstract string
	TLP      string // of the attribution's inputs, "TLP:AMBER"
}

// LatestAttribution returns the summary of the latest attribution of
// incident id the node holds; nil, and no error, when there is none.
func (n *Node) LatestAttribution(ctx context.Context, id string) (*AttributionSummary, error) {
	o, rec, err := n.IncidentAttribution(ctx, id)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var note struct {
		Abstract string `json:"abstract"`
	}
	// A note without an abstract is summarised without one.
	_ = o.Decode(&note)
	return &AttributionSummary{NoteID: o.ID, Created: o.Created.Time(), Abstract: note.Abstract, TLP: rec.TLP}, nil
}

// IncidentAttributionJSON returns the JSON document "rampart incident
// attribute --json" prints: the note as stored and the record it holds.
func IncidentAttributionJSON(a *attribution.IncidentAttribution, note *stix.Object) ([]byte, error) {
	return json.Marshal(struct {
		Note   jsontext.Value             `json:"note"`
		Record attribution.IncidentRecord `json:"attribution"`
	}{jsontext.Value(note.Raw), a.Record()}, json.Deterministic(true))
}

// CoordinationObject returns the raw JSON of the latest version of object
// id in the node's coordination collection; nil when it is not there (an
// incident read from another collection, say).
func (n *Node) CoordinationObject(ctx context.Context, id string) ([]byte, error) {
	page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: n.Coord.CollectionID, IDs: []string{id}})
	if err != nil || len(page.Versions) == 0 {
		return nil, err
	}
	return page.Versions[0].Object.Raw, nil
}
