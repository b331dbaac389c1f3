package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart-cti/rampart/coord"
)

// IncidentList is a list of incidents, as "rampart incident list" prints
// it.
type IncidentList struct {
	Incidents []*coord.Incident
	// Raw holds each incident as stored in the coordination collection,
	// when asked for; nil for one that is not there.
	Raw [][]byte
	// Now is the time reports are overdue at.
	Now time.Time
}

// FindIncidentList returns the incidents the checked options' filter lets
// through (by member state, and overdue at their clock), with their
// stored JSON when the options ask for JSON.
func (n *Node) FindIncidentList(ctx context.Context, o *IncidentOptions) (*IncidentList, error) {
	var f coord.IncidentFilter
	if ms := strings.ToUpper(o.MemberState); ms != "" {
		f.MemberState = &ms
	}
	if o.Overdue {
		f.Overdue = &o.Overdue
	}
	list, err := n.Coord.FindIncidents(ctx, f)
	if err != nil {
		return nil, err
	}
	l := &IncidentList{Incidents: list, Now: o.clock}
	for _, inc := range list {
		if o.JSON {
			raw, _ := n.CoordinationObject(ctx, inc.ID)
			l.Raw = append(l.Raw, raw)
		}
	}
	return l, nil
}

// WriteText writes the incidents as a table, one a line: id, member
// state, when detected, EU alert level, investigation status, the reports
// overdue at l.Now, and name. It returns the error of w.
func (l *IncidentList) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tDETECTED\tLEVEL\tSTATUS\tOVERDUE\tNAME")
	for _, inc := range l.Incidents {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, dashText(inc.MemberState), inc.Detected.Format(time.RFC3339),
			dashText(inc.EULevel), inc.InvestigationStatus, dashText(strings.Join(inc.Overdue(l.Now), ",")), inc.Name)
	}
	return tw.Flush()
}

// WriteJSON writes each incident held in the coordination collection as
// stored, one a line. It returns the error of w.
func (l *IncidentList) WriteJSON(w io.Writer) error {
	for _, raw := range l.Raw {
		if raw != nil {
			if _, err := fmt.Fprintf(w, "%s\n", raw); err != nil {
				return err
			}
		}
	}
	return nil
}

// IncidentView is an incident as "rampart incident show" prints it: the
// incident with its latest attribution, or the joint view of a joint
// incident.
type IncidentView struct {
	Incident *coord.Incident
	// Raw is the incident as stored in the coordination collection; nil
	// when it was read from another.
	Raw []byte
	// Attribution is the latest attribution of the incident; nil when
	// there is none, and AttributionErr the error of reading it.
	Attribution    *AttributionSummary
	AttributionErr error
	// Joint is the joint view, when asked for (Incident is then nil).
	Joint *coord.JointIncident
	// Now is the time deadlines stand at.
	Now time.Time
}

// FindIncidentView returns incident id as the checked options ask to see
// it: as a joint incident, as stored, or with its latest attribution.
// ENOTFOUND when there is no such incident.
func (n *Node) FindIncidentView(ctx context.Context, id string, o *IncidentOptions) (*IncidentView, error) {
	v := &IncidentView{Now: o.clock}
	var err error
	if o.JointView {
		v.Joint, err = n.Coord.FindJointIncident(ctx, id)
		return v, err
	}
	if v.Incident, err = n.Coord.FindIncidentByID(ctx, id); err != nil {
		return nil, err
	}
	if o.JSON {
		v.Raw, _ = n.CoordinationObject(ctx, id)
	} else {
		v.Attribution, v.AttributionErr = n.LatestAttribution(ctx, id)
	}
	return v, nil
}

// WriteText writes the view for a person: the joint view, or the incident
// and a summary of its latest attribution. It returns the error of w, or
// that of reading the attribution once the incident is written.
func (v *IncidentView) WriteText(w io.Writer) error {
	if v.Joint != nil {
		return v.Joint.WriteText(w, v.Now)
	}
	if err := v.Incident.WriteText(w, v.Now); err != nil {
		return err
	}
	if a := v.Attribution; a != nil {
		if _, err := fmt.Fprintf(w, "  latest attribution: %s\n    note %s, %s, %s\n", a.Abstract, a.NoteID, a.Created.Format(time.RFC3339), a.TLP); err != nil {
			return err
		}
	}
	return v.AttributionErr
}

// WriteJSON writes the incident as stored, one line, or, read from
// another collection than the coordination one, as parsed. It returns
// the error of w.
func (v *IncidentView) WriteJSON(w io.Writer) error {
	if v.Joint != nil {
		return v.WriteText(w)
	}
	raw := v.Raw
	if raw == nil {
		raw, _ = json.Marshal(v.Incident)
	}
	_, err := fmt.Fprintf(w, "%s\n", raw)
	return err
}
