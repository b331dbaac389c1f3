package coord

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// withholdRed releases every object but those marked TLP:RED, and records
// the collections it was asked about.
type withholdRed struct {
	pages map[string]int
}

func (w *withholdRed) release(_ context.Context, coll string, objs []*stix.Object) ([]*stix.Object, error) {
	w.pages[coll]++
	out := make([]*stix.Object, len(objs))
	for i, o := range objs {
		if stix.StrictestTLP(o) != stix.TLPRed {
			out[i] = o
		}
	}
	return out, nil
}

// TestViewWithholds checks that a View reads only what its release lets
// through, on every page and from every collection read: a withheld
// incident is absent from listings, unknown by id, and leaves no member,
// state or timeline entry in a joint view; an incident whose latest
// version is withheld is absent, whatever its earlier versions.
func TestViewWithholds(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := date("2026-03-10T10:00:00Z")
	fr := newService(store, orgIDs["FR"], "FR", &now)
	de := newService(store, orgIDs["DE"], "DE", &now)
	de.CollectionID = "feed" // Germany's incidents reach France in a collection it reads from
	red := []string{stix.TLPRed.MarkingID()}

	joint := &Incident{Name: "joint", Detected: date("2026-03-10T09:30:00Z"), Markings: []string{stix.TLPGreen.MarkingID()}}
	must(t, fr.CreateIncident(ctx, joint))
	open := &Incident{Name: "German member", Detected: date("2026-03-10T08:00:00Z"), JointIncidentRef: joint.ID,
		Markings: []string{stix.TLPGreen.MarkingID()}, Timeline: []TimelineEntry{{Time: date("2026-03-10T08:00:00Z"), Activity: "open entry"}}}
	must(t, de.CreateIncident(ctx, open))
	secret := &Incident{Name: "secret member", Detected: date("2026-03-10T07:00:00Z"), JointIncidentRef: joint.ID, Markings: red,
		AffectedMemberStates: []string{"IT"}, EULevel: EULevelCrisis,
		Timeline: []TimelineEntry{{Time: date("2026-03-10T07:00:00Z"), Activity: "secret entry"}}}
	must(t, de.CreateIncident(ctx, secret))
	// More incidents than a page holds, so that release is applied to
	// every page, not only the first.
	for i := range 4 {
		inc := &Incident{Name: "filler", Detected: date("2026-03-01T00:00:00Z").Add(time.Duration(i) * time.Hour), Markings: red}
		must(t, fr.CreateIncident(ctx, inc))
	}
	// An incident raised to TLP:RED: its earlier version does not stand
	// for it.
	raised := &Incident{Name: "raised", Detected: date("2026-03-10T06:00:00Z"), Markings: []string{stix.TLPGreen.MarkingID()}}
	must(t, fr.CreateIncident(ctx, raised))
	now = now.Add(time.Hour)
	_, err := fr.UpdateIncident(ctx, raised.ID, func(inc *Incident) error {
		inc.Name, inc.Markings = "raised, now secret", red
		return nil
	})
	must(t, err)

	w := &withholdRed{pages: map[string]int{}}
	v := fr.ReadAs(w.release)

	list, err := v.FindIncidents(ctx, IncidentFilter{})
	must(t, err)
	var names []string
	for _, inc := range list {
		names = append(names, inc.Name)
	}
	if diff := cmp.Diff([]string{"joint", "German member"}, names); diff != "" {
		t.Errorf("incidents read (-want +got):\n%s", diff)
	}
	if w.pages[alertColl] < 2 || w.pages["feed"] == 0 {
		t.Errorf("release asked about %v: want every page of both collections", w.pages)
	}
	all, err := fr.FindIncidents(ctx, IncidentFilter{})
	must(t, err)
	if len(all) != 8 {
		t.Errorf("the service itself reads %d incidents, want all 8", len(all))
	}

	_, errSecret := v.FindIncidentByID(ctx, secret.ID)
	_, errUnknown := v.FindIncidentByID(ctx, "incident--00000000-0000-4000-8000-000000000000")
	if rampart.ErrorCode(errSecret) != rampart.ENOTFOUND ||
		strings.ReplaceAll(rampart.ErrorMessage(errSecret), secret.ID, "ID") != strings.ReplaceAll(rampart.ErrorMessage(errUnknown), "incident--00000000-0000-4000-8000-000000000000", "ID") {
		t.Errorf("withheld incident: %v; unknown incident: %v: want the same not found", errSecret, errUnknown)
	}
	if inc, err := v.FindIncidentByID(ctx, raised.ID); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("incident whose latest version is withheld: %v, %v; want not found", inc, err)
	}

	j, err := v.FindJointIncident(ctx, open.ID)
	must(t, err)
	if len(j.Members) != 1 || j.Members[0].ID != open.ID {
		t.Errorf("joint members: %v, want the German one alone", j.Members)
	}
	for _, e := range j.Timeline {
		if e.Activity == "secret entry" {
			t.Errorf("the withheld member's timeline entry is in the joint view")
		}
	}
	if diff := cmp.Diff([]string{"DE", "FR"}, j.MemberStates); diff != "" || j.EULevel == EULevelCrisis {
		t.Errorf("joint view drawn from the withheld member: states (-want +got):\n%s, level %s", diff, j.EULevel)
	}
	if _, err := v.FindJointIncident(ctx, secret.ID); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("joint view of a withheld incident: %v, want not found", err)
	}
}

// TestViewStatementObjects checks that endorsements a reader may not read
// are not among a statement's objects, and that a release that fails or
// answers for other objects than it was given fails the read.
func TestViewStatementObjects(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	fr := newService(store, orgIDs["FR"], "FR", &now)
	st := &Statement{Name: "s", Text: "Attributed.", IncidentRefs: []string{coordtest.UUID("incident", 1)}, IntrusionSetRef: coordtest.UUID("intrusion-set", 1),
		Confidence: 50, Invited: []string{orgIDs["FR"], orgIDs["DE"]}, Threshold: 1}
	_, err := fr.CreateStatement(ctx, st)
	must(t, err)
	open, err := Endorse(st, orgIDs["FR"], "", now)
	must(t, err)
	secret, err := Endorse(st, orgIDs["DE"], "", now)
	must(t, err)
	secret = coordtest.MustObject(t, strings.Replace(string(secret.Raw), `"type"`, `"object_marking_refs":["`+stix.TLPRed.MarkingID()+`"],"type"`, 1))
	must(t, fr.StoreSigned(ctx, open, secret))

	w := &withholdRed{pages: map[string]int{}}
	objs, err := fr.ReadAs(w.release).StatementObjects(ctx, st.ID)
	must(t, err)
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	if diff := cmp.Diff([]string{st.ID, open.ID}, ids); diff != "" {
		t.Errorf("statement objects (-want +got):\n%s", diff)
	}

	boom := errors.New("audit log unavailable")
	for name, release := range map[string]Release{
		"error": func(context.Context, string, []*stix.Object) ([]*stix.Object, error) { return nil, boom },
		"short": func(_ context.Context, _ string, objs []*stix.Object) ([]*stix.Object, error) {
			return objs[:len(objs)-1], nil
		},
	} {
		if _, err := fr.ReadAs(release).FindStatements(ctx); err == nil {
			t.Errorf("release %s: the read succeeded", name)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
