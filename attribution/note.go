package attribution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	json "encoding/json/v2"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// modelVersion numbers the attribution model: raise it when the scoring
// changes in a way Params and the Calibration do not show.
const modelVersion = 1

// NoteProperty is the custom property of a STIX note that holds an
// incident attribution (IncidentRecord).
const NoteProperty = "x_rampart_attribution"

// NoteCandidates is how many of the best intrusion sets a note names in
// object_refs and compares side by side.
const NoteCandidates = 3

// Version names the engine: the model, a digest of its weights and of its
// calibration map, so that two results with the same version came from
// the same scoring.
func (e *Engine) Version() string {
	p, _ := json.Marshal(e.params, json.Deterministic(true))
	c, _ := json.Marshal(e.cal, json.Deterministic(true))
	ph, ch := sha256.Sum256(p), sha256.Sum256(c)
	return fmt.Sprintf("rampart-attribution/%d params:%s calibration:%s", modelVersion, hex.EncodeToString(ph[:4]), hex.EncodeToString(ch[:4]))
}

// IncidentAttribution is the attribution of one incident from its
// evidence: the ranking, and the best candidates side by side.
type IncidentAttribution struct {
	Evidence   *IncidentEvidence
	Engine     string
	Ranking    *Ranking
	Comparison *Comparison // nil when no evidence is known
}

// AttributeIncident ranks the intrusion sets for the evidence, limit
// candidates at most (DefaultLimit when 0), and compares the best
// NoteCandidates.
func (e *Engine) AttributeIncident(ev *IncidentEvidence, limit int) *IncidentAttribution {
	q := ev.Query()
	q.Limit = limit
	return &IncidentAttribution{Evidence: ev, Engine: e.Version(), Ranking: e.Rank(q), Comparison: e.Compare(q, NoteCandidates)}
}

// IncidentRecord is what a note of an incident attribution holds in
// NoteProperty: the engine, its inputs and where they came from, and the
// result.
type IncidentRecord struct {
	Engine   string           `json:"engine"`
	Incident string           `json:"incident_ref"`
	TLP      string           `json:"tlp"`
	Inputs   IncidentEvidence `json:"inputs"`
	// Notes are the query items not counted as given, with why.
	Notes      []string          `json:"notes,omitempty"`
	Abstained  bool              `json:"abstained"`
	Reason     string            `json:"reason,omitempty"`
	Undecided  bool              `json:"undecided"`
	Candidates []RecordCandidate `json:"candidates"`
	Comparison *ComparisonView   `json:"comparison,omitempty"`
}

// RecordCandidate is one ranked intrusion set of an IncidentRecord.
type RecordCandidate struct {
	Place      int     `json:"place"`
	ID         string  `json:"id"`
	ExternalID string  `json:"external_id,omitempty"`
	Name       string  `json:"name"`
	Score      float64 `json:"score"`
	Posterior  float64 `json:"posterior"`
}

// Record returns the record a note holds.
func (a *IncidentAttribution) Record() IncidentRecord {
	r4 := func(x float64) float64 { return float64(int64(x*1e4+0.5)) / 1e4 }
	rec := IncidentRecord{Engine: a.Engine, Incident: a.Evidence.Incident, TLP: a.Evidence.TLP.String(), Inputs: *a.Evidence,
		Abstained: a.Ranking.Abstained, Reason: a.Ranking.Reason, Undecided: a.Ranking.Close, Candidates: []RecordCandidate{}}
	for _, n := range a.Ranking.Notes {
		rec.Notes = append(rec.Notes, n.String())
	}
	for _, c := range a.Ranking.Candidates {
		rec.Candidates = append(rec.Candidates, RecordCandidate{Place: c.Place, ID: c.Entry.ID, ExternalID: c.Entry.ExternalID,
			Name: c.Entry.Name, Score: r4(c.Score), Posterior: r4(c.Posterior)})
	}
	if a.Comparison != nil {
		v := NewComparisonView(a.Comparison)
		rec.Comparison = &v
	}
	return rec
}

