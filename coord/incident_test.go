package coord

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

func sampleIncident() *Incident {
	crit := 70
	return &Incident{
		Name: "Wiper at two grid operators", Description: "Destructive malware on OT jump hosts.",
		CreatedBy: "identity--11111111-1111-4111-8111-111111111111", Markings: []string{stix.TLPAmber.MarkingID()},
		Determination: "confirmed", InvestigationStatus: StatusOpen, Criticality: &crit, IncidentTypes: []string{"destruction"},
		MemberState: "FR", Detected: date("2026-03-10T09:30:00Z"), Significant: true,
		AffectedMemberStates: []string{"FR", "DE"}, Sectors: []string{"energy"},
		CrossBorderImpact: "Cross-border electricity trading disrupted.", EULevel: EULevelHigh,
		Timeline: []TimelineEntry{
			{Time: date("2026-03-10T09:30:00Z"), Actor: "FR", Activity: "incident recorded"},
			{Time: date("2026-03-10T11:00:00Z"), Actor: "CERT-FR", Activity: "hosts isolated", Description: "12 jump hosts"},
		},
		AlertRefs: []string{"x-rampart-alert--5b1c0c4e-1d0e-4e57-9f2b-2f7f5fd0b7a1"},
	}
}

func TestIncidentRoundTrip(t *testing.T) {
	inc := sampleIncident()
	if err := inc.Submit(ReportEarlyWarning, date("2026-03-10T20:00:00Z")); err != nil {
		t.Fatal(err)
	}
	now := date("2026-03-14T12:00:00Z")
	o, err := inc.Object(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := stix.Validate(o); err != nil {
		t.Fatalf("not valid STIX: %v\n%s", err, o.Raw)
	}
	if w := stix.Warnings(o); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	got, err := ParseIncident(o)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleIncident()
	want.ID, want.Created, want.Modified, want.CrossBorder = o.ID, now, now, true
	want.Submitted = map[string]time.Time{ReportEarlyWarning: date("2026-03-10T20:00:00Z")}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Incident{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	// What other tools read: deadlines, the overdue notification as of
	// this version, cross-border, incident-core.
	var raw struct {
		Extensions map[string]map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(o.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	n := raw.Extensions[NIS2ExtensionID]
	for k, v := range map[string]any{
		"early_warning_due": "2026-03-11T09:30:00.000Z", "notification_due": "2026-03-13T09:30:00.000Z",
		"final_report_due": "2026-04-13T09:30:00.000Z", "early_warning_submitted": "2026-03-10T20:00:00.000Z",
		"cross_border": true, "eu_alert_level": "high", "member_state": "FR",
	} {
		if n[k] != v {
			t.Errorf("extension %s = %v, want %v", k, n[k], v)
		}
	}
	if diff := cmp.Diff([]any{"notification"}, n["overdue"]); diff != "" {
		t.Errorf("overdue (-want +got):\n%s", diff)
	}
	if c := raw.Extensions[IncidentCoreExtensionID]; c["determination"] != "confirmed" || c["investigation_status"] != "open" || c["criticality"] != 70.0 {
		t.Errorf("incident-core: %v", c)
	}
}

func TestIncidentNewVersionKeepsForeignProperties(t *testing.T) {
	// An incident from another tool, signed, with a custom property and a
	// foreign extension, and an incident-core member Rampart does not
	// manage.
	o := coordtest.MustObject(t, `{"type":"incident","spec_version":"2.1","id":"incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10",
		"created":"2026-03-10T10:00:00.000Z","modified":"2026-03-10T10:00:00.000Z","name":"From elsewhere",
		"x_other_tool_ticket":"INC-4711",
		"extensions":{
			"extension-definition--ef765651-680c-498d-9894-99799f2fa126":{"extension_type":"property-extension","determination":"suspected","investigation_status":"new","recoverability":"regular"},
			"extension-definition--0c9d3d5a-1111-4e1e-9a3a-7f1e8e1f1a11":{"extension_type":"property-extension","queue":"soc"},
			"`+trust.ExtensionID+`":{"extension_type":"property-extension","signatures":[{"protected":"e30","signature":"AA"}]}}}`)
	inc, err := ParseIncident(o)
	if err != nil {
		t.Fatal(err)
	}
	if !inc.Detected.Equal(date("2026-03-10T10:00:00Z")) {
		t.Errorf("detected falls back to created: got %v", inc.Detected)
	}
	inc.EULevel = EULevelElevated
	next, err := inc.Object(date("2026-03-10T10:00:00Z")) // same time: modified must still move
	if err != nil {
		t.Fatal(err)
	}
	if !next.Modified.Time().Equal(date("2026-03-10T10:00:00.001Z")) {
		t.Errorf("modified = %s, want a millisecond after the previous version", next.Modified)
	}
	var m map[string]jsontext.Value
	json.Unmarshal(next.Raw, &m)
	if string(m["x_other_tool_ticket"]) != `"INC-4711"` {
		t.Errorf("custom property lost: %s", next.Raw)
	}
	for _, want := range []string{`"queue":"soc"`, `"recoverability":"regular"`, `"eu_alert_level":"elevated"`} {
		if !strings.Contains(string(next.Raw), want) {
			t.Errorf("new version lacks %s: %s", want, next.Raw)
		}
	}
	if trust.IsSigned(next) {
		t.Error("new version kept the old signature, which no longer matches it")
	}
}

func TestIncidentValidate(t *testing.T) {
	crit := 101
	tests := []struct {
		name string
		edit func(*Incident)
		want string
	}{
		{"no name", func(i *Incident) { i.Name = " " }, "name is required"},
		{"no detection time", func(i *Incident) { i.Detected = time.Time{} }, "detected"},
		{"lower-case state", func(i *Incident) { i.MemberState = "fr" }, `member_state must be an ISO 3166-1 alpha-2 code in upper case (got "fr")`},
		{"bad affected state", func(i *Incident) { i.AffectedMemberStates = []string{"FRA"} }, `affected_member_states: "FRA"`},
		{"bad sector", func(i *Incident) { i.Sectors = []string{"Energy"} }, `sectors: "Energy"`},
		{"bad level", func(i *Incident) { i.EULevel = "red" }, `eu_alert_level must be one of normal, elevated, high, crisis (got "red")`},
		{"bad determination", func(i *Incident) { i.Determination = "maybe" }, `determination must be one of`},
		{"criticality out of range", func(i *Incident) { i.Criticality = &crit }, "criticality must be between 0 and 100 (got 101)"},
		{"timeline without activity", func(i *Incident) { i.Timeline = []TimelineEntry{{Time: t0}} }, "timeline[0]: activity is required"},
		{"report before detection", func(i *Incident) {
			i.Submitted = map[string]time.Time{ReportNotification: date("2026-01-01T00:00:00Z")}
		}, "notification submitted at 2026-01-01T00:00:00Z, before detection"},
		{"bad joint ref", func(i *Incident) { i.JointIncidentRef = "incident-42" }, `"incident-42"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := sampleIncident()
			tt.edit(inc)
			_, err := inc.Object(t0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestIncidentReport(t *testing.T) {
	inc := sampleIncident()
	at := date("2026-03-10T20:00:00Z")
	if err := inc.Report(ReportEarlyWarning, at, "CERT-FR", "ANSSI-2026-0042"); err != nil {
		t.Fatal(err)
	}
	if got := inc.Submitted[ReportEarlyWarning]; !got.Equal(at) {
		t.Errorf("early warning submitted %v, want %v", got, at)
	}
	want := TimelineEntry{Time: at, Actor: "CERT-FR", Activity: ReportEarlyWarning + " submitted", Description: "reference ANSSI-2026-0042"}
	if diff := cmp.Diff(want, inc.Timeline[len(inc.Timeline)-1]); diff != "" {
		t.Errorf("timeline entry of the report (-want +got):\n%s", diff)
	}
	n := len(inc.Timeline)
	if err := inc.Report(ReportNotification, date("2026-03-09T00:00:00Z"), "CERT-FR", ""); err == nil || len(inc.Timeline) != n {
		t.Errorf("a report before detection: %v, timeline of %d entries (want %d)", err, len(inc.Timeline), n)
	}
}
