package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
)

// pageSize is how many rows a console list shows at once.
const pageSize = 50

func (c *console) alertPages(page func(string, pageFunc)) {
	page("GET "+ConsolePath+"alerts", c.alerts)
	page("GET "+ConsolePath+"alerts/{id}", c.alert)
	page("POST "+ConsolePath+"alerts/{id}/triage", c.triageAlert)
}

// triaged is an alert with the state its triage left it in.
type triaged struct {
	*coord.Alert
	Status   string
	Assignee string
	Steps    []*coord.Triage
}

type alertsData struct {
	Alerts     []triaged
	Severity   string
	Status     string
	State      string // member state
	Severities []string
	States     []string
	Pager      pager
}

// pager is where a list is: its page, and the links to the pages around.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

// paginate cuts items to the page the request asks for.
func paginate[T any](r *http.Request, items []T, link func(page int) string) ([]T, pager, error) {
	p := pager{Page: 1, Total: len(items), Pages: max(1, (len(items)+pageSize-1)/pageSize)}
	if s := r.URL.Query().Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > p.Pages {
			return nil, p, rampart.Errorf(rampart.EINVALID, "there is no page %q of this list: it has pages 1 to %d", s, p.Pages)
		}
		p.Page = n
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	lo := (p.Page - 1) * pageSize
	return items[lo:min(lo+pageSize, len(items))], p, nil
}

func (c *console) readCoord(r *http.Request, v *visit) (*coord.View, error) {
	if err := c.s.authorize(r, v.account, accessRead); err != nil {
		return nil, err
	}
	return c.s.coordAs(r, v.account)
}

func (c *console) alerts(w http.ResponseWriter, r *http.Request, v *visit) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := alertsData{Severity: q.Get("severity"), Status: q.Get("status"), State: q.Get("state"), Severities: coord.Severities, States: coord.TriageStates}
	f := coord.AlertFilter{}
	if d.State != "" {
		f.MemberState = &d.State
	}
	if d.Severity != "" {
		f.MinSeverity = &d.Severity
	}
	if d.Status != "" && !slices.Contains(coord.TriageStates, d.Status) {
		return rampart.Errorf(rampart.EINVALID, "status must be one of open, acknowledged or closed (got %q)", d.Status)
	}
	as, err := view.FindAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	steps, err := view.FindTriage(r.Context())
	if err != nil {
		return err
	}
	var rows []triaged
	for _, a := range as {
		t := triaged{Alert: a, Steps: steps[a.ID]}
		t.Status, t.Assignee = coord.Current(t.Steps)
		if d.Status == "" || d.Status == t.Status {
			rows = append(rows, t)
		}
	}
	link := func(p int) string {
		return ConsolePath + "alerts?" + url.Values{"severity": {d.Severity}, "status": {d.Status}, "state": {d.State}, "page": {strconv.Itoa(p)}}.Encode()
	}
	if d.Alerts, d.Pager, err = paginate(r, rows, link); err != nil {
		return err
	}
	return c.show(w, r, v, "alerts", "Alerts", "alerts", d)
}

type alertData struct {
	triaged
	CanWrite bool
	Accounts []string
	// Names are the names of the objects the alert refers to that the
	// account may read.
	Names map[string]string
	// Scores are the lifecycle scores now of its indicators that the
	// account may read.
	Scores []indicatorScore
}

func (c *console) alert(w http.ResponseWriter, r *http.Request, v *visit) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	a, err := view.FindAlertByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	steps, err := view.FindTriage(r.Context())
	if err != nil {
		return err
	}
	d := alertData{triaged: triaged{Alert: a, Steps: steps[a.ID]}, CanWrite: v.account.CanWrite(c.s.Coord.CollectionID)}
	d.Status, d.Assignee = coord.Current(d.Steps)
	if d.Names, err = c.names(r.Context(), v, slices.Concat([]string{a.SubjectRef}, a.IndicatorRefs, a.IntrusionSetRefs, a.CampaignRefs, a.SightingRefs)); err != nil {
		return err
	}
	if d.Scores, err = c.s.indicatorScores(r.Context(), v.account, a.IndicatorRefs); err != nil {
		return err
	}
	if d.CanWrite {
		if d.Accounts, err = c.colleagues(r, v.account); err != nil {
			return err
		}
	}
	return c.show(w, r, v, "alert", a.Name, "alerts", d)
}

// colleagues returns the names of the accounts of the account's
// organisation, to whom an alert may be assigned.
func (c *console) colleagues(r *http.Request, a *rampart.Account) ([]string, error) {
	all, err := c.s.Accounts.FindAccounts(r.Context())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, x := range all {
		if x.Organization == a.Organization {
			names = append(names, x.Name)
		}
	}
	return names, nil
}

func (c *console) triageAlert(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := c.s.authorize(r, v.account, accessWrite); err != nil {
		return err
	}
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	// Only an alert the account may read can be triaged by it.
	if _, err := view.FindAlertByID(r.Context(), id); err != nil {
		return err
	}
	t := &coord.Triage{AlertRef: id, Status: r.PostForm.Get("status"), Assignee: r.PostForm.Get("assignee"),
		Comment: r.PostForm.Get("comment"), By: v.account.Name}
	if t.Assignee != "" {
		names, err := c.colleagues(r, v.account)
		if err != nil {
			return err
		}
		if !slices.Contains(names, t.Assignee) {
			return rampart.Errorf(rampart.EINVALID, "%q is not an account of your organisation: an alert is assigned to one of them", t.Assignee)
		}
	}
	if !utf8.ValidString(t.Comment) {
		return rampart.Errorf(rampart.EINVALID, "the comment is not valid UTF-8 text")
	}
	if _, err := c.s.Coord.AddTriage(r.Context(), t); err != nil {
		return err
	}
	return done(w, r, ConsolePath+"alerts/"+id, "Alert "+t.Status+".")
}

// names returns the names of the objects ids names that the account may
// read (at most maxNamed of them are looked up).
func (c *console) names(ctx context.Context, v *visit, ids []string) (map[string]string, error) {
	ids = slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(ids))), func(id string) bool { return id == "" })
	if len(ids) > maxNamed {
		ids = ids[:maxNamed]
	}
	colls, err := c.s.readable(ctx, v.account)
	if err != nil {
		return nil, err
	}
	reader, err := c.s.reader(ctx, v.account)
	if err != nil {
		return nil, err
	}
	found, err := c.lookup(ctx, reader, colls, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(found))
	for id, o := range found {
		if m, err := membersOf(o); err == nil {
			out[id] = nameOf(m, o)
		}
	}
	return out, nil
}
