package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// deadlineView is one NIS2 deadline as of the request.
type deadlineView struct {
	Kind      string     `json:"kind"`
	Due       time.Time  `json:"due"`
	Submitted *time.Time `json:"submitted,omitempty"`
	State     string     `json:"state"`
}

// incidentView is an incident as the API shows it: its fields, its
// deadlines and overdue reports as of now, and the STIX object.
type incidentView struct {
	ID                   string                `json:"id"`
	Name                 string                `json:"name"`
	Description          string                `json:"description,omitempty"`
	CreatedBy            string                `json:"created_by_ref,omitempty"`
	Created              time.Time             `json:"created"`
	Modified             time.Time             `json:"modified"`
	MemberState          string                `json:"member_state,omitempty"`
	Detected             time.Time             `json:"detected"`
	Determination        string                `json:"determination,omitempty"`
	InvestigationStatus  string                `json:"investigation_status,omitempty"`
	Criticality          *int                  `json:"criticality,omitempty"`
	IncidentTypes        []string              `json:"incident_types,omitempty"`
	Significant          bool                  `json:"significant"`
	TrustServiceProvider bool                  `json:"trust_service_provider"`
	AffectedMemberStates []string              `json:"affected_member_states,omitempty"`
	Sectors              []string              `json:"sectors,omitempty"`
	CrossBorder          bool                  `json:"cross_border"`
	CrossBorderImpact    string                `json:"cross_border_impact,omitempty"`
	EULevel              string                `json:"eu_alert_level,omitempty"`
	JointIncidentRef     string                `json:"joint_incident_ref,omitempty"`
	MemberIncidentRefs   []string              `json:"member_incident_refs,omitempty"`
	AlertRefs            []string              `json:"alert_refs,omitempty"`
	Timeline             []coord.TimelineEntry `json:"timeline,omitempty"`
	Deadlines            []deadlineView        `json:"deadlines"`
	Overdue              []string              `json:"overdue"`
}

func viewIncident(inc *coord.Incident, now time.Time) incidentView {
	v := incidentView{
		ID: inc.ID, Name: inc.Name, Description: inc.Description, CreatedBy: inc.CreatedBy,
		Created: inc.Created, Modified: inc.Modified, MemberState: inc.MemberState, Detected: inc.Detected,
		Determination: inc.Determination, InvestigationStatus: inc.InvestigationStatus, Criticality: inc.Criticality,
		IncidentTypes: inc.IncidentTypes, Significant: inc.Significant, TrustServiceProvider: inc.TrustServiceProvider,
		AffectedMemberStates: inc.AffectedMemberStates, Sectors: inc.Sectors, CrossBorder: inc.CrossBorder,
		CrossBorderImpact: inc.CrossBorderImpact, EULevel: inc.EULevel, JointIncidentRef: inc.JointIncidentRef,
		MemberIncidentRefs: inc.MemberIncidentRefs, AlertRefs: inc.AlertRefs, Timeline: inc.Timeline,
		Overdue: inc.Overdue(now),
	}
	if v.Overdue == nil {
		v.Overdue = []string{}
	}
	for _, d := range inc.Deadlines() {
		dv := deadlineView{Kind: d.Kind, Due: d.Due, State: d.State(now)}
		if !d.Submitted.IsZero() {
			sub := d.Submitted
			dv.Submitted = &sub
		}
		v.Deadlines = append(v.Deadlines, dv)
	}
	return v
}

func (s *Server) handleListIncidents(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var f coord.IncidentFilter
	q := r.URL.Query()
	if v := q.Get("member_state"); v != "" {
		f.MemberState = &v
	}
	var err error
	if f.Overdue, err = boolParam(q.Get("overdue"), "overdue"); err != nil {
		return err
	}
	if f.Closed, err = boolParam(q.Get("closed"), "closed"); err != nil {
		return err
	}
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	list, err := view.FindIncidents(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.Now()
	out := []incidentView{}
	for _, inc := range list {
		out = append(out, viewIncident(inc, now))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
	return nil
}

func boolParam(v, name string) (*bool, error) {
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "parameter %s must be true or false (got %q)", name, v)
	}
	return &b, nil
}

