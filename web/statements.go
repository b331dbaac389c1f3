package web

import (
	"net/http"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
)

// statementView is a statement as the API shows it, with the count of its
// endorsements when the node has a trust registry.
type statementView struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	Statement       string      `json:"statement"`
	CreatedBy       string      `json:"created_by_ref"`
	Created         time.Time   `json:"created"`
	Modified        time.Time   `json:"modified"`
	IncidentRefs    []string    `json:"incident_refs"`
	IntrusionSetRef string      `json:"intrusion_set_ref"`
	Confidence      int         `json:"confidence"`
	EvidenceRefs    []string    `json:"evidence_refs,omitempty"`
	InvitedRefs     []string    `json:"invited_refs"`
	Threshold       int         `json:"threshold"`
	Status          string      `json:"status"`
	Published       *time.Time  `json:"published,omitempty"`
	EndorsementRefs []string    `json:"endorsement_refs,omitempty"`
	TermsDigest     string      `json:"terms_digest"`
	Quorum          *quorumView `json:"quorum,omitempty"`
	QuorumError     string      `json:"quorum_error,omitempty"`
}

type quorumView struct {
	Reached  bool              `json:"reached"`
	Counted  []coord.Endorser  `json:"counted"`
	Rejected []coord.Rejection `json:"rejected"`
	Missing  []string          `json:"missing"`
}

func viewStatement(st *coord.Statement) statementView {
	v := statementView{
		ID: st.ID, Name: st.Name, Statement: st.Text, CreatedBy: st.CreatedBy, Created: st.Created, Modified: st.Modified,
		IncidentRefs: st.IncidentRefs, IntrusionSetRef: st.IntrusionSetRef, Confidence: st.Confidence,
		EvidenceRefs: st.EvidenceRefs, InvitedRefs: st.Invited, Threshold: st.Threshold, Status: st.Status,
		EndorsementRefs: st.EndorsementRefs, TermsDigest: st.TermsDigest(),
	}
	if !st.Published.IsZero() {
		v.Published = &st.Published
	}
	return v
}

func (s *Server) handleListStatements(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	list, err := view.FindStatements(r.Context())
	if err != nil {
		return err
	}
	out := []statementView{}
	for _, st := range list {
		out = append(out, viewStatement(st))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"statements": out})
	return nil
}

func (s *Server) handleGetStatement(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	id := r.PathValue("id")
	view, err := s.coordAs(r, a)
	if err != nil {
		return err
	}
	st, _, err := view.FindStatementByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := viewStatement(st)
	if s.Verifier == nil {
		v.QuorumError = "this node has no trust registry, so endorsements cannot be counted"
	} else {
		// Endorsements the account may not read are not counted, nor
		// named: the quorum is as far as the account can tell.
		objs, err := view.StatementObjects(r.Context(), id)
		if err != nil {
			return err
		}
		q := coord.CountEndorsements(st, objs, s.Verifier)
		v.Quorum = &quorumView{Reached: q.Reached, Counted: q.Counted, Rejected: q.Rejected, Missing: q.Missing}
		for _, l := range []*[]string{&v.Quorum.Missing} {
			if *l == nil {
				*l = []string{}
			}
		}
		if v.Quorum.Counted == nil {
			v.Quorum.Counted = []coord.Endorser{}
		}
		if v.Quorum.Rejected == nil {
			v.Quorum.Rejected = []coord.Rejection{}
		}
	}
	s.writeJSON(w, http.StatusOK, v)
	return nil
}
