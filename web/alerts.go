package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
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
	list, err := s.Coord.FindAlerts(r.Context(), f)
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
	al, err := s.Coord.FindAlertByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, viewAlert(al))
	return nil
}

func (s *Server) handleRules(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.EarlyWarning == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	rules := s.EarlyWarning.Rules
	s.writeJSON(w, http.StatusOK, map[string]any{
		"min_states": rules.MinStates, "window_seconds": int64(rules.Window / time.Second),
		"retention_seconds": int64(rules.Retention / time.Second), "marking": rules.Marking,
		"rules": rules.Describe(), "watchlists": len(s.EarlyWarning.CurrentWatchlists()),
		"alerts_written": s.EarlyWarning.AlertsWritten(),
	})
	return nil
}

func (s *Server) watchlists() ([]*coord.Watchlist, error) {
	if s.EarlyWarning == nil {
		return nil, rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	return s.EarlyWarning.CurrentWatchlists(), nil
}

func (s *Server) handleListWatchlists(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	lists, err := s.watchlists()
	if err != nil {
		return err
	}
	if lists == nil {
		lists = []*coord.Watchlist{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"watchlists": lists})
	return nil
}

func (s *Server) handleGetWatchlist(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	lists, err := s.watchlists()
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

// changeWatchlists applies edit to the watchlists, persists them and hands
// them to the engine, which checks the stored indicators against them.
func (s *Server) changeWatchlists(r *http.Request, edit func([]*coord.Watchlist) ([]*coord.Watchlist, error)) error {
	lists, err := s.watchlists()
	if err != nil {
		return err
	}
	if s.SaveWatchlists == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "watchlists are read-only on this node; edit them with \"rampart alert watchlist\"")
	}
	next, err := edit(slices.Clone(lists))
	if err != nil {
		return err
	}
	for _, wl := range next {
		if err := wl.Validate(); err != nil {
			return rampart.Errorf(rampart.EINVALID, "%v", err)
		}
	}
	if err := s.SaveWatchlists(next); err != nil {
		return err
	}
	return s.EarlyWarning.SetWatchlists(r.Context(), next)
}

func (s *Server) handlePutWatchlist(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	var wl coord.Watchlist
	if err := readJSON(r, &wl); err != nil {
		return err
	}
	name := r.PathValue("name")
	if wl.Name == "" {
		wl.Name = name
	}
	if wl.Name != name {
		return rampart.Errorf(rampart.EINVALID, "the body names watchlist %q but the path %q", wl.Name, name)
	}
	err := s.changeWatchlists(r, func(lists []*coord.Watchlist) ([]*coord.Watchlist, error) {
		for i, old := range lists {
			if old.Name == name {
				lists[i] = &wl
				return lists, nil
			}
		}
		return append(lists, &wl), nil
	})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, &wl)
	return nil
}

func (s *Server) handleDeleteWatchlist(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	name := r.PathValue("name")
	err := s.changeWatchlists(r, func(lists []*coord.Watchlist) ([]*coord.Watchlist, error) {
		for i, old := range lists {
			if old.Name == name {
				return slices.Delete(lists, i, i+1), nil
			}
		}
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no watchlist %q", name)
	})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"deleted": name})
	return nil
}
