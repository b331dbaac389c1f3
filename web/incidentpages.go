package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
)

func (c *console) incidentPages(page func(string, pageFunc)) {
	page("GET "+ConsolePath+"incidents", c.incidents)
	page("GET "+ConsolePath+"incidents/new", c.newIncident)
	page("POST "+ConsolePath+"incidents", c.createIncident)
	page("GET "+ConsolePath+"incidents/{id}", c.incident)
	page("POST "+ConsolePath+"incidents/{id}", c.editIncident)
	page("POST "+ConsolePath+"incidents/{id}/timeline", c.addTimeline)
	page("POST "+ConsolePath+"incidents/{id}/reports", c.submitReport)
	page("POST "+ConsolePath+"incidents/{id}/alerts", c.linkAlert)
	page("POST "+ConsolePath+"incidents/{id}/attribution", c.attributeIncident)
}

// column is one status of the incident board, most urgent first.
type column struct {
	Status    string
	Incidents []incidentClock
}

func (c *console) incidents(w http.ResponseWriter, r *http.Request, v *visit) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	incs, err := view.FindIncidents(r.Context(), coord.IncidentFilter{})
	if err != nil {
		return err
	}
	byStatus := map[string][]incidentClock{}
	for _, inc := range incs {
		st := inc.InvestigationStatus
		if st == "" {
			st = coord.StatusNew
		}
		byStatus[st] = append(byStatus[st], incidentClock{inc, inc.Deadlines()})
	}
	var board []column
	for _, st := range statusOrder(byStatus) {
		col := byStatus[st]
		// The next deadline due first; closed incidents, newest first.
		slices.SortStableFunc(col, func(a, b incidentClock) int {
			return nextDue(a, v.now).Compare(nextDue(b, v.now))
		})
		if st == coord.StatusClosed && len(col) > pageSize {
			col = col[:pageSize]
		}
		board = append(board, column{st, col})
	}
	return c.show(w, r, v, "incidents", "Incidents", "incidents", struct {
		Board    []column
		CanWrite bool
	}{board, v.account.CanWrite(c.s.Coord.CollectionID)})
}

// statusOrder lists the statuses of a board: new, open, the others, then
// closed.
func statusOrder(m map[string][]incidentClock) []string {
	out := []string{coord.StatusNew, coord.StatusOpen}
	var others []string
	for st := range m {
		if st != coord.StatusNew && st != coord.StatusOpen && st != coord.StatusClosed {
			others = append(others, st)
		}
	}
	slices.Sort(others)
	return append(append(out, others...), coord.StatusClosed)
}

// nextDue is the earliest deadline not yet met; far in the future when
// all are.
func nextDue(ic incidentClock, now time.Time) time.Time {
	for _, d := range ic.Deadlines {
		if d.Submitted.IsZero() {
			return d.Due
		}
	}
	return now.AddDate(100, 0, 0)
}

type incidentForm struct {
	Incident       *coord.Incident
	Deadlines      []coord.Deadline
	CanWrite       bool
	Statuses       []string
	Determinations []string
	EULevels       []string
	ReportKinds    []string
	TLPs           []string
	Alerts         []*coord.Alert
	// Attribution is the latest attribution of the incident, nil when
	// there is none the account may read.
	Attribution *incidentAttributionPart
}

// incidentAttributionPart is the latest attribution on an incident's page.
type incidentAttributionPart struct {
	Note       string
	Abstract   string
	Created    time.Time
	Markings   []string
	Record     *attribution.IncidentRecord
	Candidates []attribution.RecordCandidate
}

func (c *console) form(v *visit, inc *coord.Incident) incidentForm {
	return incidentForm{
		Incident: inc, CanWrite: v.account.CanWrite(c.s.Coord.CollectionID),
		Statuses: []string{coord.StatusNew, coord.StatusOpen, coord.StatusClosed}, Determinations: coord.Determinations,
		EULevels: coord.EULevels, ReportKinds: coord.ReportKinds, TLPs: []string{"clear", "green", "amber", "amber+strict", "red"},
	}
}

func (c *console) newIncident(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := c.s.authorize(r, v.account, accessWrite); err != nil {
		return err
	}
	inc := &coord.Incident{Detected: v.now.UTC().Truncate(time.Minute), InvestigationStatus: coord.StatusNew}
	if ref := r.URL.Query().Get("alert"); ref != "" {
		inc.AlertRefs = []string{ref}
	}
	return c.show(w, r, v, "incident_new", "New incident", "incidents", c.form(v, inc))
}

