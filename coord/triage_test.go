package coord

import (
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

func TestTriage(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	svc := newService(store, orgIDs["FR"], "FR", &now)
	a := &Alert{ID: stix.NewID(AlertType), Name: "x", Rule: "same-indicator", Severity: SeverityHigh, Created: now, Modified: now}
	ao, err := a.Object()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Store(ctx, ao); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddTriage(ctx, &Triage{AlertRef: a.ID, Status: "bogus", By: "ana"}); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Fatalf("bogus status: %v, want EINVALID", err)
	}
	if _, err := svc.AddTriage(ctx, &Triage{AlertRef: AlertType + "--6d4f3c59-5c1e-4f0c-9e53-6c2ad1f1b0aa", Status: TriageAcknowledged, By: "ana"}); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Fatalf("unknown alert: %v, want ENOTFOUND", err)
	}
	if _, err := svc.AddTriage(ctx, &Triage{AlertRef: a.ID, Status: TriageAcknowledged, By: "ana"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := svc.AddTriage(ctx, &Triage{AlertRef: a.ID, Status: TriageAcknowledged, Assignee: "bo", By: "ana", Comment: "bo takes it"}); err != nil {
		t.Fatal(err)
	}
	steps, err := svc.ReadAs(nil).FindTriage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := steps[a.ID]
	if len(got) != 2 || got[1].Comment != "bo takes it" || got[0].By != "ana" {
		t.Fatalf("steps %+v", got)
	}
	if st, who := Current(got); st != TriageAcknowledged || who != "bo" {
		t.Errorf("current %s %s", st, who)
	}
	if st, who := Current(nil); st != TriageOpen || who != "" {
		t.Errorf("no steps: %s %s", st, who)
	}
	notes := store.Objects(t, alertColl, TriageType)
	if len(notes) != 2 {
		t.Fatalf("%d triage steps stored", len(notes))
	}
	for _, o := range notes {
		if err := stix.Validate(o); err != nil {
			t.Errorf("%s: %v", o.ID, err)
		}
		if stix.Restriction(o) != stix.TLPRed {
			t.Errorf("triage step %s may travel as %s, want TLP:RED addressed to the node's organisation", o.ID, stix.Restriction(o))
		}
		if orgs, _ := stix.Recipients(o); len(orgs) != 1 || orgs[0] != orgIDs["FR"] {
			t.Errorf("triage step addressed to %v", orgs)
		}
	}
}
