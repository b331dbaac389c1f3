package web

import (
	"context"
	"net/http"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
)

// alertView is an alert as the API shows it.
type alertView struct {
	ID               string             `json:"id"`
	Name             string             `json:"name"`
	CreatedBy        string             `json:"created_by_ref,omitempty"`
	Created          time.Time          `json:"created"`
	Modified         time.Time          `json:"modified"`
	Rule             string             `json:"rule"`
	SubjectRef       string             `json:"subject_ref,omitempty"`
	Severity         string             `json:"severity"`
	SeverityScore    int                `json:"severity_score"`
	SeverityReasons  []string           `json:"severity_reasons,omitempty"`
	MemberStates     []string           `json:"member_states,omitempty"`
	Sectors          []string           `json:"sectors,omitempty"`
	FirstSeen        *time.Time         `json:"first_seen,omitempty"`
	LastSeen         *time.Time         `json:"last_seen,omitempty"`
	SightingRefs     []string           `json:"sighting_refs,omitempty"`
	IndicatorRefs    []string           `json:"indicator_refs,omitempty"`
	IntrusionSetRefs []string           `json:"intrusion_set_refs,omitempty"`
	CampaignRefs     []string           `json:"campaign_refs,omitempty"`
	Watchlist        string             `json:"watchlist,omitempty"`
	Matches          []coord.WatchMatch `json:"matches,omitempty"`
	Markings         []string           `json:"object_marking_refs,omitempty"`
	// IndicatorScores are the lifecycle scores now of the indicators the
	// reader may read (docs/LIFECYCLE.md).
	IndicatorScores []indicatorScore `json:"indicator_scores,omitempty"`
}

func viewAlert(a *coord.Alert) alertView {
	v := alertView{
		ID: a.ID, Name: a.Name, CreatedBy: a.CreatedBy, Created: a.Created, Modified: a.Modified,
		Rule: a.Rule, SubjectRef: a.SubjectRef, Severity: a.Severity, SeverityScore: a.SeverityScore,
		SeverityReasons: a.SeverityReasons, MemberStates: a.MemberStates, Sectors: a.Sectors,
		SightingRefs: a.SightingRefs, IndicatorRefs: a.IndicatorRefs, IntrusionSetRefs: a.IntrusionSetRefs,
		CampaignRefs: a.CampaignRefs, Watchlist: a.Watchlist, Matches: a.Matches, Markings: a.Markings,
	}
	if !a.FirstSeen.IsZero() {
		v.FirstSeen = &a.FirstSeen
	}
	if !a.LastSeen.IsZero() {
		v.LastSeen = &a.LastSeen
	}
	return v
}

func (s *Server) handleListAlerts(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	q := r.URL.Query()
	var f coord.AlertFilter
	for name, dst := range map[string]**string{"rule": &f.Rule, "severity": &f.MinSeverity, "member_state": &f.MemberState} {
		if v := q.Get(name); v != "" {
			*dst = &v
		}
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return rampart.Errorf(rampart.EINVALID, "parameter since must be an RFC 3339 time such as 2026-03-10T00:00:00Z (got %q)", v)
		}
		f.Since = &t
	}
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	list, err := view.FindAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	out := []alertView{}
	for _, al := range list {
		out = append(out, viewAlert(al))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
	return nil
}

func (s *Server) handleGetAlert(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	al, err := view.FindAlertByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := viewAlert(al)
	if v.IndicatorScores, err = s.indicatorScores(r.Context(), a, al.IndicatorRefs); err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleRules(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.EarlyWarning == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	rd, err := s.reader(r.Context(), a)
	if err != nil {
		return err
	}
	rules := s.EarlyWarning.CurrentRules()
	out := map[string]any{
		"min_states": rules.MinStates, "window_seconds": int64(rules.Window / time.Second),
		"retention_seconds": int64(rules.Retention / time.Second), "marking": rules.Marking,
		"rules": rules.Describe(), "watchlists": len(s.EarlyWarning.CurrentWatchlists()),
	}
	// How many alerts were written counts TLP:RED ones too: only those
	// who may read every alert learn it.
	if rd == nil || rd.Admin || rd.Relation == rampart.RelationOwn {
		out["alerts_written"] = s.EarlyWarning.AlertsWritten()
	}
	s.writeJSON(w, http.StatusOK, out)
	return nil
}

// watchlists returns the watchlists as the node's settings hold them.
func (s *Server) watchlists(ctx context.Context) ([]*warning.Watchlist, error) {
	if s.Settings == nil {
		return nil, rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	set, err := warning.LoadSettings(ctx, s.Settings)
	if err != nil {
		return nil, err
	}
	return set.Watchlists, nil
}

func (s *Server) handleListWatchlists(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	lists, err := s.watchlists(r.Context())
	if err != nil {
		return err
	}
	if lists == nil {
		lists = []*warning.Watchlist{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"watchlists": lists})
	return nil
}

func (s *Server) handleGetWatchlist(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	lists, err := s.watchlists(r.Context())
	if err != nil {
		return err
	}
	for _, wl := range lists {
		if wl.Name == r.PathValue("name") {
			s.writeJSON(w, http.StatusOK, wl)
			return nil
		}
	}
	return rampart.Errorf(rampart.ENOTFOUND, "no watchlist %q", r.PathValue("name"))
}

func (s *Server) handlePutWatchlist(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var wl warning.Watchlist
	if err := readJSON(r, &wl); err != nil {
		return err
	}
	if err := s.saveWatchlist(r.Context(), r.PathValue("name"), &wl, -1); err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, &wl)
	return nil
}

// saveWatchlist stores the watchlist name, for PUT
// /api/v1/watchlists/{name} and the console's watchlist form alike: wl
// must be named name (it is when it names nothing), and is stored if the
// watchlist is still at version, as warning.SaveWatchlistAt says (-1
// replaces whatever is there). Each watchlist is its own setting, so that
// concurrent changes to two watchlists never overwrite each other; the
// node applies the change at once.
func (s *Server) saveWatchlist(ctx context.Context, name string, wl *warning.Watchlist, version int64) error {
	if wl.Name == "" {
		wl.Name = name
	}
	if wl.Name != name {
		return rampart.Errorf(rampart.EINVALID, "the body names watchlist %q but the path %q", wl.Name, name)
	}
	if s.Settings == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	_, err := warning.SaveWatchlistAt(ctx, s.Settings, wl, version)
	return err
}

func (s *Server) handleDeleteWatchlist(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	name := r.PathValue("name")
	if err := s.deleteWatchlist(r.Context(), name); err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"deleted": name})
	return nil
}

// deleteWatchlist removes a watchlist, for the API and the console alike
// (ENOTFOUND when there is none by that name).
func (s *Server) deleteWatchlist(ctx context.Context, name string) error {
	if s.Settings == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	return warning.DeleteWatchlist(ctx, s.Settings, name)
}
