package coord

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Statement states.
const (
	StatementDraft     = "draft"
	StatementPublished = "published"
)

// MaxInvited is the most member states one statement may invite.
const MaxInvited = 64

// Statement is a joint attribution statement: an x-rampart-statement
// object (declared by StatementExtensionID) that names incidents, the
// attributed intrusion set, a confidence and the evidence, and the member
// states invited to endorse it.
//
// Technical attribution (the ranked hypotheses of package attribution)
// stays separate: a statement is a political act, so it counts only once
// Threshold of the Invited member states have each signed an endorsement
// of exactly its terms (see Endorse and CountEndorsements), and only its
// drafter publishes it. Nothing in Rampart ever endorses automatically.
// A Statement is a value to edit: it is not safe for concurrent use.
type Statement struct {
	ID        string
	CreatedBy string // the drafting member state's organisation
	Created   time.Time
	Modified  time.Time
	Markings  []string

	Name string
	// Text is the statement itself.
	Text            string
	IncidentRefs    []string
	IntrusionSetRef string
	// Confidence (0-100) in the attribution.
	Confidence   int
	EvidenceRefs []string
	// Invited are the organisations (trust registry identity ids) invited
	// to endorse; Threshold of them must.
	Invited   []string
	Threshold int

	Status          string // StatementDraft or StatementPublished
	Published       time.Time
	EndorsementRefs []string // on a published version: the endorsements counted

	raw jsontext.Value
}

// terms is what an endorsement signs: everything that says what the
// statement claims and how it is decided, and nothing about its progress.
type terms struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Statement       string   `json:"statement"`
	IncidentRefs    []string `json:"incident_refs"`
	IntrusionSetRef string   `json:"intrusion_set_ref"`
	Confidence      int      `json:"confidence"`
	EvidenceRefs    []string `json:"evidence_refs"`
	InvitedRefs     []string `json:"invited_refs"`
	Threshold       int      `json:"threshold"`
}

