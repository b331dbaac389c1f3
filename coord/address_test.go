package coord

import (
	"slices"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// TestCoordinationAddressed: incidents go to the member states they name,
// statements and endorsements to the states invited (regression: they
// were unaddressed TLP:AMBER, which went to the hub only and never reached
// the member states concerned).
func TestCoordinationAddressed(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := date("2026-03-10T10:00:00Z")
	fr := newService(store, orgIDs["FR"], "FR", &now)
	fr.MemberStateOrgs = func(cc string) []string {
		if id := orgIDs[cc]; id != "" {
			return []string{id}
		}
		return nil
	}
	recipients := func(id string) []string {
		t.Helper()
		objs := store.Objects(t, alertColl, stix.IDType(id))
		var last *stix.Object
		for _, o := range objs {
			if o.ID == id && (last == nil || o.Version().Compare(last.Version()) > 0) {
				last = o
			}
		}
		if last == nil {
			t.Fatalf("%s not stored", id)
		}
		to, err := stix.Recipients(last)
		if err != nil {
			t.Fatal(err)
		}
		return to
	}
	inc := &Incident{Name: "Wiper at grid operators", Detected: now.Add(-time.Hour), AffectedMemberStates: []string{"DE"}}
	if err := fr.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if got, want := recipients(inc.ID), []string{orgIDs["FR"], orgIDs["DE"]}; !slices.Equal(got, want) {
		t.Errorf("incident addressed to %v, want FR and DE", got)
	}
	now = now.Add(time.Minute)
	if _, err := fr.UpdateIncident(ctx, inc.ID, func(i *Incident) error {
		i.AffectedMemberStates = append(i.AffectedMemberStates, "IT")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := recipients(inc.ID), []string{orgIDs["FR"], orgIDs["DE"], orgIDs["IT"]}; !slices.Equal(got, want) {
		t.Errorf("updated incident addressed to %v, want FR, DE and IT", got)
	}
	green := &Incident{Name: "Public advisory", Detected: now, AffectedMemberStates: []string{"DE"}, Markings: []string{stix.TLPGreen.MarkingID()}}
	if err := fr.CreateIncident(ctx, green); err != nil {
		t.Fatal(err)
	}
	if got := recipients(green.ID); got != nil {
		t.Errorf("a TLP:GREEN incident is addressed to %v: the community may have it", got)
	}

	st := draftStatement(t)
	o, err := fr.CreateStatement(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{orgIDs["FR"], orgIDs["DE"], orgIDs["IT"], orgIDs["ES"]}
	if got, _ := stix.Recipients(o); !slices.Equal(got, want) {
		t.Errorf("statement addressed to %v, want the drafter and the invited", got)
	}
	e, err := Endorse(st, orgIDs["DE"], "agreed", now)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := stix.Recipients(e); !slices.Equal(got, want) {
		t.Errorf("endorsement addressed to %v, want the drafter and the invited", got)
	}
	if !IsEndorsementOf(e, st.ID) {
		t.Error("an addressed endorsement is no longer read as one")
	}
}
