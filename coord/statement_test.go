package coord

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// federation is a trust registry with real keys: national CSIRTs of FR,
// DE, IT, ES and PL, a hub, and identities of an outsider the registry
// does not know. ES's keys are revoked after a compromise.
type federation struct {
	ids map[string]*trust.Identity // by country code, "HUB", "OUT"
	reg *trust.Registry
	v   *trust.Verifier
}

var orgIDs = map[string]string{
	"FR": "identity--11111111-1111-4111-8111-111111111111", "DE": "identity--22222222-2222-4222-8222-222222222222",
	"IT": "identity--33333333-3333-4333-8333-333333333333", "ES": "identity--44444444-4444-4444-8444-444444444444",
	"PL": "identity--55555555-5555-4555-8555-555555555555", "HUB": "identity--66666666-6666-4666-8666-666666666666",
	"OUT": "identity--77777777-7777-4777-8777-777777777777",
}

func newFederation(t testing.TB) *federation {
	t.Helper()
	since := t0.AddDate(-1, 0, 0)
	authority, err := trust.GenerateIdentity(trust.EUPQBase, "")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "authority-1", Keys: authority.KeySet().SigningKeys()}}, since)
	if err != nil {
		t.Fatal(err)
	}
	f := &federation{ids: map[string]*trust.Identity{}}
	for _, c := range []string{"FR", "DE", "IT", "ES", "PL", "HUB", "OUT"} {
		p := trust.EUPQBase
		if c == "DE" {
			p = trust.EUPQHigh
		}
		id, err := trust.GenerateIdentity(p, orgIDs[c])
		if err != nil {
			t.Fatal(err)
		}
		f.ids[c] = id
		if c == "OUT" {
			continue
		}
		org := &trust.Organization{ID: orgIDs[c], Name: "CSIRT " + c, Country: c, Role: trust.RoleNationalCSIRT, Keys: id.KeySet().WithValidity(since, time.Time{})}
		if c == "HUB" {
			org.Name, org.Country, org.Role = "EU hub", "EU", trust.RoleHub
		}
		if err := doc.SetOrganization(org, since); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range f.ids["ES"].KeySet().SigningKeys() {
		if err := doc.Revoke(k.ID(), time.Time{}, trust.ReasonKeyCompromise, since.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := doc.Sign(authority); err != nil {
		t.Fatal(err)
	}
	data, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if f.reg, err = trust.ParseRegistry(data); err != nil {
		t.Fatal(err)
	}
	f.v = trust.NewVerifier(f.reg, trust.DefaultPolicy())
	f.v.Now = func() time.Time { return t0.Add(30 * 24 * time.Hour) }
	return f
}

func draftStatement(t testing.TB) *Statement {
	return &Statement{
		CreatedBy: orgIDs["FR"], Name: "Joint statement on the grid intrusions",
		Text:         "The member states below attribute the intrusions into electricity grid operators to APT-Example.",
		IncidentRefs: []string{"incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10"}, IntrusionSetRef: "intrusion-set--0c1e2b5a-4a7e-4b7f-9a1d-2f3e4a5b6c7d",
		Confidence: 85, EvidenceRefs: []string{"report--1c7a0e2b-5e3f-4b59-9a43-8a2cf0f1d3b1"},
		Invited: []string{orgIDs["FR"], orgIDs["DE"], orgIDs["IT"], orgIDs["ES"]}, Threshold: 3,
	}
}

// endorse returns country c's signed endorsement of s at time at.
func (f *federation) endorse(t testing.TB, s *Statement, c string, at time.Time) *stix.Object {
	t.Helper()
	o, err := Endorse(s, orgIDs[c], "CSIRT "+c+" endorses the statement.", at)
	if err != nil {
		t.Fatal(err)
	}
	if err := stix.Validate(o); err != nil {
		t.Fatalf("endorsement is not valid STIX: %v", err)
	}
	signed, err := f.ids[c].Sign(o)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func reasons(q *Quorum) []string {
	var out []string
	for _, r := range q.Rejected {
		out = append(out, r.Reason[:strings.Index(r.Reason, ":")])
	}
	return out
}

func countries(q *Quorum) []string {
	var out []string
	for _, e := range q.Counted {
		out = append(out, e.Country)
	}
	return out
}

func TestStatementQuorum(t *testing.T) {
	f := newFederation(t)
	s := draftStatement(t)
	draft, err := s.Object(t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := stix.Validate(draft); err != nil {
		t.Fatalf("statement is not valid STIX: %v\n%s", err, draft.Raw)
	}
	signedDraft, err := f.ids["FR"].Sign(draft)
	if err != nil {
		t.Fatal(err)
	}
	objs := []*stix.Object{signedDraft}
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

	// Endorsements that do not count, each for its own reason.
	other := draftStatement(t)
	other.ID, other.Threshold = s.ID, 2 // different terms under the same id
	objs = append(objs,
		f.endorse(t, s, "FR", at(1)),
		f.endorse(t, s, "DE", at(2)),
		f.endorse(t, s, "FR", at(3)),     // duplicate signer
		f.endorse(t, s, "OUT", at(4)),    // keys not in the registry
		f.endorse(t, s, "HUB", at(5)),    // a hub is not a member state
		f.endorse(t, s, "PL", at(6)),     // a member state, not invited
		f.endorse(t, s, "ES", at(7)),     // invited, keys revoked
		f.endorse(t, other, "IT", at(8)), // other terms
	)
	unsigned, _ := Endorse(s, orgIDs["IT"], "", at(9))
	objs = append(objs, unsigned)

	q := CountEndorsements(s, objs, f.v)
	if diff := cmp.Diff([]string{"FR", "DE"}, countries(q)); diff != "" {
		t.Errorf("counted (-want +got):\n%s", diff)
	}
	wantReasons := []string{RejectDuplicate, RejectNotMember, RejectNotMember, RejectNotInvited, RejectRevokedKey, RejectOtherTerms, RejectUnsigned}
	if diff := cmp.Diff(wantReasons, reasons(q)); diff != "" {
		t.Errorf("rejections (-want +got):\n%s\n%v", diff, q.Rejected)
	}
	for _, r := range q.Rejected {
		if strings.HasPrefix(r.Reason, RejectDuplicate) && !strings.Contains(r.Reason, "CSIRT FR (FR, "+orgIDs["FR"]+") already counted") {
			t.Errorf("duplicate reason does not say who: %s", r.Reason)
		}
		if strings.HasPrefix(r.Reason, RejectRevokedKey) && !strings.Contains(r.Reason, "revoked (key-compromise)") {
			t.Errorf("revocation reason: %s", r.Reason)
		}
	}
	if q.Reached || !slices2(q.Missing, orgIDs["IT"], orgIDs["ES"]) {
		t.Errorf("reached %v, missing %v", q.Reached, q.Missing)
	}

	// Two of three: not published, and the error says what is missing.
	err = s.Publish(q, at(10))
	if err == nil || !strings.Contains(err.Error(), "2 of the 3 required endorsements count (4 invited); 1 more needed") {
		t.Fatalf("publish below the quorum: %v", err)
	}
	if s.Status != StatementDraft {
		t.Fatalf("status %q after a refused publication", s.Status)
	}

	// Italy endorses the current terms: exactly the quorum.
	objs = append(objs, f.endorse(t, s, "IT", at(11)))
	q = CountEndorsements(s, objs, f.v)
	if !q.Reached || len(q.Counted) != 3 {
		t.Fatalf("after Italy: reached %v, counted %v", q.Reached, countries(q))
	}
	if err := s.Publish(q, at(12)); err != nil {
		t.Fatal(err)
	}
	pub, err := s.Object(at(12))
	if err != nil {
		t.Fatal(err)
	}
	signedPub, err := f.ids["FR"].Sign(pub)
	if err != nil {
		t.Fatal(err)
	}
	objs = append(objs, signedPub)
	if err := s.Publish(q, at(13)); err == nil {
		t.Error("a published statement was published again")
	}

	checks, err := CheckStatements(objs, f.v)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || !checks[0].OK() {
		t.Fatalf("check: %+v", checks[0].Problems)
	}
	c := checks[0]
	if c.Statement.Status != StatementPublished || c.Drafter.Organization.Country != "FR" || len(c.Quorum.Counted) != 3 {
		t.Errorf("check: status %s, drafter %v, counted %v", c.Statement.Status, c.Drafter.Organization, countries(c.Quorum))
	}

	// A published version that lists an endorsement that does not count
	// (signed by the drafter, so only the quorum check can catch it).
	s2, _ := ParseStatement(signedPub)
	s2.EndorsementRefs = []string{q.Counted[0].Endorsement, q.Counted[1].Endorsement, q.Rejected[0].Endorsement}
	forged, _ := s2.Object(at(14))
	forged, _ = f.ids["FR"].Sign(forged)
	checks, _ = CheckStatements(append(objs, forged), f.v)
	if checks[0].OK() || !strings.Contains(strings.Join(checks[0].Problems, "; "), "published with 2 counted endorsements of the 3 required") {
		t.Errorf("forged publication: %v", checks[0].Problems)
	}
}

func slices2(got []string, want ...string) bool { return cmp.Equal(dedupe(got), dedupe(want)) }

func TestStatementWithdrawnEndorsement(t *testing.T) {
	f := newFederation(t)
	s := draftStatement(t)
	s.Threshold = 1
	if _, err := s.Object(t0); err != nil {
		t.Fatal(err)
	}
	e := f.endorse(t, s, "DE", t0.Add(time.Hour))
	// Germany withdraws: a new version of its opinion, disagreeing.
	withdrawn := coordtest.MustObject(t, strings.Replace(strings.Replace(string(e.Raw), `"strongly-agree"`, `"disagree"`, 1),
		`"modified":"`+coordtest.Timestamp(t0.Add(time.Hour))+`"`, `"modified":"`+coordtest.Timestamp(t0.Add(2*time.Hour))+`"`, 1))
	withdrawn, err := f.ids["DE"].Sign(withdrawn)
	if err != nil {
		t.Fatal(err)
	}
	q := CountEndorsements(s, []*stix.Object{e, withdrawn}, f.v)
	if q.Reached || len(q.Rejected) != 1 || !strings.HasPrefix(q.Rejected[0].Reason, RejectWithdrawn) {
		t.Errorf("withdrawn endorsement: reached %v, rejected %v", q.Reached, q.Rejected)
	}
}

func TestStatementValidate(t *testing.T) {
	tests := []struct {
		edit func(*Statement)
		want string
	}{
		{func(s *Statement) { s.Text = "" }, "the statement text is required"},
		{func(s *Statement) { s.IncidentRefs = nil }, "incident_refs must name at least one incident"},
		{func(s *Statement) { s.IntrusionSetRef = "malware--0c1e2b5a-4a7e-4b7f-9a1d-2f3e4a5b6c7d" }, "intrusion_set_ref must be an intrusion-set id"},
		{func(s *Statement) { s.Threshold = 5 }, "threshold must be between 1 and the 4 invited member states (got 5)"},
		{func(s *Statement) { s.Threshold = 0 }, "threshold must be between 1"},
		{func(s *Statement) { s.Confidence = 120 }, "confidence must be between 0 and 100"},
		{func(s *Statement) { s.Invited = append(s.Invited, "CERT-NL") }, `"CERT-NL" is not an identity id`},
	}
	for _, tt := range tests {
		s := draftStatement(t)
		tt.edit(s)
		if _, err := s.Object(t0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
	// The terms digest covers the terms and nothing else.
	a, b := draftStatement(t), draftStatement(t)
	b.Status, b.EndorsementRefs, b.Modified = StatementPublished, []string{"opinion--1c7a0e2b-5e3f-4b59-9a43-8a2cf0f1d3b1"}, t0
	b.Invited = []string{b.Invited[3], b.Invited[2], b.Invited[1], b.Invited[0]}
	if a.TermsDigest() != b.TermsDigest() {
		t.Error("status, endorsements, times or the order of invited states changed the terms digest")
	}
	b.Text += " "
	if a.TermsDigest() == b.TermsDigest() {
		t.Error("a changed text kept the terms digest")
	}
	// A statement whose terms_digest was edited is refused when read.
	o, _ := a.Object(t0)
	bad := coordtest.MustObject(t, strings.Replace(string(o.Raw), `"confidence":85`, `"confidence":95`, 1))
	if _, err := ParseStatement(bad); err == nil || !strings.Contains(err.Error(), "does not match its terms") {
		t.Errorf("edited terms: %v", err)
	}
}

// newFederationVerifier returns a verifier with an empty cache.
func newFederationVerifier(f *federation) *trust.Verifier {
	v := trust.NewVerifier(f.reg, trust.DefaultPolicy())
	v.Now = f.v.Now
	return v
}

func TestQuorumCounts(t *testing.T) {
	f := newFederation(t)
	s := draftStatement(t)
	if _, err := s.Object(t0); err != nil {
		t.Fatal(err)
	}
	fr, pl := f.endorse(t, s, "FR", t0.Add(time.Hour)), f.endorse(t, s, "PL", t0.Add(2*time.Hour))
	q := CountEndorsements(s, []*stix.Object{fr, pl}, f.v)
	if ok, reason := q.Counts(fr.ID); !ok || reason != "" {
		t.Errorf("Counts(FR's) = %v, %q; want it counted", ok, reason)
	}
	if ok, reason := q.Counts(pl.ID); ok || !strings.HasPrefix(reason, RejectNotInvited) {
		t.Errorf("Counts(PL's, not invited) = %v, %q; want %q", ok, reason, RejectNotInvited)
	}
	if ok, reason := q.Counts("opinion--00000000-0000-4000-8000-000000000000"); ok || reason != "" {
		t.Errorf("Counts(one not counted at all) = %v, %q; want false and no reason", ok, reason)
	}
}