// noteJSON is a STIX note holding an incident attribution.
type noteJSON struct {
	Type              string         `json:"type"`
	SpecVersion       string         `json:"spec_version"`
	ID                string         `json:"id"`
	Created           stix.Timestamp `json:"created"`
	Modified          stix.Timestamp `json:"modified"`
	CreatedByRef      string         `json:"created_by_ref,omitempty"`
	Abstract          string         `json:"abstract"`
	Content           string         `json:"content"`
	Authors           []string       `json:"authors"`
	ObjectRefs        []string       `json:"object_refs"`
	ObjectMarkingRefs []string       `json:"object_marking_refs,omitempty"`
	Labels            []string       `json:"labels"`
	Record            IncidentRecord `json:"x_rampart_attribution"`
}

// Note returns a new STIX note on the incident holding the attribution:
// object_refs name the incident and the best NoteCandidates intrusion
// sets, content the explanation, NoteProperty the IncidentRecord. It is
// created by createdBy (the node's organisation; "" leaves it out) at now
// and marked with the most restrictive TLP of the evidence. Each call
// makes a new note (a new id): an attribution is a finding at one time
// from the evidence of that time, which a statement can cite and which a
// later run does not replace.
func (a *IncidentAttribution) Note(createdBy string, now time.Time) (*stix.Object, error) {
	var text bytes.Buffer
	if err := a.Ranking.WriteText(&text, 8); err != nil {
		return nil, err
	}
	ts := stix.NewTimestamp(now.UTC().Truncate(time.Millisecond))
	n := noteJSON{Type: "note", SpecVersion: "2.1", ID: stix.NewID("note"), Created: ts, Modified: ts, CreatedByRef: createdBy,
		Abstract: a.abstract(), Content: text.String(), Authors: []string{a.Engine},
		ObjectRefs: []string{a.Evidence.Incident}, Labels: []string{"attribution"}, Record: a.Record()}
	for i, c := range a.Ranking.Candidates {
		if i == NoteCandidates {
			break
		}
		n.ObjectRefs = append(n.ObjectRefs, c.Entry.ID)
	}
	if m := a.Evidence.TLP.MarkingID(); m != "" {
		n.ObjectMarkingRefs = []string{m}
	}
	b, err := json.Marshal(n, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	return stix.ParseObject(b)
}

func (a *IncidentAttribution) abstract() string {
	r := a.Ranking
	switch {
	case r.Abstained:
		return "Attribution abstained: " + r.Reason
	case r.Close && len(r.Candidates) > 1:
		return fmt.Sprintf("Attribution undecided between %s (%.2f) and %s (%.2f)", r.Candidates[0].Entry.Label(), r.Candidates[0].Score,
			r.Candidates[1].Entry.Label(), r.Candidates[1].Score)
	}
	return fmt.Sprintf("Attribution: %s first (%.2f)", r.Candidates[0].Entry.Label(), r.Candidates[0].Score)
}

// ParseNote reads the incident attribution a note holds. It returns an
// error for an object that is not such a note.
func ParseNote(o *stix.Object) (*IncidentRecord, error) {
	if o.Type != "note" {
		return nil, fmt.Errorf("%s %q is not a note", o.Type, o.ID)
	}
	var n struct {
		Record *IncidentRecord `json:"x_rampart_attribution"`
	}
	if err := o.Decode(&n); err != nil {
		return nil, fmt.Errorf("note %q: %s: %v", o.ID, NoteProperty, err)
	}
	if n.Record == nil {
		return nil, fmt.Errorf("note %q holds no %s", o.ID, NoteProperty)
	}
	return n.Record, nil
}

// LatestNote returns the most recently created note of an attribution of
// incident id that the store's reader may read (of two created at the
// same time, the one stored last), and its record. It returns ENOTFOUND
// when there is none, and the store's errors.
func LatestNote(ctx context.Context, st *Store, id string) (*stix.Object, *IncidentRecord, error) {
	var best *stix.Object
	var rec *IncidentRecord
	err := st.Each(ctx, []string{"note"}, func(o *stix.Object) bool {
		if !bytes.Contains(o.Raw, []byte(NoteProperty)) || !bytes.Contains(o.Raw, []byte(id)) {
			return true
		}
		r, err := ParseNote(o)
		if err != nil || r.Incident != id {
			return true
		}
		// Of notes created at the same time, the one stored last wins:
		// pages come in the order versions were stored.
		if best == nil || o.Created.Compare(best.Created) >= 0 {
			best, rec = o, r
		}
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	if best == nil {
		return nil, nil, rampart.Errorf(rampart.ENOTFOUND, "no attribution of incident %q yet", id)
	}
	return best, rec, nil
}
