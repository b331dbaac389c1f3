package node

import (
	"context"
	json "encoding/json/v2"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

func TestIncidentLifecycle(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, true, true).Node
	name, state, level := "Wiper at grid operators", "FR", coord.EULevelElevated
	detected := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	inc, err := n.CreateIncident(ctx, coord.IncidentChange{Name: &name, MemberState: &state, EULevel: &level, Detected: &detected}, stix.TLPAmber, "first call")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inc.ID, "incident--") || inc.Name != name || !inc.Detected.Equal(detected) {
		t.Errorf("created %+v", inc)
	}
	if len(inc.Markings) != 1 || inc.Markings[0] != stix.TLPAmber.MarkingID() {
		t.Errorf("markings %q, want TLP:AMBER's", inc.Markings)
	}
	if len(inc.Timeline) != 1 || inc.Timeline[0].Activity != "first call" {
		t.Errorf("timeline %+v, want the note first", inc.Timeline)
	}
	raw, err := n.CoordinationObject(ctx, inc.ID)
	if err != nil || !strings.Contains(string(raw), `"id":"`+inc.ID+`"`) {
		t.Errorf("CoordinationObject = %s, %v; want the incident's JSON", raw, err)
	}
	if raw, err := n.CoordinationObject(ctx, "incident--00000000-0000-4000-8000-000000000000"); raw != nil || err != nil {
		t.Errorf("CoordinationObject of a missing incident = %s, %v; want nil, nil", raw, err)
	}

	high := coord.EULevelHigh
	up, err := n.UpdateIncident(ctx, inc.ID, coord.IncidentChange{EULevel: &high}, "CSIRTs network informed")
	if err != nil {
		t.Fatal(err)
	}
	last := up.Timeline[len(up.Timeline)-1]
	if up.EULevel != high || up.Name != name || last.Activity != "CSIRTs network informed" || last.Actor != "FR" {
		t.Errorf("updated: level %q name %q last entry %+v", up.EULevel, up.Name, last)
	}

	rep, d, err := n.ReportIncident(ctx, inc.ID, coord.ReportEarlyWarning, detected.Add(10*time.Hour), "ANSSI-1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != coord.ReportEarlyWarning || d.State(detected.Add(10*time.Hour)) != coord.StateSubmitted {
		t.Errorf("deadline %+v, state %q", d, d.State(detected.Add(10*time.Hour)))
	}
	if e := rep.Timeline[len(rep.Timeline)-1]; e.Description != "reference ANSSI-1" {
		t.Errorf("report entry %+v, want the reference", e)
	}

	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"unknown report kind", errOf(n.ReportIncident(ctx, inc.ID, "interim", detected, "")), "report kind must be"},
		{"bad level", errOf(n.CreateIncident(ctx, coord.IncidentChange{Name: &name, Detected: &detected, EULevel: new("purple")}, stix.TLPAmber, "")), "eu_alert_level"},
		{"missing incident", errOf(n.UpdateIncident(ctx, "incident--00000000-0000-4000-8000-000000000000", coord.IncidentChange{}, "x")), "no incident"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, tc.err, tc.want)
		}
	}
}

// errOf returns the error a call returns last, after one value or more.
func errOf[T any](_ T, rest ...any) error {
	e, _ := rest[len(rest)-1].(error)
	return e
}

func TestLatestAttribution(t *testing.T) {
	ctx := context.Background()
	// Without keys the incident is not addressed, so it stays TLP:AMBER.
	n := openAuditNode(t, false, false).Node
	name, detected := "x", time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	inc, err := n.CreateIncident(ctx, coord.IncidentChange{Name: &name, Detected: &detected}, stix.TLPAmber, "")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := n.LatestAttribution(ctx, inc.ID); s != nil || err != nil {
		t.Fatalf("before any attribution: %+v, %v; want nil, nil", s, err)
	}
	a, note, err := n.AttributeIncident(ctx, inc.ID, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := n.LatestAttribution(ctx, inc.ID)
	if err != nil || s == nil {
		t.Fatalf("LatestAttribution = %+v, %v", s, err)
	}
	if s.NoteID != note.ID || s.TLP != "TLP:AMBER" || !strings.Contains(s.Abstract, "abstained") {
		t.Errorf("summary %+v; want note %s, TLP:AMBER, an abstract saying the engine abstained", s, note.ID)
	}
	b, err := IncidentAttributionJSON(a, note)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Note struct {
			ID string `json:"id"`
		} `json:"note"`
		Attribution struct {
			Incident  string `json:"incident_ref"`
			Abstained bool   `json:"abstained"`
		} `json:"attribution"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.Note.ID != note.ID || doc.Attribution.Incident != inc.ID || !doc.Attribution.Abstained {
		t.Errorf("JSON %s", b)
	}
	if code := rampart.ErrorCode(errOf(n.LatestAttribution(ctx, "incident--00000000-0000-4000-8000-000000000000"))); code != "" {
		t.Errorf("LatestAttribution of a missing incident: code %q, want no error", code)
	}
}