// TermsDigest returns the base64url SHA-256 of the RFC 8785 canonical JSON
// of the statement's terms: id, name, statement text, incident_refs,
// intrusion_set_ref, confidence, evidence_refs, invited_refs and threshold
// (lists sorted). An endorsement carries it, so that it counts for exactly
// these terms: any change to them needs every endorsement again.
func (s *Statement) TermsDigest() string {
	t := terms{
		ID: s.ID, Name: s.Name, Statement: s.Text, IncidentRefs: sortedOrEmpty(s.IncidentRefs),
		IntrusionSetRef: s.IntrusionSetRef, Confidence: s.Confidence, EvidenceRefs: sortedOrEmpty(s.EvidenceRefs),
		InvitedRefs: sortedOrEmpty(s.Invited), Threshold: s.Threshold,
	}
	b, _ := json.Marshal(t)
	v := jsontext.Value(b)
	v.Canonicalize()
	sum := sha256.Sum256(v)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func sortedOrEmpty(l []string) []string {
	if len(l) == 0 {
		return []string{}
	}
	return dedupe(l)
}

// Validate checks the statement's fields and returns an error naming the
// first bad one.
func (s *Statement) Validate() error {
	who := "statement"
	if s.ID != "" {
		who = fmt.Sprintf("statement %q", s.ID)
		if typ, _, err := stix.ParseID(s.ID); err != nil || typ != StatementType {
			return fmt.Errorf("statement id must be %q followed by \"--\" and a UUID (got %q)", StatementType, s.ID)
		}
	}
	switch {
	case strings.TrimSpace(s.Name) == "":
		return fmt.Errorf("%s: name is required", who)
	case strings.TrimSpace(s.Text) == "":
		return fmt.Errorf("%s: the statement text is required", who)
	case len(s.Name) > MaxTextBytes || len(s.Text) > MaxTextBytes:
		return fmt.Errorf("%s: name and text must be at most MaxTextBytes (%d bytes)", who, MaxTextBytes)
	case s.CreatedBy == "":
		return fmt.Errorf("%s: created_by_ref (the drafting organisation) is required", who)
	case len(s.IncidentRefs) == 0:
		return fmt.Errorf("%s: incident_refs must name at least one incident", who)
	case s.IntrusionSetRef == "":
		return fmt.Errorf("%s: intrusion_set_ref (the attributed intrusion set) is required", who)
	case s.Confidence < 0 || s.Confidence > 100:
		return fmt.Errorf("%s: confidence must be between 0 and 100 (got %d)", who, s.Confidence)
	case len(s.Invited) == 0 || len(s.Invited) > MaxInvited:
		return fmt.Errorf("%s: invite 1 to %d member states (got %d)", who, MaxInvited, len(s.Invited))
	case s.Threshold < 1 || s.Threshold > len(dedupe(s.Invited)):
		return fmt.Errorf("%s: threshold must be between 1 and the %d invited member states (got %d)", who, len(dedupe(s.Invited)), s.Threshold)
	case s.Status != "" && s.Status != StatementDraft && s.Status != StatementPublished:
		return fmt.Errorf("%s: status must be %s or %s (got %q)", who, StatementDraft, StatementPublished, s.Status)
	}
	if typ := stix.IDType(s.IntrusionSetRef); typ != "intrusion-set" {
		return fmt.Errorf("%s: intrusion_set_ref must be an intrusion-set id (got %q)", who, s.IntrusionSetRef)
	}
	for _, r := range s.IncidentRefs {
		if typ, _, err := stix.ParseID(r); err != nil || typ != "incident" {
			return fmt.Errorf("%s: incident_refs: %q is not an incident id", who, r)
		}
	}
	for _, r := range s.EvidenceRefs {
		if _, _, err := stix.ParseID(r); err != nil {
			return fmt.Errorf("%s: evidence_refs: %v", who, err)
		}
	}
	for _, r := range append([]string{s.CreatedBy}, s.Invited...) {
		if typ, _, err := stix.ParseID(r); err != nil || typ != "identity" {
			return fmt.Errorf("%s: %q is not an identity id", who, r)
		}
	}
	return nil
}

type statementJSON struct {
	Type            string         `json:"type"`
	SpecVersion     string         `json:"spec_version"`
	ID              string         `json:"id"`
	Created         stix.Timestamp `json:"created"`
	Modified        stix.Timestamp `json:"modified"`
	CreatedByRef    string         `json:"created_by_ref"`
	Markings        []string       `json:"object_marking_refs,omitempty"`
	Name            string         `json:"name"`
	Statement       string         `json:"statement"`
	IncidentRefs    []string       `json:"incident_refs"`
	IntrusionSetRef string         `json:"intrusion_set_ref"`
	Confidence      int            `json:"confidence"`
	EvidenceRefs    []string       `json:"evidence_refs,omitempty"`
	InvitedRefs     []string       `json:"invited_refs"`
	Threshold       int            `json:"threshold"`
	Status          string         `json:"status"`
	Published       stix.Timestamp `json:"published,omitzero"`
	EndorsementRefs []string       `json:"endorsement_refs,omitempty"`
	TermsDigest     string         `json:"terms_digest"`
	Extensions      any            `json:"extensions"`
}

// Object returns the next version of the statement, modified at now (or
// a millisecond after the version it was read from). A new statement gets
// an id and created = now. The result is unsigned: the drafter signs it
// (trust.Identity.Sign) before it is stored.
func (s *Statement) Object(now time.Time) (*stix.Object, error) {
	now = now.UTC().Truncate(time.Millisecond)
	if s.ID == "" {
		s.ID = stix.NewID(StatementType)
	}
	if s.Created.IsZero() {
		s.Created = now
	}
	if s.Status == "" {
		s.Status = StatementDraft
	}
	s.IncidentRefs, s.EvidenceRefs, s.Invited = dedupe(s.IncidentRefs), dedupe(s.EvidenceRefs), dedupe(s.Invited)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	modified := now
	if !s.Modified.IsZero() && !modified.After(s.Modified) {
		modified = s.Modified.Add(time.Millisecond)
	}
	j := statementJSON{
		Type: StatementType, SpecVersion: "2.1", ID: s.ID,
		Created: stix.NewTimestamp(s.Created), Modified: stix.NewTimestamp(modified), CreatedByRef: s.CreatedBy,
		Markings: s.Markings, Name: s.Name, Statement: s.Text, IncidentRefs: s.IncidentRefs,
		IntrusionSetRef: s.IntrusionSetRef, Confidence: s.Confidence, EvidenceRefs: s.EvidenceRefs,
		InvitedRefs: s.Invited, Threshold: s.Threshold, Status: s.Status, Published: timestampOrZero(s.Published),
		EndorsementRefs: dedupe(s.EndorsementRefs), TermsDigest: s.TermsDigest(),
		Extensions: newSDOExtension(StatementExtensionID),
	}
	o, err := marshalObject(j)
	if err != nil {
		return nil, err
	}
	s.Modified, s.raw = modified, o.Raw
	return o, nil
}

// ParseStatement reads an x-rampart-statement object. It returns an error
// when the object is not one or its terms_digest does not match its
// terms.
func ParseStatement(o *stix.Object) (*Statement, error) {
	if o.Type != StatementType {
		return nil, fmt.Errorf("%s %q is not an %s", o.Type, o.ID, StatementType)
	}
	var j statementJSON
	if err := json.Unmarshal(o.Raw, &j); err != nil {
		return nil, fmt.Errorf("statement %q: %v", o.ID, err)
	}
	s := &Statement{
		ID: j.ID, CreatedBy: j.CreatedByRef, Created: j.Created.Time(), Modified: j.Modified.Time(), Markings: j.Markings,
		Name: j.Name, Text: j.Statement, IncidentRefs: j.IncidentRefs, IntrusionSetRef: j.IntrusionSetRef,
		Confidence: j.Confidence, EvidenceRefs: j.EvidenceRefs, Invited: j.InvitedRefs, Threshold: j.Threshold,
		Status: j.Status, EndorsementRefs: j.EndorsementRefs, raw: o.Raw,
	}
	if !j.Published.IsZero() {
		s.Published = j.Published.Time()
	}
	if got := s.TermsDigest(); j.TermsDigest != got {
		return nil, fmt.Errorf("statement %q: terms_digest %q does not match its terms (%q)", o.ID, j.TermsDigest, got)
	}
	return s, nil
}

// endorsementJSON is the value of extensions[EndorsementExtensionID].
type endorsementJSON struct {
	ExtensionType string `json:"extension_type"`
	StatementRef  string `json:"statement_ref"`
	TermsDigest   string `json:"terms_digest"`
}

type opinionJSON struct {
	Type         string                     `json:"type"`
	SpecVersion  string                     `json:"spec_version"`
	ID           string                     `json:"id"`
	Created      stix.Timestamp             `json:"created"`
	Modified     stix.Timestamp             `json:"modified"`
	CreatedByRef string                     `json:"created_by_ref"`
	Markings     []string                   `json:"object_marking_refs,omitempty"`
	Opinion      string                     `json:"opinion"`
	Explanation  string                     `json:"explanation,omitempty"`
	ObjectRefs   []string                   `json:"object_refs"`
	Extensions   map[string]endorsementJSON `json:"extensions"`
}

// Endorse returns organisation org's endorsement of the statement's
// current terms: an opinion ("strongly-agree") on the statement carrying
// EndorsementExtensionID with the terms digest, created at now, addressed
// to the statement's drafter and invited member states. It is unsigned;
// the endorsing member state signs it with its own registry keys
// (trust.Identity.Sign), which is the act of endorsing.
func Endorse(s *Statement, org, explanation string, now time.Time) (*stix.Object, error) {
	if typ, _, err := stix.ParseID(org); err != nil || typ != "identity" {
		return nil, fmt.Errorf("endorse statement %q: organisation must be an identity id (got %q)", s.ID, org)
	}
	if s.Status == StatementPublished {
		return nil, fmt.Errorf("endorse statement %q: it is already published", s.ID)
	}
	ts := stix.NewTimestamp(now)
	j := opinionJSON{
		Type: "opinion", SpecVersion: "2.1", ID: stix.NewID("opinion"), Created: ts, Modified: ts,
		CreatedByRef: org, Markings: s.Markings, Opinion: stix.OpinionStronglyAgree, Explanation: explanation,
		ObjectRefs: []string{s.ID},
		Extensions: map[string]endorsementJSON{EndorsementExtensionID: {stix.ExtensionProperty, s.ID, s.TermsDigest()}},
	}
	o, err := marshalObject(j)
	if err != nil {
		return nil, err
	}
	return addressStatement(o, s)
}

// IsEndorsementOf reports whether o is an opinion that claims to endorse
// the statement (whether it counts is CountEndorsements' question).
func IsEndorsementOf(o *stix.Object, statementID string) bool {
	return statementID != "" && endorsedStatement(o) == statementID
}

// Quorum is the count of a statement's endorsements.
type Quorum struct {
	Statement string
	Terms     string // the terms digest endorsements must carry
	Threshold int
	Invited   []string
	// Counted are the endorsements that count, one per member state, in
	// the order they were signed.
	Counted []Endorser
	// Rejected are the endorsements that do not count, with the reason.
	Rejected []Rejection
	// Missing are the invited organisations without a counted endorsement.
	Missing []string
	Reached bool
}

// Counts reports whether the endorsement with id endorsement counts
// toward the quorum and, when it is rejected, why; reason is empty for an
// endorsement the count did not see.
func (q *Quorum) Counts(endorsement string) (counts bool, reason string) {
	if slices.ContainsFunc(q.Counted, func(e Endorser) bool { return e.Endorsement == endorsement }) {
		return true, ""
	}
	for _, r := range q.Rejected {
		if r.Endorsement == endorsement {
			reason = r.Reason
		}
	}
	return false, reason
}

// Endorser is a member state whose endorsement counts.
type Endorser struct {
	Organization string    `json:"organization"` // identity id
	Name         string    `json:"name"`
	Country      string    `json:"country"`
	Endorsement  string    `json:"endorsement"` // the opinion's id
	Signed       time.Time `json:"signed"`
	KeyIDs       [2]string `json:"key_ids"`
	Algorithms   [2]string `json:"algorithms"`
}

// Rejection is an endorsement that does not count.
type Rejection struct {
	Endorsement  string `json:"endorsement"`
	Organization string `json:"organization"` // created_by_ref, as claimed
	Reason       string `json:"reason"`
}

// Reasons an endorsement does not count, at the start of Rejection.Reason.
const (
	RejectNotMember   = "not a member"
	RejectNotInvited  = "not invited"
	RejectDuplicate   = "duplicate signer"
	RejectRevokedKey  = "revoked key"
	RejectBadSig      = "bad signature"
	RejectUnsigned    = "unsigned"
	RejectOtherTerms  = "other terms"
	RejectWithdrawn   = "withdrawn"
	RejectKeyNotValid = "key not valid"
	RejectRegistry    = "registry expired"
)

// CountEndorsements counts the endorsements of statement s among objs
// (other objects are ignored; of several versions of one endorsement the
// latest is used). An endorsement counts when it is an opinion in favour
// carrying s's current terms digest, its signature verifies against v's
// registry (both keys of the organisation in its created_by_ref, valid
// when it was signed and not revoked), that organisation is a national
// CSIRT of the registry (a member state) among s's invited, and no
// earlier endorsement of the same organisation counted already. Every
// other endorsement is listed in Rejected with the reason.
//
// The quorum is Reached when at least s.Threshold endorsements count.
//
// A counted endorsement guarantees that the organisation's two registry
// keys signed exactly these terms (the registry in v decides who is a
// member, which keys are theirs and which are revoked); it says nothing
// about whether the attribution is right, and a revocation in a registry
// newer than v's is not seen. CountEndorsements is safe for concurrent
// use as long as s and objs are not changed meanwhile.
func CountEndorsements(s *Statement, objs []*stix.Object, v *trust.Verifier) *Quorum {
	q := &Quorum{Statement: s.ID, Terms: s.TermsDigest(), Threshold: s.Threshold, Invited: dedupe(s.Invited)}
	// The versions of each endorsement, by opinion id and creator: only
	// the organisation that wrote an endorsement writes its later versions
	// (a withdrawal), so a version by anyone else is another endorsement.
	type key struct{ id, org string }
	versions := map[key][]*stix.Object{}
	for _, o := range objs {
		if IsEndorsementOf(o, s.ID) {
			k := key{o.ID, o.CreatedByRef}
			versions[k] = append(versions[k], o)
		}
	}
	type endorsement struct {
		o      *stix.Object
		signed *trust.Signed
		err    error
	}
	var ends []endorsement
	for _, vs := range versions {
		// The newest version whose signature verifies is the endorsement
		// as its organisation left it; a newer version that does not
		// verify was not written by it and changes nothing (it could
		// otherwise withdraw another state's endorsement). It is listed.
		slices.SortFunc(vs, func(a, b *stix.Object) int { return b.Version().Compare(a.Version()) })
		e := endorsement{o: vs[0]}
		e.signed, e.err = v.Verify(vs[0])
		for i := 1; e.err != nil && i < len(vs); i++ {
			signed, err := v.Verify(vs[i])
			if err != nil {
				continue
			}
			for _, newer := range vs[:i] {
				_, nerr := v.Verify(newer)
				q.Rejected = append(q.Rejected, Rejection{Endorsement: newer.ID, Organization: newer.CreatedByRef,
					Reason: fmt.Sprintf("%s (version %s, ignored: version %s counts)", signatureReason(nerr), newer.Version(), vs[i].Version())})
			}
			e = endorsement{o: vs[i], signed: signed}
		}
		ends = append(ends, e)
	}
	slices.SortFunc(ends, func(a, b endorsement) int {
		if c := a.o.Version().Compare(b.o.Version()); c != 0 {
			return c
		}
		if c := strings.Compare(a.o.ID, b.o.ID); c != 0 {
			return c
		}
		return strings.Compare(a.o.CreatedByRef, b.o.CreatedByRef)
	})
	counted := map[string]string{}
	for _, end := range ends {
		o := end.o
		reject := func(format string, args ...any) {
			q.Rejected = append(q.Rejected, Rejection{Endorsement: o.ID, Organization: o.CreatedByRef, Reason: fmt.Sprintf(format, args...)})
		}
		if end.err != nil {
			reject("%s", signatureReason(end.err))
			continue
		}
		var j opinionJSON
		json.Unmarshal(o.Raw, &j)
		e := j.Extensions[EndorsementExtensionID]
		switch {
		case o.Revoked || (j.Opinion != stix.OpinionAgree && j.Opinion != stix.OpinionStronglyAgree):
			reject("%s: the endorsement was withdrawn (opinion %q, revoked %v)", RejectWithdrawn, j.Opinion, o.Revoked)
			continue
		case e.TermsDigest != q.Terms:
			reject("%s: it endorses terms %s, not the statement's current terms %s", RejectOtherTerms, e.TermsDigest, q.Terms)
			continue
		}
		signed := end.signed
		org := signed.Organization
		who := fmt.Sprintf("%s (%s, %s)", org.Name, org.Country, org.ID)
		switch {
		case org.Role != trust.RoleNationalCSIRT:
			reject("%s: %s is a %s, not a member state's national CSIRT", RejectNotMember, who, org.Role)
		case !slices.Contains(q.Invited, org.ID):
			reject("%s: %s is not among the %d invited member states", RejectNotInvited, who, len(q.Invited))
		case counted[org.ID] != "":
			reject("%s: %s already counted with %s", RejectDuplicate, who, counted[org.ID])
		default:
			counted[org.ID] = o.ID
			q.Counted = append(q.Counted, Endorser{
				Organization: org.ID, Name: org.Name, Country: org.Country, Endorsement: o.ID,
				Signed: o.Version().Time(), KeyIDs: signed.KeyIDs, Algorithms: signed.Algorithms,
			})
		}
	}
	for _, id := range q.Invited {
		if counted[id] == "" {
			q.Missing = append(q.Missing, id)
		}
	}
	q.Reached = len(q.Counted) >= q.Threshold
	return q
}

// signatureReason words a signature failure for a rejection.
func signatureReason(err error) string {
	var reason string
	switch {
	case errors.Is(err, trust.ErrUnsigned):
		reason = RejectUnsigned
	case errors.Is(err, trust.ErrUnknownKey), errors.Is(err, trust.ErrWrongSigner):
		reason = RejectNotMember
	case errors.Is(err, trust.ErrRevoked):
		reason = RejectRevokedKey
	case errors.Is(err, trust.ErrKeyNotValid):
		reason = RejectKeyNotValid
	case errors.Is(err, trust.ErrRegistryExpired):
		reason = RejectRegistry
	default:
		reason = RejectBadSig
	}
	return reason + ": " + err.Error()
}

// Publish turns the statement into its published version once q, counted
// for its current terms, has reached the quorum: status published, the
// publication time and the counted endorsements. It returns an error,
// saying how many more endorsements are needed, otherwise. Write the new
// version with Object and have the drafter sign it.
func (s *Statement) Publish(q *Quorum, now time.Time) error {
	switch {
	case s.Status == StatementPublished:
		return fmt.Errorf("statement %q is already published (%s)", s.ID, s.Published.UTC().Format(time.RFC3339))
	case q.Statement != s.ID || q.Terms != s.TermsDigest():
		return fmt.Errorf("statement %q: the count is for other terms; count the endorsements again", s.ID)
	case !q.Reached:
		return fmt.Errorf("statement %q: %d of the %d required endorsements count (%d invited); %d more needed", s.ID, len(q.Counted), q.Threshold, len(q.Invited), q.Threshold-len(q.Counted))
	}
	s.Status, s.Published = StatementPublished, now.UTC().Truncate(time.Millisecond)
	s.EndorsementRefs = nil
	for _, e := range q.Counted {
		s.EndorsementRefs = append(s.EndorsementRefs, e.Endorsement)
	}
	return nil
}