// incidentRequest is the body of POST /incidents and PATCH
// /incidents/{id}: the change to the incident's fields (in a PATCH,
// absent members are left unchanged) and, on creation, its marking.
type incidentRequest struct {
	coord.IncidentChange
	// TLP marks a new incident (clear, green, amber, amber+strict, red;
	// amber by default). Only on creation.
	TLP *string `json:"tlp"`
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (s *Server) handleCreateIncident(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var req incidentRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	inc := &coord.Incident{}
	req.Apply(inc)
	tlp := "amber"
	setIf(&tlp, req.TLP)
	if err := s.createIncident(r, a, inc, tlp); err != nil {
		return err
	}
	s.writeJSON(w, http.StatusCreated, viewIncident(inc, s.Now()))
	return nil
}

// createIncident records a new incident marked tlp, its timeline opened
// by the account.
func (s *Server) createIncident(r *http.Request, a *rampart.Account, inc *coord.Incident, tlp string) error {
	t, err := stix.ParseTLP(tlp)
	if err != nil {
		return rampart.Errorf(rampart.EINVALID, "tlp: %v", err)
	}
	if m := t.MarkingID(); m != "" {
		inc.Markings = []string{m}
	}
	inc.Timeline = []coord.TimelineEntry{{Time: s.Now().UTC(), Actor: a.Name, Activity: "incident recorded"}}
	return s.Coord.CreateIncident(r.Context(), inc)
}

func (s *Server) handleGetIncident(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	inc, err := view.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, viewIncident(inc, s.Now()))
	return nil
}

func (s *Server) handleUpdateIncident(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var req incidentRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.TLP != nil {
		return rampart.Errorf(rampart.EINVALID, "tlp is set when an incident is created; a marking cannot be lowered later")
	}
	return s.updateIncident(w, r, a, func(inc *coord.Incident) error {
		req.Apply(inc)
		return nil
	})
}

// updateIncident applies fn to the request's incident and answers with
// the new version. The account must be able to read the incident first,
// or it is told, as for an incident the node does not hold, that there is
// none: an account changes only what it may read. The answer is the
// incident as the account may read it after the change, so that it never
// shows what the version the change was built on held beyond its rights.
func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request, a *rampart.Account, fn func(*coord.Incident) error) error {
	inc, err := s.changeIncident(r, a, r.PathValue("id"), fn)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, viewIncident(inc, s.Now()))
	return nil
}

// changeIncident applies fn to incident id as updateIncident says, and
// returns the new version as the account may read it.
func (s *Server) changeIncident(r *http.Request, a *rampart.Account, id string, fn func(*coord.Incident) error) (*coord.Incident, error) {
	view, err := s.coordAs(r, a)
	if err != nil {
		return nil, err
	}
	if s.Access != nil {
		if _, err := view.FindIncidentByID(r.Context(), id); err != nil {
			return nil, err
		}
	}
	inc, err := s.Coord.UpdateIncident(r.Context(), id, fn)
	if err != nil {
		return nil, err
	}
	if s.Access != nil {
		return view.FindIncidentByID(r.Context(), id)
	}
	return inc, nil
}

// timelineRequest is the body of POST /incidents/{id}/timeline.
type timelineRequest struct {
	Time        *time.Time `json:"time"` // default now
	Actor       string     `json:"actor"`
	Activity    string     `json:"activity"`
	Description string     `json:"description"`
}

func (s *Server) handleAddTimeline(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var req timelineRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	e := coord.TimelineEntry{Time: s.Now().UTC(), Actor: req.Actor, Activity: req.Activity, Description: req.Description}
	setIf(&e.Time, req.Time)
	if e.Actor == "" {
		e.Actor = a.Name
	}
	return s.updateIncident(w, r, a, func(inc *coord.Incident) error {
		inc.Timeline = append(inc.Timeline, e)
		return nil
	})
}

// reportRequest is the body of POST /incidents/{id}/reports: a NIS2
// report was submitted.
type reportRequest struct {
	Kind      string     `json:"kind"`      // early-warning, notification or final-report
	Submitted *time.Time `json:"submitted"` // default now
	Reference string     `json:"reference"` // e.g. the authority's case number
}

func (s *Server) handleSubmitReport(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var req reportRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	at := s.Now().UTC()
	setIf(&at, req.Submitted)
	return s.updateIncident(w, r, a, func(inc *coord.Incident) error {
		return inc.Report(req.Kind, at, a.Name, req.Reference)
	})
}

// jointView is the joint incident view.
type jointView struct {
	Joint        incidentView          `json:"joint"`
	Members      []incidentView        `json:"members"`
	MemberStates []string              `json:"member_states"`
	Sectors      []string              `json:"sectors,omitempty"`
	EULevel      string                `json:"eu_alert_level"`
	Timeline     []coord.TimelineEntry `json:"timeline"`
	Missing      []string              `json:"missing,omitempty"`
}

func (s *Server) handleJointIncident(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	j, err := view.FindJointIncident(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	now := s.Now()
	v := jointView{Joint: viewIncident(j.Joint, now), Members: []incidentView{}, MemberStates: j.MemberStates,
		Sectors: j.Sectors, EULevel: j.EULevel, Timeline: j.Timeline, Missing: j.Missing}
	for _, m := range j.Members {
		v.Members = append(v.Members, viewIncident(m, now))
	}
	s.writeJSON(w, http.StatusOK, v)
	return nil
}
