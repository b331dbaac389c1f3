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
	id := r.PathValue("id")
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	if _, err := view.FindIncidentByID(r.Context(), id); err != nil {
		return err
	}
	st, rd, err := s.attributionStore(r.Context(), a)
	if err != nil {
		return err
	}
	e, err := s.knowledge.fresh(r.Context(), st.Collections, rd, s.release(rd), freshKnowledgeWait)
	if err != nil {
		return err
	}
	ev, err := attribution.GatherIncident(r.Context(), st, e.Knowledge(), id)
	if err != nil {
		return err
	}
	at := e.AttributeIncident(ev, limit)
	note, err := at.Note(s.Coord.Organization, s.Now())
	if err != nil {
		return err
	}
	stored, err := s.Coord.Store(r.Context(), note)
	if err != nil {
		return err
	}
	var text bytes.Buffer
	at.Ranking.WriteText(&text, 8)
	rv := viewRanking(at.Ranking, text.String())
	rec := at.Record()
	s.writeJSON(w, http.StatusCreated, incidentAttributionView{Note: jsontext.Value(stored[0].Raw), Record: &rec, Ranking: &rv})
	return nil
}

// handleGetIncidentAttribution answers GET
// /api/v1/incidents/{id}/attribution: the latest attribution of the
// incident the account may read.
func (s *Server) handleGetIncidentAttribution(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	id := r.PathValue("id")
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	if _, err := view.FindIncidentByID(r.Context(), id); err != nil {
		return err
	}
	st, _, err := s.attributionStore(r.Context(), a)
	if err != nil {
		return err
	}
	o, rec, err := attribution.LatestNote(r.Context(), st, id)
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
