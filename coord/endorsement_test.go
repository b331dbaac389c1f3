package coord

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

func TestSignStatement(t *testing.T) {
	f := newFederation(t)
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	fr := newService(store, orgIDs["FR"], "FR", &now)
	fr.Sign = f.ids["FR"].Sign
	s := draftStatement(t)
	s.Threshold = 2
	if _, err := fr.CreateStatement(ctx, s); err != nil {
		t.Fatal(err)
	}
	// An unsigned statement, as anyone with write access could store.
	forged := draftStatement(t)
	forged.CreatedBy = orgIDs["DE"]
	fo, err := forged.Object(t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateObjects(ctx, "feed", []*stix.Object{fo}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Hour)
	sign := func(c, id, terms string, force bool) (*Endorsed, error) {
		return fr.SignStatement(ctx, SignRequest{Statement: id, Terms: terms, Signer: f.ids[c], Verifier: f.v, Force: force})
	}
	for _, tc := range []struct {
		name         string
		country, id  string
		terms        string
		force        bool
		want         error
		says, reason string
		counted      int
	}{
		{name: "not invited", country: "PL", id: s.ID, want: ErrWouldNotCount, says: "would not count toward the quorum: not invited"},
		{name: "other terms read", country: "DE", id: s.ID, terms: "stale-digest", want: ErrTermsChanged, says: "not the stale-digest you gave"},
		{name: "unsigned statement", country: "DE", id: forged.ID, want: ErrDrafterSignature, says: "its terms may not be its drafter's: "},
		{name: "invited", country: "DE", id: s.ID, terms: s.TermsDigest(), counted: 1},
		{name: "twice", country: "DE", id: s.ID, want: ErrWouldNotCount, says: "duplicate signer"},
		{name: "outsider forced", country: "OUT", id: s.ID, force: true, reason: RejectNotMember, counted: 1},
		{name: "second state", country: "FR", id: s.ID, counted: 2},
	} {
		now = now.Add(time.Minute)
		t.Run(tc.name, func(t *testing.T) {
			before, _ := fr.StatementObjects(ctx, tc.id)
			e, err := sign(tc.country, tc.id, tc.terms, tc.force)
			after, _ := fr.StatementObjects(ctx, tc.id)
			if tc.want != nil {
				var se *SignError
				if !errors.Is(err, tc.want) || !errors.As(err, &se) || !strings.Contains(err.Error(), tc.says) {
					t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.says)
				}
				if len(after) != len(before) {
					t.Errorf("an endorsement was stored: %d objects, were %d", len(after), len(before))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before)+1 {
				t.Errorf("%d objects after signing, were %d", len(after), len(before))
			}
			if e.Counts != (tc.reason == "") || !strings.HasPrefix(e.Reason, tc.reason) {
				t.Errorf("counts %v (%q), want the reason %q", e.Counts, e.Reason, tc.reason)
			}
			if got := len(e.Quorum.Counted); got != tc.counted {
				t.Errorf("%d endorsements count, want %d", got, tc.counted)
			}
			if e.Endorsement.CreatedByRef != orgIDs[tc.country] {
				t.Errorf("endorsement by %s", e.Endorsement.CreatedByRef)
			}
		})
	}
	if _, err := sign("DE", "x-rampart-statement--00000000-0000-4000-8000-000000000000", "", false); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("an unknown statement: %v", err)
	}
	// The default explanation names the organisation from the registry.
	objs, _ := fr.StatementObjects(ctx, s.ID)
	found := false
	for _, o := range objs {
		found = found || o.CreatedByRef == orgIDs["FR"] && strings.Contains(string(o.Raw), `"CSIRT FR (FR) endorses this statement."`)
	}
	if !found {
		t.Errorf("no endorsement by FR with the default explanation")
	}
	// Read at once for a list, the endorsements are those of each
	// statement.
	all, err := fr.ReadAs(nil).FindEndorsements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all[s.ID]), len(objs)-1; got != want || len(all) != 1 {
		t.Errorf("FindEndorsements: %d endorsements of %d statements, want %d of 1", got, len(all), want)
	}
}