// fields reads the incident form into inc.
func fields(f map[string][]string, inc *coord.Incident) error {
	get := func(k string) string { return strings.TrimSpace(first(f[k])) }
	inc.Name, inc.Description = get("name"), get("description")
	if d := get("detected"); d != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", d, time.UTC)
		if err != nil {
			return rampart.Errorf(rampart.EINVALID, "detected: %q is not a date and time (YYYY-MM-DDTHH:MM, UTC)", d)
		}
		inc.Detected = t
	}
	inc.MemberState = strings.ToUpper(get("member_state"))
	inc.AffectedMemberStates = list(strings.ToUpper(get("affected")))
	inc.Sectors = list(get("sectors"))
	inc.Significant = get("significant") == "on"
	inc.TrustServiceProvider = get("trust_service_provider") == "on"
	inc.CrossBorder = get("cross_border") == "on"
	inc.EULevel = get("eu_level")
	if st := get("status"); st != "" {
		inc.InvestigationStatus = st
	}
	if d := get("determination"); d != "" {
		inc.Determination = d
	}
	inc.Criticality = nil
	if s := get("criticality"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return rampart.Errorf(rampart.EINVALID, "criticality must be a number from 0 to 100 (got %q)", s)
		}
		inc.Criticality = &n
	}
	return nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// list splits a comma- or space-separated field.
func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func (c *console) createIncident(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := c.s.authorize(r, v.account, accessWrite); err != nil {
		return err
	}
	inc := &coord.Incident{}
	if err := fields(r.PostForm, inc); err != nil {
		return err
	}
	inc.AlertRefs = list(r.PostForm.Get("alert_refs"))
	tlp := r.PostForm.Get("tlp")
	if tlp == "" {
		tlp = "amber"
	}
	if err := c.s.createIncident(r, v.account, inc, tlp); err != nil {
		return err
	}
	return done(w, r, ConsolePath+"incidents/"+inc.ID, "Incident recorded.")
}

func (c *console) incident(w http.ResponseWriter, r *http.Request, v *visit) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	inc, err := view.FindIncidentByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := c.form(v, inc)
	d.Deadlines = inc.Deadlines()
	for _, id := range inc.AlertRefs {
		if a, err := view.FindAlertByID(r.Context(), id); err == nil {
			d.Alerts = append(d.Alerts, a)
		}
	}
	o, rec, err := c.s.latestIncidentAttribution(r, v.account, inc.ID)
	switch rampart.ErrorCode(err) {
	case "":
		var n struct {
			Abstract string `json:"abstract"`
		}
		o.Decode(&n)
		d.Attribution = &incidentAttributionPart{Note: o.ID, Abstract: n.Abstract, Created: o.Created.Time(), Markings: o.ObjectMarkingRefs, Record: rec,
			Candidates: rec.Candidates[:min(len(rec.Candidates), attribution.NoteCandidates)]}
	case rampart.ENOTFOUND, rampart.EFORBIDDEN:
	default:
		return err
	}
	return c.show(w, r, v, "incident", inc.Name, "incidents", d)
}

// attributeIncident ranks the intrusion sets behind the incident from the
// evidence the account may read and stores the result as a note.
func (c *console) attributeIncident(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := c.s.authorize(r, v.account, accessWrite); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, _, err := c.s.attributeIncident(r, v.account, id, 0); err != nil {
		return err
	}
	return done(w, r, ConsolePath+"incidents/"+id, "Attribution stored.")
}

// change applies fn to the incident of the request as the account, then
// shows it again.
func (c *console) change(w http.ResponseWriter, r *http.Request, v *visit, notice string, fn func(*coord.Incident) error) error {
	if err := c.s.authorize(r, v.account, accessWrite); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := c.s.changeIncident(r, v.account, id, fn); err != nil {
		return err
	}
	return done(w, r, ConsolePath+"incidents/"+id, notice)
}

func (c *console) editIncident(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.change(w, r, v, "Incident saved.", func(inc *coord.Incident) error {
		return fields(r.PostForm, inc)
	})
}

func (c *console) addTimeline(w http.ResponseWriter, r *http.Request, v *visit) error {
	e := coord.TimelineEntry{Time: v.now.UTC(), Actor: v.account.Name,
		Activity: strings.TrimSpace(r.PostForm.Get("activity")), Description: strings.TrimSpace(r.PostForm.Get("description"))}
	return c.change(w, r, v, "Timeline entry added.", func(inc *coord.Incident) error {
		inc.Timeline = append(inc.Timeline, e)
		return nil
	})
}

func (c *console) submitReport(w http.ResponseWriter, r *http.Request, v *visit) error {
	kind, ref := r.PostForm.Get("kind"), strings.TrimSpace(r.PostForm.Get("reference"))
	return c.change(w, r, v, "Report recorded as submitted.", func(inc *coord.Incident) error {
		return inc.Report(kind, v.now.UTC(), v.account.Name, ref)
	})
}

// linkAlert adds an alert the account may read to the incident's
// evidence.
func (c *console) linkAlert(w http.ResponseWriter, r *http.Request, v *visit) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(r.PostForm.Get("alert"))
	if _, err := view.FindAlertByID(r.Context(), ref); err != nil {
		return err
	}
	return c.change(w, r, v, "Alert linked.", func(inc *coord.Incident) error {
		if !slices.Contains(inc.AlertRefs, ref) {
			inc.AlertRefs = append(inc.AlertRefs, ref)
		}
		return nil
	})
}
