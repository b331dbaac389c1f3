package node

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

func TestIncidentOptionsCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       IncidentOptions
		sub     string
		wantErr string // "" for none
		hint    string
	}{
		{"create", IncidentOptions{Name: "Wiper", Detected: "2026-03-10T09:30:00Z", Given: []string{"name", "detected"}}, "create", "", ""},
		{"create without a name", IncidentOptions{Detected: "2026-03-10T09:30:00Z", Given: []string{"detected"}}, "create",
			"incident create needs --name TEXT and --detected TIME", `rampart incident create --name "Wiper at grid operators" --detected 2026-03-10T09:30:00Z`},
		{"create with a bad detection time", IncidentOptions{Name: "Wiper", Detected: "tuesday", Given: []string{"name", "detected"}}, "create", `--detected "tuesday"`, ""},
		{"create with a bad marking", IncidentOptions{Name: "Wiper", Detected: "now", TLP: "blue", Given: []string{"name", "detected", "tlp"}}, "create", "--tlp:", ""},
		{"a bad marking matters to create only", IncidentOptions{TLP: "blue", Given: []string{"tlp"}}, "list", "", ""},
		{"limit too low", IncidentOptions{Limit: 0}, "attribute", "--limit must be from 1 to 100 (got 0)", ""},
		{"limit too high", IncidentOptions{Limit: 101}, "attribute", "--limit must be from 1 to 100 (got 101)", ""},
		{"limit", IncidentOptions{Limit: 100}, "attribute", "", ""},
		{"update lowering the marking", IncidentOptions{TLP: "clear", Given: []string{"tlp"}}, "update", "--tlp is set when an incident is created", ""},
		{"update changing nothing", IncidentOptions{Given: []string{"data", "key", "now"}, Now: "now"}, "update", "incident update needs at least one change", ""},
		{"update with a note", IncidentOptions{Note: "informed", Given: []string{"data", "note"}}, "update", "", ""},
		{"bad clock", IncidentOptions{Now: "later"}, "list", `--now "later"`, ""},
		{"bad report time", IncidentOptions{At: "later"}, "report", `--at "later"`, ""},
		{"empty detection time given", IncidentOptions{Given: []string{"detected"}}, "update", `--detected ""`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Check(tc.sub)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v; want none", err)
				}
				return
			}
			ce, ok := AsConfigError(err)
			if !ok || !strings.Contains(ce.Msg, tc.wantErr) || ce.Hint != tc.hint {
				t.Fatalf("Check: %#v; want a ConfigError with %q, hint %q", err, tc.wantErr, tc.hint)
			}
		})
	}
}

func TestIncidentOptionsChange(t *testing.T) {
	o := IncidentOptions{Name: "Wiper", Level: "high", MemberState: "fr", Affected: "de, it", Sectors: "energy",
		Significant: false, Description: "not given", Detected: "2026-03-10T09:30:00Z", At: "2026-03-10T19:30:00Z",
		Now: "2026-03-12T00:00:00Z", Given: []string{"name", "level", "member-state", "affected", "sectors", "significant", "detected", "at", "now"}}
	if err := o.Check("update"); err != nil {
		t.Fatal(err)
	}
	detected := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	want := coord.IncidentChange{Name: new("Wiper"), EULevel: new("high"), MemberState: new("FR"), AffectedMemberStates: &[]string{"DE", "IT"},
		Sectors: &[]string{"energy"}, Significant: new(false), Detected: &detected}
	if diff := cmp.Diff(want, o.Change()); diff != "" {
		t.Errorf("Change (-want +got):\n%s", diff)
	}
	if !o.Clock().Equal(time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)) || !o.ReportedAt().Equal(time.Date(2026, 3, 10, 19, 30, 0, 0, time.UTC)) {
		t.Errorf("Clock %v, ReportedAt %v; want --now and --at", o.Clock(), o.ReportedAt())
	}
	if o.Marking() != stix.TLPAmber {
		t.Errorf("Marking = %v; want TLP:AMBER without --tlp", o.Marking())
	}

	o = IncidentOptions{Name: "Wiper", Detected: "now", TLP: "red", Given: []string{"name", "detected", "tlp"}}
	before := time.Now().UTC()
	if err := o.Check("create"); err != nil {
		t.Fatal(err)
	}
	if o.Marking() != stix.TLPRed || o.Clock().Before(before) || o.ReportedAt().Before(before) {
		t.Errorf("Marking %v, Clock %v, ReportedAt %v; want TLP:RED and the time of Check", o.Marking(), o.Clock(), o.ReportedAt())
	}
}
