package coord

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/trust"
)

// failWriter fails every write, to show WriteText returns its error.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestIncidentWriteText(t *testing.T) {
	detected := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	inc := &Incident{ID: "incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10", Name: "Wiper at grid operators", Description: "Disks wiped at two operators.",
		MemberState: "FR", CreatedBy: orgIDs["FR"], Detected: detected, InvestigationStatus: "open", Determination: "confirmed",
		EULevel: "high", Significant: true, AffectedMemberStates: []string{"FR", "DE"}, CrossBorder: true, CrossBorderImpact: "grid balancing",
		JointIncidentRef: "incident--00000000-0000-4000-8000-000000000001",
		Submitted:        map[string]time.Time{ReportEarlyWarning: detected.Add(10 * time.Hour)},
		Timeline:         []TimelineEntry{{Time: detected, Activity: "incident recorded"}, {Time: detected.Add(time.Hour), Actor: "FR", Activity: "call", Description: "with DE"}}}
	var b strings.Builder
	if err := inc.WriteText(&b, detected.Add(80*time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := `incident incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10  Wiper at grid operators
  Disks wiped at two operators.
  reported by FR (identity--11111111-1111-4111-8111-111111111111), detected 2026-03-10T09:30:00Z
  status open, determination confirmed, EU alert level high, significant
  affected member states: FR, DE; sectors: -; cross-border: true
  cross-border impact: grid balancing
  part of joint incident incident--00000000-0000-4000-8000-000000000001
  NIS2 deadlines at 2026-03-13T17:30:00Z:
    early-warning due 2026-03-11T09:30:00Z  SUBMITTED 2026-03-10T19:30:00Z
    notification  due 2026-03-13T09:30:00Z  OVERDUE
    final-report  due 2026-04-13T09:30:00Z  PENDING
  timeline:
    2026-03-10T09:30:00Z  -  incident recorded
    2026-03-10T10:30:00Z  FR  call (with DE)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}

	// A bare incident leaves out what it does not have.
	b.Reset()
	bare := &Incident{ID: "incident--x", Name: "n", Detected: detected, InvestigationStatus: "new", Determination: "suspected"}
	if err := bare.WriteText(&b, detected); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"affected", "cross-border", "joint", "timeline", "significant"} {
		if strings.Contains(b.String(), absent) {
			t.Errorf("bare incident mentions %q:\n%s", absent, b.String())
		}
	}
	if !strings.Contains(b.String(), "reported by - (-)") || !strings.Contains(b.String(), "EU alert level -\n") {
		t.Errorf("empty fields are not shown as -:\n%s", b.String())
	}
	if err := inc.WriteText(failWriter{}, detected); err == nil {
		t.Error("WriteText to a failing writer returned no error")
	}
}

func TestJointIncidentWriteText(t *testing.T) {
	detected := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	j := &JointIncident{
		Joint:        &Incident{ID: "incident--j", Name: "Joint"},
		Members:      []*Incident{{ID: "incident--de", Name: "DE view", MemberState: "DE", Detected: detected}, {ID: "incident--xx", Name: "anon", Detected: detected}},
		MemberStates: []string{"DE", "FR"}, EULevel: "elevated", Missing: []string{"incident--it"},
		Timeline: []TimelineEntry{{Time: detected, Actor: "DE", Activity: "contained"}},
	}
	var b strings.Builder
	if err := j.WriteText(&b, detected.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := `joint incident incident--j  Joint
  member states: DE, FR; sectors: -; EU alert level: elevated
  member incident incident--de (DE)  DE view  overdue: early-warning
  member incident incident--xx (-)  anon  overdue: early-warning
  member incident incident--it: not on this node yet
  timeline:
    2026-03-10T09:30:00Z  DE  contained
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}
}

