package coord

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// FuzzParseObjects: the readers of incidents, alerts and statements never
// panic, and what they accept and write again reads back the same.
func FuzzParseObjects(f *testing.F) {
	inc := sampleIncident()
	o, _ := inc.Object(t0)
	f.Add([]byte(o.Raw))
	a := &Alert{ID: coordtest.UUID(AlertType, 1), Name: "n", Rule: "same-indicator", Severity: SeverityLow, Created: t0, Modified: t0,
		MemberStates: []string{"DE", "FR"}, SightingRefs: []string{"sighting--00000000-0000-4000-8000-000000000001"}}
	o, _ = a.Object()
	f.Add([]byte(o.Raw))
	st := draftStatement(f)
	o, _ = st.Object(t0)
	f.Add([]byte(o.Raw))
	f.Add([]byte(`{"type":"incident","spec_version":"2.1","id":"incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10","created":"2026-03-10T10:00:00Z","modified":"2026-03-10T10:00:00Z","name":"x","extensions":{"` + NIS2ExtensionID + `":{"extension_type":"property-extension","detected":"2026-03-10T10:00:00Z","timeline":[{"time":"2026-03-10T10:00:00Z","activity":"a"}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := stix.ParseObject(data)
		if err != nil {
			return
		}
		ignore := cmpopts.IgnoreUnexported(Incident{}, Statement{})
		switch o.Type {
		case "incident":
			inc, err := ParseIncident(o)
			if err != nil {
				return
			}
			next, err := inc.Object(t0)
			if err != nil {
				return
			}
			back, err := ParseIncident(next)
			if err != nil {
				t.Fatalf("a written incident does not read back: %v\n%s", err, next.Raw)
			}
			if diff := cmp.Diff(inc, back, ignore, cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(0)); diff != "" {
				t.Fatalf("round trip (-written +read):\n%s", diff)
			}
		case AlertType:
			a, err := ParseAlert(o)
			if err != nil {
				return
			}
			next, err := a.Object()
			if err != nil {
				return
			}
			back, err := ParseAlert(next)
			if err != nil || !a.SameContent(back) {
				t.Fatalf("alert round trip: %v", err)
			}
		case StatementType:
			s, err := ParseStatement(o)
			if err != nil {
				return
			}
			next, err := s.Object(t0)
			if err != nil {
				return
			}
			back, err := ParseStatement(next)
			if err != nil || back.TermsDigest() != s.TermsDigest() {
				t.Fatalf("statement round trip changed the terms: %v", err)
			}
		}
	})
}
