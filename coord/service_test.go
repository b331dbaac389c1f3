package coord

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

func newService(store *coordtest.Store, org, state string, now *time.Time) *Service {
	return &Service{Objects: store, CollectionID: alertColl, ReadFrom: []string{"feed"}, Organization: org, MemberState: state,
		Now: func() time.Time { return *now }}
}

func TestServiceIncidents(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := date("2026-03-10T10:00:00Z")
	fr := newService(store, orgIDs["FR"], "FR", &now)
	de := newService(store, orgIDs["DE"], "DE", &now)

	joint := &Incident{Name: "Grid intrusions (joint)", Detected: date("2026-03-10T09:30:00Z"), EULevel: EULevelElevated}
	if err := fr.CreateIncident(ctx, joint); err != nil {
		t.Fatal(err)
	}
	own := &Incident{Name: "Grid intrusion at a German operator", Detected: date("2026-03-10T08:00:00Z"),
		Sectors: []string{"energy"}, JointIncidentRef: joint.ID, EULevel: EULevelHigh}
	if err := de.CreateIncident(ctx, own); err != nil {
		t.Fatal(err)
	}
	if own.MemberState != "DE" || own.CreatedBy != orgIDs["DE"] || len(own.Timeline) != 1 {
		t.Errorf("defaults: state %q, creator %q, timeline %v", own.MemberState, own.CreatedBy, own.Timeline)
	}

	// France updates its joint incident; Germany may not.
	now = now.Add(time.Hour)
	got, err := fr.UpdateIncident(ctx, joint.ID, func(inc *Incident) error {
		inc.MemberIncidentRefs = append(inc.MemberIncidentRefs, "incident--00000000-0000-4000-8000-00000000beef")
		inc.Timeline = append(inc.Timeline, TimelineEntry{Time: now, Activity: "CSIRTs network informed"})
		return inc.Submit(ReportEarlyWarning, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if store.Versions(joint.ID, alertColl) != 2 || got.Submitted[ReportEarlyWarning] != now {
		t.Errorf("update: %d versions, submitted %v", store.Versions(joint.ID, alertColl), got.Submitted)
	}
	_, err = de.UpdateIncident(ctx, joint.ID, func(inc *Incident) error { inc.Name = "mine now"; return nil })
	if rampart.ErrorCode(err) != rampart.EFORBIDDEN || !strings.Contains(rampart.ErrorMessage(err), "only its creator writes new versions") {
		t.Errorf("foreign update: %v", err)
	}
	_, err = fr.UpdateIncident(ctx, joint.ID, func(inc *Incident) error { inc.EULevel = "purple"; return nil })
	if rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("bad update: %v", err)
	}
	if _, err := fr.FindIncidentByID(ctx, "incident--00000000-0000-4000-8000-000000000000"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("unknown incident: %v", err)
	}

	// The joint view, from either incident.
	for _, id := range []string{joint.ID, own.ID} {
		v, err := fr.FindJointIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Joint.ID != joint.ID || len(v.Members) != 1 || v.Members[0].ID != own.ID {
			t.Errorf("joint view of %s: joint %s, members %d", id, v.Joint.ID, len(v.Members))
		}
		if diff := cmp.Diff([]string{"DE", "FR"}, v.MemberStates); diff != "" {
			t.Errorf("member states (-want +got):\n%s", diff)
		}
		if v.EULevel != EULevelHigh || len(v.Missing) != 1 || len(v.Timeline) != 3 || v.Timeline[1].Actor != "DE" || v.Timeline[2].Actor != "FR" {
			t.Errorf("joint view: level %s, missing %v, timeline %v", v.EULevel, v.Missing, v.Timeline)
		}
	}

	// Deadlines flagged against the service's clock.
	now = date("2026-03-14T12:00:00Z")
	overdue := true
	list, err := fr.FindIncidents(ctx, IncidentFilter{Overdue: &overdue})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, inc := range list {
		ids = append(ids, inc.ID+" "+strings.Join(inc.Overdue(now), ","))
	}
	want := []string{
		joint.ID + " notification",             // early warning submitted
		own.ID + " early-warning,notification", // nothing submitted
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("overdue incidents (-want +got):\n%s", diff)
	}
	state := "DE"
	if list, _ := fr.FindIncidents(ctx, IncidentFilter{MemberState: &state}); len(list) != 1 || list[0].ID != own.ID {
		t.Errorf("filter by member state: %d", len(list))
	}
}

func TestServiceStatementFlow(t *testing.T) {
	f := newFederation(t)
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	svc := newService(store, orgIDs["FR"], "FR", &now)
	svc.Sign = f.ids["FR"].Sign
	s := draftStatement(t)
	s.Threshold = 2
	if _, err := svc.CreateStatement(ctx, s); err != nil {
		t.Fatal(err)
	}
	count := func(st *Statement, objs []*stix.Object) *Quorum { return CountEndorsements(st, objs, f.v) }
	if err := svc.StoreSigned(ctx, f.endorse(t, s, "DE", now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	_, q, err := svc.PublishStatement(ctx, s.ID, count)
	if rampart.ErrorCode(err) != rampart.EINVALID || !strings.Contains(rampart.ErrorMessage(err), "1 more needed") || q.Reached {
		t.Fatalf("publish with one endorsement: %v", err)
	}
	if err := svc.StoreSigned(ctx, f.endorse(t, s, "IT", now)); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	pub, q, err := svc.PublishStatement(ctx, s.ID, count)
	if err != nil {
		t.Fatal(err)
	}
	if pub.Status != StatementPublished || !q.Reached || len(pub.EndorsementRefs) != 2 {
		t.Errorf("published: %s, endorsements %v", pub.Status, pub.EndorsementRefs)
	}
	objs, err := svc.StatementObjects(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := CheckStatements(objs, f.v)
	if err != nil || len(checks) != 1 || !checks[0].OK() {
		t.Fatalf("offline check of the exported objects: %v %+v", err, checks)
	}
	if len(objs) != 4 { // draft, published, two endorsements
		t.Errorf("statement objects: %d", len(objs))
	}
}