func TestIncidentChangeApply(t *testing.T) {
	name, level, yes := "renamed", EULevelCrisis, true
	states := []string{"FR", "IT"}
	detected := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change IncidentChange
		want   func(*Incident)
	}{
		{"nothing given changes nothing", IncidentChange{}, func(*Incident) {}},
		{"given fields are set", IncidentChange{Name: &name, EULevel: &level, Significant: &yes, AffectedMemberStates: &states, Detected: &detected},
			func(inc *Incident) {
				inc.Name, inc.EULevel, inc.Significant, inc.AffectedMemberStates, inc.Detected = name, level, true, states, detected
			}},
		{"the criticality is copied", IncidentChange{Criticality: new(70), CrossBorder: &yes, AlertRefs: &[]string{"x-rampart-alert--1"}},
			func(inc *Incident) {
				inc.Criticality, inc.CrossBorder, inc.AlertRefs = new(70), true, []string{"x-rampart-alert--1"}
			}},
		{"an empty list clears one", IncidentChange{Sectors: new([]string)}, func(inc *Incident) { inc.Sectors = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := func() *Incident {
				return &Incident{Name: "Wiper", Description: "d", MemberState: "FR", EULevel: EULevelHigh, Sectors: []string{"energy"}, MemberIncidentRefs: []string{"incident--m"}}
			}
			got, want := base(), base()
			tc.change.Apply(got)
			tc.want(want)
			if got.Criticality != nil && got.Criticality == tc.change.Criticality {
				t.Error("the incident shares the change's criticality")
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(Incident{})); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertWriteText(t *testing.T) {
	seen := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	a := &Alert{ID: "x-rampart-alert--1", Name: "c2 sighted", Rule: "same-indicator", SubjectRef: "indicator--1", Severity: SeverityMedium,
		SeverityScore: 2, SeverityReasons: []string{"+1 sighted in 2 member states"}, MemberStates: []string{"DE", "FR"},
		FirstSeen: seen, LastSeen: seen.Add(2 * time.Hour), SightingRefs: []string{"sighting--1"}, IntrusionSetRefs: []string{"intrusion-set--1"},
		Watchlist: "fr-assets", Matches: []WatchMatch{{Kind: "network", Entry: "192.0.2.0/24", Value: "192.0.2.7"}}}
	var b strings.Builder
	if err := a.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `alert x-rampart-alert--1  c2 sighted
  rule same-indicator about indicator--1
  severity medium (score 2)
    +1 sighted in 2 member states
  member states: DE, FR; sectors: -
  seen 2026-03-10T09:00:00Z to 2026-03-10T11:00:00Z
  sighting sighting--1
  intrusion set intrusion-set--1
  watchlist fr-assets: network 192.0.2.0/24 matches 192.0.2.7
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}
}

func TestStatementText(t *testing.T) {
	f := newFederation(t)
	s := draftStatement(t)
	s.ID, s.Status, s.Created, s.Text = "x-rampart-statement--1", "draft", t0, "line one\nline two"
	q := &Quorum{Threshold: 2, Counted: []Endorser{{Endorsement: "opinion--1", Name: "CSIRT DE", Country: "DE", Signed: t0, Algorithms: [2]string{"ML-DSA-87", "ES384"}}},
		Rejected: []Rejection{{Endorsement: "opinion--2", Organization: orgIDs["PL"], Reason: "not invited"}}, Missing: []string{orgIDs["IT"]}}
	for _, tc := range []struct {
		name string
		reg  *trust.Registry
		want []string
	}{
		{"named from the registry", f.reg, []string{
			"statement x-rampart-statement--1  Joint statement on the grid intrusions\n",
			"  drafted by CSIRT FR (FR), " + t0.Format(time.RFC3339) + "\n  status draft\n",
			"  needs 3 of 4 invited: CSIRT FR (FR), CSIRT DE (DE), CSIRT IT (IT), CSIRT ES (ES)\n",
			"  terms " + s.TermsDigest() + "\n  | line one\n  | line two\n",
			"  counted      opinion--1  CSIRT DE (DE)  signed " + t0.Format(time.RFC3339) + "  ML-DSA-87+ES384\n",
			"  not counted  opinion--2  by CSIRT PL (PL): not invited\n",
			"  missing      CSIRT IT (IT)\n  quorum not reached: 1 of 2 required endorsements count\n",
		}},
		{"by id without a registry", nil, []string{"  drafted by " + orgIDs["FR"] + ", ", "  missing      " + orgIDs["IT"] + "\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := s.WriteTerms(&b, tc.reg); err != nil {
				t.Fatal(err)
			}
			if err := q.WriteText(&b, tc.reg); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in:\n%s", w, b.String())
				}
			}
		})
	}
	var b strings.Builder
	c := &StatementCheck{Statement: s, Quorum: &Quorum{Threshold: 1, Reached: true, Counted: q.Counted}, Problems: []string{"published without its endorsements"}}
	if err := c.WriteText(&b, f.reg); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"  | line two\n", "  quorum reached: 1 of 1", "  PROBLEM: published without its endorsements\n"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("check: missing %q in:\n%s", w, b.String())
		}
	}
	if strings.Contains(b.String(), "drafter's signature ok") {
		t.Errorf("check without a drafter's signature says it is ok:\n%s", b.String())
	}
	if err := c.WriteText(failWriter{}, f.reg); err == nil {
		t.Error("WriteText to a failing writer returned no error")
	}
}
