package coord

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Signer is an organisation's keys as SignStatement uses them:
// *trust.Identity is one.
type Signer interface {
	// Organization returns the identity id of the organisation the keys
	// belong to.
	Organization() string
	// Sign returns o signed with the keys.
	Sign(o *stix.Object) (*stix.Object, error)
}

var _ Signer = (*trust.Identity)(nil)

// Reasons SignStatement stores no endorsement, in a *SignError.
var (
	// ErrDrafterSignature: the statement's own signature does not check,
	// so its terms may not be its drafter's.
	ErrDrafterSignature = errors.New("the statement's own signature does not check")
	// ErrTermsChanged: the statement's terms are not those the signer
	// read.
	ErrTermsChanged = errors.New("the statement's terms changed since they were read")
	// ErrWouldNotCount: the endorsement would not count toward the
	// quorum.
	ErrWouldNotCount = errors.New("the endorsement would not count toward the quorum")
)

// SignError is why SignStatement stored no endorsement. Its Error is the
// message a person reads; Err (one of ErrDrafterSignature,
// ErrTermsChanged, ErrWouldNotCount) tells the cases apart with
// errors.Is.
type SignError struct {
	Statement string
	Err       error
	// Terms is the statement's terms digest and Given the one the signer
	// read (ErrTermsChanged).
	Terms, Given string
	// Reason is the signature failure (ErrDrafterSignature) or why the
	// endorsement would not count (ErrWouldNotCount).
	Reason string
}

func (e *SignError) Error() string {
	switch e.Err {
	case ErrDrafterSignature:
		return fmt.Sprintf("not signed: the statement's own signature does not check, so its terms may not be its drafter's: %s", e.Reason)
	case ErrTermsChanged:
		return fmt.Sprintf("statement %s: its terms are %s, not the %s you gave: it changed since you read it", e.Statement, e.Terms, e.Given)
	case ErrWouldNotCount:
		return fmt.Sprintf("not signed: this endorsement would not count toward the quorum: %s", e.Reason)
	}
	return fmt.Sprintf("statement %s: not signed: %v", e.Statement, e.Err)
}

func (e *SignError) Unwrap() error { return e.Err }

// SignRequest is an organisation's endorsement of a statement, to be
// signed with its keys.
type SignRequest struct {
	// Statement is the statement's id.
	Statement string
	// Terms, when set, is the terms digest the signer read: the
	// endorsement is then signed only for exactly these terms.
	Terms string
	// Explanation is the endorsement's explanation; when empty,
	// "<organisation> endorses this statement."
	Explanation string
	// Signer's keys sign the endorsement in its organisation's name.
	Signer Signer
	// Verifier checks the statement's signature and counts the
	// endorsements against its trust registry.
	Verifier *trust.Verifier
	// Force stores the endorsement even when the statement's own
	// signature does not check or the endorsement would not count; the
	// result says which.
	Force bool
}

// Endorsed is an endorsement SignStatement stored.
type Endorsed struct {
	Statement *Statement
	// Endorsement is the signed opinion, as stored.
	Endorsement *stix.Object
	// Quorum is the count of the statement's endorsements, this one
	// included.
	Quorum *Quorum
	// Counts reports whether this endorsement counts toward the quorum;
	// when it does not (stored because of Force), Reason says why.
	Counts bool
	Reason string
	// DrafterErr, stored because of Force, is why the statement's own
	// signature does not check.
	DrafterErr error
}

// SignStatement endorses a statement the service holds in the name of
// the Signer's organisation, as a person decided to: it checks that the
// statement's latest version is signed by its drafter (a version stored
// by anyone else is not the statement), that its terms are those the
// signer read (r.Terms), makes the endorsement (Endorse), signs it with
// the Signer's keys, counts the statement's endorsements with it
// (CountEndorsements) and stores it unless it would not count. Without
// r.Force, each failed check is a *SignError and nothing is stored.
//
// It never decides to endorse: the caller is a person's explicit act
// (the "statement sign" command, the console's signing form). It returns
// ENOTFOUND when there is no such statement and EINVALID when it cannot
// be endorsed (already published). Concurrent calls through one Service
// are serialised, so that one organisation's two clicks make one
// endorsement that counts and one refused as a duplicate.
func (s *Service) SignStatement(ctx context.Context, r SignRequest) (*Endorsed, error) {
	if r.Signer == nil || r.Verifier == nil {
		return nil, errors.New("sign statement: Signer and Verifier are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, so, err := s.FindStatementByID(ctx, r.Statement)
	if err != nil {
		return nil, err
	}
	out := &Endorsed{Statement: st}
	// Endorse only terms their drafter signed.
	if _, err := r.Verifier.Verify(so); err != nil {
		if !r.Force {
			return nil, &SignError{Statement: st.ID, Err: ErrDrafterSignature, Reason: err.Error()}
		}
		out.DrafterErr = err
	}
	if r.Terms != "" && r.Terms != st.TermsDigest() {
		return nil, &SignError{Statement: st.ID, Err: ErrTermsChanged, Terms: st.TermsDigest(), Given: r.Terms}
	}
	org := r.Signer.Organization()
	explanation := r.Explanation
	if explanation == "" {
		explanation = OrganizationName(r.Verifier.Registry(), org) + " endorses this statement."
	}
	e, err := Endorse(st, org, explanation, s.now())
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	signed, err := r.Signer.Sign(e)
	if err != nil {
		return nil, err
	}
	objs, err := s.StatementObjects(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	out.Endorsement = signed
	out.Quorum = CountEndorsements(st, append(objs, signed), r.Verifier)
	out.Counts, out.Reason = out.Quorum.Counts(signed.ID)
	if !out.Counts && out.Reason == "" {
		out.Reason = "it would not count"
	}
	if !out.Counts && !r.Force {
		return nil, &SignError{Statement: st.ID, Err: ErrWouldNotCount, Reason: out.Reason}
	}
	if err := s.StoreSigned(ctx, signed); err != nil {
		return nil, err
	}
	return out, nil
}

// OrganizationName names an organisation for a person, "CERT-FR (FR)",
// from the registry; its id when the registry (which may be nil) does not
// know it.
func OrganizationName(reg *trust.Registry, id string) string {
	if reg != nil {
		if o := reg.Organization(id); o != nil {
			return fmt.Sprintf("%s (%s)", o.Name, o.Country)
		}
	}
	return id
}

// FindEndorsements returns every version of every endorsement the view
// reads, keyed by the id of the statement it claims to endorse: what
// CountEndorsements needs for a list of statements, read once rather
// than once per statement (StatementObjects).
func (r *View) FindEndorsements(ctx context.Context) (map[string][]*stix.Object, error) {
	out := map[string][]*stix.Object{}
	err := r.each(ctx, rampart.ObjectFilter{Types: []string{"opinion"}, Versions: []string{rampart.VersionAll}}, func(o *stix.Object) {
		if ref := endorsedStatement(o); ref != "" {
			out[ref] = append(out[ref], o)
		}
	})
	return out, err
}

// endorsedStatement returns the id of the statement an opinion claims to
// endorse, "" when it is no endorsement.
func endorsedStatement(o *stix.Object) string {
	if o.Type != "opinion" {
		return ""
	}
	var j opinionJSON
	if json.Unmarshal(o.Raw, &j) != nil {
		return ""
	}
	return j.Extensions[EndorsementExtensionID].StatementRef
}
