package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

func TestFindIncidentListAndView(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, true, false).Node
	name, state := "Wiper at grid operators", "FR"
	detected := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	inc, err := n.CreateIncident(ctx, coord.IncidentChange{Name: &name, MemberState: &state, Detected: &detected}, stix.TLPAmber, "")
	if err != nil {
		t.Fatal(err)
	}

	o := IncidentOptions{MemberState: "fr", Overdue: true, Now: "2026-03-12T00:00:00Z", JSON: true}
	if err := o.Check("list"); err != nil {
		t.Fatal(err)
	}
	l, err := n.FindIncidentList(ctx, &o)
	if err != nil || len(l.Incidents) != 1 || len(l.Raw) != 1 || !strings.Contains(string(l.Raw[0]), inc.ID) {
		t.Fatalf("FindIncidentList = %+v, %v; want the incident with its JSON", l, err)
	}
	var b strings.Builder
	if err := l.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.HasPrefix(got, "ID  ") || !strings.Contains(got, inc.ID+"  FR     2026-03-10T09:30:00Z  -      new     early-warning  ") ||
		!strings.HasSuffix(got, name+"\n") {
		t.Errorf("WriteText =\n%s", got)
	}
	b.Reset()
	if err := l.WriteJSON(&b); err != nil || b.String() != string(l.Raw[0])+"\n" {
		t.Errorf("WriteJSON = %q, %v; want the stored incident, one line", b.String(), err)
	}
	o = IncidentOptions{MemberState: "DE"}
	if err := o.Check("list"); err != nil {
		t.Fatal(err)
	}
	if l, err := n.FindIncidentList(ctx, &o); err != nil || len(l.Incidents) != 0 || l.Raw != nil {
		t.Errorf("incidents of DE: %+v, %v; want none", l, err)
	}

	o = IncidentOptions{Now: "2026-03-12T00:00:00Z"}
	if err := o.Check("show"); err != nil {
		t.Fatal(err)
	}
	v, err := n.FindIncidentView(ctx, inc.ID, &o)
	if err != nil || v.Incident == nil || v.Raw != nil || v.Attribution != nil || v.AttributionErr != nil {
		t.Fatalf("FindIncidentView = %+v, %v", v, err)
	}
	b.Reset()
	if err := v.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), "incident "+inc.ID+"  "+name+"\n") || strings.Contains(b.String(), "latest attribution") {
		t.Errorf("WriteText = %q, %v", b.String(), err)
	}
	v.Attribution = &AttributionSummary{NoteID: "note--1", Created: detected, Abstract: "APT-Example, 0.82", TLP: "TLP:AMBER"}
	v.AttributionErr = errors.New("store gone")
	b.Reset()
	if err := v.WriteText(&b); err != v.AttributionErr ||
		!strings.HasSuffix(b.String(), "  latest attribution: APT-Example, 0.82\n    note note--1, 2026-03-10T09:30:00Z, TLP:AMBER\n") {
		t.Errorf("WriteText with an attribution = %q, %v; want it summarised, then the error", b.String(), err)
	}
	v.Raw = nil
	b.Reset()
	if err := v.WriteJSON(&b); err != nil || !strings.Contains(b.String(), inc.ID) || strings.Count(b.String(), "\n") != 1 {
		t.Errorf("WriteJSON of an incident read from elsewhere = %q, %v; want it as parsed, one line", b.String(), err)
	}
	if _, err := n.FindIncidentView(ctx, "incident--00000000-0000-4000-8000-000000000000", &o); err == nil {
		t.Errorf("FindIncidentView of a missing incident: no error")
	}
}
