package coord

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// withdrawal returns a version of endorsement e of s that disagrees,
// modified at at and created by org, unsigned.
func withdrawal(t *testing.T, s *Statement, e *stix.Object, org string, at time.Time) *stix.Object {
	t.Helper()
	o, err := marshalObject(opinionJSON{
		Type: "opinion", SpecVersion: "2.1", ID: e.ID, Created: e.Created, Modified: stix.NewTimestamp(at),
		CreatedByRef: org, Opinion: "strongly-disagree", ObjectRefs: []string{s.ID},
		Extensions: map[string]endorsementJSON{EndorsementExtensionID: {stix.ExtensionProperty, s.ID, s.TermsDigest()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestEndorsementWithdrawnOnlyByItsSigner: only the organisation that
// signed an endorsement can withdraw it (regression: the newest version
// of an endorsement's id decided, before any signature was checked, so an
// unsigned version, or one signed by another member under the same id,
// withdrew a member state's endorsement and kept the statement from its
// quorum).
func TestEndorsementWithdrawnOnlyByItsSigner(t *testing.T) {
	f := newFederation(t)
	s := draftStatement(t)
	s.Threshold = 2
	if _, err := s.Object(t0); err != nil {
		t.Fatal(err)
	}
	de := f.endorse(t, s, "DE", t0.Add(time.Hour))
	it := f.endorse(t, s, "IT", t0.Add(time.Hour))
	unsigned := withdrawal(t, s, de, orgIDs["DE"], t0.Add(2*time.Hour))
	byPL, err := f.ids["PL"].Sign(withdrawal(t, s, de, orgIDs["PL"], t0.Add(2*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	q := CountEndorsements(s, []*stix.Object{de, it, unsigned, byPL}, f.v)
	if !q.Reached || !slices2(countries(q), "DE", "IT") {
		t.Errorf("reached %v, counted %v, rejected %+v; want DE and IT counted", q.Reached, countries(q), q.Rejected)
	}
	if got := reasons(q); !slices2(got, RejectUnsigned, RejectWithdrawn) {
		t.Errorf("rejected %v, want the unsigned version and PL's own withdrawal", got)
	}
	// Germany's own withdrawal still works.
	own, err := f.ids["DE"].Sign(withdrawal(t, s, de, orgIDs["DE"], t0.Add(3*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	q = CountEndorsements(s, []*stix.Object{de, it, unsigned, own}, f.v)
	if q.Reached || !slices2(countries(q), "IT") {
		t.Errorf("after Germany withdrew: reached %v, counted %v", q.Reached, countries(q))
	}
}

// TestCheckStatementsVersionsByOthers: an offline check believes only the
// drafter's signed versions (regression: the newest version decided, so
// another member, or anyone, could pass a statement off under another
// drafter, or as a mere draft, by adding a newer version to the bundle).
func TestCheckStatementsVersionsByOthers(t *testing.T) {
	f := newFederation(t)
	s := draftStatement(t)
	draft, err := s.Object(t0)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := f.ids["FR"].Sign(draft)
	if err != nil {
		t.Fatal(err)
	}
	other := *s
	other.CreatedBy = orgIDs["PL"]
	byPL, err := other.Object(t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if byPL, err = f.ids["PL"].Sign(byPL); err != nil {
		t.Fatal(err)
	}
	unsigned, err := s.Object(t0.Add(2 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		objs    []*stix.Object
		drafter string
		problem string
	}{
		{"the drafter's version alone", []*stix.Object{signed}, "FR", ""},
		{"a newer unsigned version", []*stix.Object{signed, unsigned}, "FR", "does not check"},
		{"a newer version by another member", []*stix.Object{signed, byPL}, "PL", "signed versions by 2 organisations"},
	} {
		checks, err := CheckStatements(tc.objs, f.v)
		if err != nil || len(checks) != 1 {
			t.Fatalf("%s: %v, %d checks", tc.name, err, len(checks))
		}
		c := checks[0]
		if c.Drafter == nil || c.Drafter.Organization.Country != tc.drafter {
			t.Errorf("%s: drafter %+v, want %s", tc.name, c.Drafter, tc.drafter)
		}
		got := strings.Join(c.Problems, "; ")
		if tc.problem == "" && !c.OK() || tc.problem != "" && !strings.Contains(got, tc.problem) {
			t.Errorf("%s: problems %q, want %q", tc.name, got, tc.problem)
		}
	}
}

// TestServiceBuildsOnlyOnSignedVersions: a version stored unsigned by
// whoever may write to a collection the service reads is never the base
// of a version the node signs (regression: the newest version was taken
// as it was, so its content, its lowered marking included, went out signed
// in the node's name).
func TestServiceBuildsOnlyOnSignedVersions(t *testing.T) {
	f := newFederation(t)
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	fr := newService(store, orgIDs["FR"], "FR", &now)
	fr.Sign = f.ids["FR"].Sign
	fr.Verify = func(o *stix.Object) error { _, err := f.v.Verify(o); return err }
	inc := &Incident{Name: "Grid intrusion", Detected: t0.Add(-time.Hour), Markings: []string{stix.TLPRed.MarkingID()}}
	if err := fr.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	// A writer of the feed collection stores a newer version, unsigned,
	// marked TLP:CLEAR.
	forged := *inc
	forged.Markings = []string{stix.TLPClear.MarkingID()}
	forged.Name = "forged"
	fo, err := forged.Object(t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateObjects(ctx, "feed", []*stix.Object{fo}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(2 * time.Minute)
	got, err := fr.UpdateIncident(ctx, inc.ID, func(i *Incident) error { i.Description = "update"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Grid intrusion" || len(got.Markings) != 1 || got.Markings[0] != stix.TLPRed.MarkingID() {
		t.Errorf("the signed update was built on the forged version: name %q, markings %v", got.Name, got.Markings)
	}

	// The same for a statement its drafter publishes.
	s := draftStatement(t)
	s.Threshold = 1
	s.Markings = []string{stix.TLPRed.MarkingID()}
	if _, err := fr.CreateStatement(ctx, s); err != nil {
		t.Fatal(err)
	}
	fs := *s
	fs.Markings = []string{stix.TLPClear.MarkingID()}
	so, err := fs.Object(t0.Add(3 * time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateObjects(ctx, "feed", []*stix.Object{so}); err != nil {
		t.Fatal(err)
	}
	if err := fr.StoreSigned(ctx, f.endorse(t, s, "DE", t0.Add(4*time.Minute))); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(5 * time.Minute)
	pub, _, err := fr.PublishStatement(ctx, s.ID, func(st *Statement, objs []*stix.Object) *Quorum { return CountEndorsements(st, objs, f.v) })
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Markings) != 1 || pub.Markings[0] != stix.TLPRed.MarkingID() {
		t.Errorf("published with markings %v, want the drafter's TLP:RED", pub.Markings)
	}
}

// FuzzCountEndorsements: counting never panics on what a bundle holds,
// and never counts an endorsement the verifier refuses.
func FuzzCountEndorsements(f *testing.F) {
	fed := newFederation(f)
	s := draftStatement(f)
	if _, err := s.Object(t0); err != nil {
		f.Fatal(err)
	}
	e := fed.endorse(f, s, "DE", t0.Add(time.Hour))
	f.Add([]byte(e.Raw), []byte(e.Raw))
	unsigned, _ := Endorse(s, orgIDs["IT"], "x", t0.Add(time.Hour))
	f.Add([]byte(unsigned.Raw), []byte(e.Raw))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var objs []*stix.Object
		for _, raw := range [][]byte{a, b} {
			if o, err := stix.ParseObject(raw); err == nil {
				objs = append(objs, o)
			}
		}
		q := CountEndorsements(s, objs, fed.v)
		for _, c := range q.Counted {
			found := false
			for _, o := range objs {
				if _, err := fed.v.Verify(o); err == nil && o.ID == c.Endorsement {
					found = true
				}
			}
			if !found {
				t.Fatalf("counted %s, which does not verify", c.Endorsement)
			}
		}
	})
}
