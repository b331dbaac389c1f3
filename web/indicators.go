package web

import (
	"context"
	"encoding/json/jsontext"
	"net/http"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/stix"
)

// Lifecycle scores indicators and files false-positive reports
// (docs/LIFECYCLE.md); the node implements it.
type Lifecycle interface {
	// IndicatorScore returns the score of an indicator now, with its
	// parts.
	IndicatorScore(ctx context.Context, o *stix.Object) (lifecycle.Score, error)
	// ReportFalsePositive stores a sighting of indicator flagged as a
	// false positive, made by the organisation by, in collectionID, and
	// returns it.
	ReportFalsePositive(ctx context.Context, collectionID string, indicator *stix.Object, by, note string) (*stix.Object, error)
}

// findIndicator returns the newest version of indicator id that the
// account may read, ENOTFOUND when there is none.
func (s *Server) findIndicator(ctx context.Context, a *rampart.Account, id string) (*stix.Object, error) {
	notFound := rampart.Errorf(rampart.ENOTFOUND, "no indicator %q", id)
	if stix.IDType(id) != "indicator" {
		return nil, notFound
	}
	rd, err := s.reader(ctx, a)
	if err != nil {
		return nil, err
	}
	colls, err := s.readable(ctx, a)
	if err != nil {
		return nil, err
	}
	var newest *stix.Object
	for _, coll := range colls {
		page, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}})
		if err != nil {
			return nil, err
		}
		objs := make([]*stix.Object, len(page.Versions))
		for i, v := range page.Versions {
			objs[i] = v.Object
		}
		if rd != nil && len(objs) > 0 {
			if objs, err = s.Access.Release(ctx, *rd, coll, objs); err != nil {
				return nil, err
			}
		}
		for _, o := range objs {
			if o != nil && (newest == nil || o.Version().Compare(newest.Version()) > 0) {
				newest = o
			}
		}
	}
	if newest == nil {
		return nil, notFound
	}
	return newest, nil
}

// handleIndicatorScore serves GET /api/v1/indicators/{id}/score: the
// indicator's lifecycle score now, with its parts.
func (s *Server) handleIndicatorScore(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.Lifecycle == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node does not score indicators")
	}
	o, err := s.findIndicator(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	sc, err := s.Lifecycle.IndicatorScore(r.Context(), o)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, struct {
		ID string `json:"id"`
		lifecycle.Score
	}{o.ID, sc})
	return nil
}

// falsePositiveRequest is the body of POST
// /api/v1/indicators/{id}/false-positives.
type falsePositiveRequest struct {
	// Collection is where the sighting is stored (the node's sightings
	// collection when empty).
	Collection string `json:"collection,omitempty"`
	// Note says why: the sighting's description.
	Note string `json:"note,omitempty"`
}

// maxNoteBytes bounds the note of a false-positive report.
const maxNoteBytes = 4096

// handleFalsePositive serves POST /api/v1/indicators/{id}/false-positives:
// the account's organisation reports the indicator a false positive. The
// answer is the sighting stored (201), which travels to the indicator's
// producer as every sighting does.
func (s *Server) handleFalsePositive(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if s.Lifecycle == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node does not take false-positive reports")
	}
	var req falsePositiveRequest
	if r.ContentLength != 0 {
		if err := readJSON(r, &req); err != nil {
			return err
		}
	}
	if len(req.Note) > maxNoteBytes {
		return rampart.Errorf(rampart.EINVALID, "note: %d bytes exceeds the limit of %d", len(req.Note), maxNoteBytes)
	}
	o, err := s.findIndicator(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	coll, err := s.sightingsCollection(r.Context(), a, req.Collection)
	if err != nil {
		return err
	}
	sg, err := s.Lifecycle.ReportFalsePositive(r.Context(), coll, o, a.Organization, req.Note)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/indicators/"+o.ID+"/score")
	s.writeJSON(w, http.StatusCreated, jsontext.Value(sg.Raw))
	return nil
}

// indicatorScore is the score of one indicator, as alerts show it.
type indicatorScore struct {
	ID      string  `json:"id"`
	Value   float64 `json:"score"`
	Decayed bool    `json:"decayed"`
}

// indicatorScores returns the scores now of the indicators ids that the
// account may read, in order; none without a Lifecycle.
func (s *Server) indicatorScores(ctx context.Context, a *rampart.Account, ids []string) ([]indicatorScore, error) {
	if s.Lifecycle == nil {
		return nil, nil
	}
	var out []indicatorScore
	for _, id := range ids {
		o, err := s.findIndicator(ctx, a, id)
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		sc, err := s.Lifecycle.IndicatorScore(ctx, o)
		if err != nil {
			continue // not a pattern the node reads: no score
		}
		out = append(out, indicatorScore{ID: id, Value: sc.Value, Decayed: sc.Decayed})
	}
	return out, nil
}
