package web

import (
	"bytes"
	"context"
	"encoding/json/jsontext"
	"net/http"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/stix"
)

// freshKnowledgeWait is how long an incident attribution waits at most
// for the knowledge to take in what was stored before it: its note
// records its inputs, which should be those the node holds now.
const freshKnowledgeWait = 60 * time.Second

// incidentAttributionView is the answer of POST and GET
// /api/v1/incidents/{id}/attribution: the note as stored, its record
// and, after a POST, the full ranking with its explanation.
type incidentAttributionView struct {
	Note    jsontext.Value              `json:"note"`
	Record  *attribution.IncidentRecord `json:"attribution"`
	Ranking *rankingView                `json:"ranking,omitempty"`
}

// handleAttributeIncident answers POST /api/v1/incidents/{id}/attribution
// (?limit=N, 1 to 100): the intrusion sets that may be behind the
// incident, ranked from the evidence the account may read, stored as a
// new note on the incident.
func (s *Server) handleAttributeIncident(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return rampart.Errorf(rampart.EINVALID, "limit must be a number of candidates from 1 to 100 (got %q)", v)
		}
		limit = n
	}
	at, stored, err := s.attributeIncident(r, a, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	var text bytes.Buffer
	at.Ranking.WriteText(&text, 8)
	rv := viewRanking(at.Ranking, text.String())
	rec := at.Record()
	s.writeJSON(w, http.StatusCreated, incidentAttributionView{Note: jsontext.Value(stored.Raw), Record: &rec, Ranking: &rv})
	return nil
}

// attributeIncident attributes incident id from the evidence the account
// may read, stores the note and returns it with the attribution. It
// returns ENOTFOUND for an incident the account may not read.
func (s *Server) attributeIncident(r *http.Request, a *rampart.Account, id string, limit int) (*attribution.IncidentAttribution, *stix.Object, error) {
	view, err := s.coordAs(r, a)
	if err != nil {
		return nil, nil, err
	}
	if _, err := view.FindIncidentByID(r.Context(), id); err != nil {
		return nil, nil, err
	}
	st, rd, err := s.attributionStore(r.Context(), a)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.knowledge.fresh(r.Context(), st.Collections, rd, s.release(rd), freshKnowledgeWait)
	if err != nil {
		return nil, nil, err
	}
	ev, err := attribution.GatherIncident(r.Context(), st, e.Knowledge(), id)
	if err != nil {
		return nil, nil, err
	}
	at := e.AttributeIncident(ev, limit)
	note, err := at.Note(s.Coord.Organization, s.Now())
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.Coord.Store(r.Context(), note)
	if err != nil {
		return nil, nil, err
	}
	return at, stored[0], nil
}

// latestIncidentAttribution returns the latest attribution note of
// incident id the account may read, and its record; ENOTFOUND when there
// is none or the account may not read the incident.
func (s *Server) latestIncidentAttribution(r *http.Request, a *rampart.Account, id string) (*stix.Object, *attribution.IncidentRecord, error) {
	view, err := s.coordAs(r, a)
	if err != nil {
		return nil, nil, err
	}
	if _, err := view.FindIncidentByID(r.Context(), id); err != nil {
		return nil, nil, err
	}
	st, _, err := s.attributionStore(r.Context(), a)
	if err != nil {
		return nil, nil, err
	}
	return attribution.LatestNote(r.Context(), st, id)
}

// handleGetIncidentAttribution answers GET
// /api/v1/incidents/{id}/attribution: the latest attribution of the
// incident the account may read.
func (s *Server) handleGetIncidentAttribution(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	o, rec, err := s.latestIncidentAttribution(r, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, incidentAttributionView{Note: jsontext.Value(o.Raw), Record: rec})
	return nil
}

// attributionStore returns the collections the account may read, as it
// may read them, and its reader.
func (s *Server) attributionStore(ctx context.Context, a *rampart.Account) (*attribution.Store, *rampart.Reader, error) {
	readable, err := s.readable(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	if len(readable) == 0 {
		return nil, nil, rampart.Errorf(rampart.EFORBIDDEN, "account %q may read no collection, so there is no evidence to attribute from", a.Name)
	}
	rd, err := s.reader(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	return &attribution.Store{Objects: s.Objects, Collections: readable, Release: s.release(rd)}, rd, nil
}
