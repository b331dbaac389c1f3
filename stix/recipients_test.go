package stix

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const (
	orgA = "identity--11111111-1111-4111-8111-111111111111"
	orgB = "identity--22222222-2222-4222-8222-222222222222"
	orgC = "identity--33333333-3333-4333-8333-333333333333"
)

func noteWith(t *testing.T, extra string) *Object {
	t.Helper()
	o, err := ParseObject([]byte(`{"type":"note","spec_version":"2.1","id":"note--6f8e2a0c-1d4b-4c5e-9a7f-3b2c1d0e9f8a","created":"2026-11-02T10:00:00.000Z","modified":"2026-11-02T10:00:00.000Z","created_by_ref":"` + orgA + `","content":"x","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]` + extra + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestWithRecipients(t *testing.T) {
	o := noteWith(t, `,"object_marking_refs":["`+TLPRed.MarkingID()+`"],"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}}`)
	if to, err := Recipients(o); err != nil || to != nil || Addressed(o) {
		t.Fatalf("Recipients of an object not addressed: %v, %v", to, err)
	}
	addressed, err := WithRecipients(o, orgB, orgC)
	if err != nil {
		t.Fatal(err)
	}
	to, err := Recipients(addressed)
	if err != nil || !slices.Equal(to, []string{orgB, orgC}) || !Addressed(addressed) {
		t.Errorf("Recipients = %v, %v; want B and C", to, err)
	}
	if !strings.Contains(string(addressed.Raw), `"rank":5`) {
		t.Errorf("WithRecipients lost another extension: %s", addressed.Raw)
	}
	if addressed.ID != o.ID || !addressed.Modified.Equal(o.Modified) {
		t.Errorf("WithRecipients changed the object's id or version")
	}
	again, err := WithRecipients(addressed, orgA)
	if err != nil {
		t.Fatal(err)
	}
	if to, _ := Recipients(again); !slices.Equal(to, []string{orgA}) {
		t.Errorf("addressing again: %v, want A alone", to)
	}
	for _, bad := range [][]string{nil, {"identity--x"}, {orgB, orgB}, {"indicator--11111111-1111-4111-8111-111111111111"}} {
		if _, err := WithRecipients(o, bad...); err == nil {
			t.Errorf("WithRecipients(%v) accepted", bad)
		}
	}
}

func TestRecipientsMalformed(t *testing.T) {
	for _, ext := range []string{
		`{"extension_type":"property-extension","recipients":[]}`,
		`{"extension_type":"property-extension"}`,
		`{"extension_type":"new-sdo","recipients":["` + orgB + `"]}`,
		`{"extension_type":"property-extension","recipients":["` + orgB + `"],"note":"x"}`,
		`{"extension_type":"property-extension","recipients":"` + orgB + `"}`,
		`{"extension_type":"property-extension","recipients":["nobody"]}`,
	} {
		o := noteWith(t, `,"extensions":{"`+RecipientsExtensionID+`":`+ext+`}`)
		if to, err := Recipients(o); err == nil {
			t.Errorf("Recipients accepted %s: %v", ext, to)
		}
		if !Addressed(o) || Restriction(o) != TLPRed {
			t.Errorf("a malformed addressing is not addressed to no one: %s", ext)
		}
	}
	// A name spelt with escapes is the same name.
	esc := `\u0065` + RecipientsExtensionID[1:]
	o := noteWith(t, `,"extensions":{"`+esc+`":{"extension_type":"property-extension","recipients":["`+orgB+`"]}}`)
	if to, err := Recipients(o); err != nil || !slices.Equal(to, []string{orgB}) {
		t.Errorf("escaped extension name: %v, %v", to, err)
	}
}

func TestReferences(t *testing.T) {
	for _, tc := range []struct {
		obj  string
		want []string
	}{
		{`{"type":"sighting","spec_version":"2.1","id":"sighting--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","created_by_ref":"` + orgA + `","sighting_of_ref":"indicator--11111111-1111-4111-8111-111111111111","observed_data_refs":["observed-data--11111111-1111-4111-8111-111111111111"],"where_sighted_refs":["` + orgB + `"],"object_marking_refs":["` + TLPGreen.MarkingID() + `"]}`,
			[]string{"indicator--11111111-1111-4111-8111-111111111111", "observed-data--11111111-1111-4111-8111-111111111111"}},
		{`{"type":"relationship","spec_version":"2.1","id":"relationship--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","relationship_type":"indicates","source_ref":"indicator--11111111-1111-4111-8111-111111111111","target_ref":"intrusion-set--11111111-1111-4111-8111-111111111111"}`,
			[]string{"indicator--11111111-1111-4111-8111-111111111111", "intrusion-set--11111111-1111-4111-8111-111111111111"}},
		{`{"type":"observed-data","spec_version":"2.1","id":"observed-data--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--11111111-1111-4111-8111-111111111111"]}`,
			nil},
		{`{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[x:y = 'z']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
			nil},
		// Refs in a property extension count, as an incident's alert_refs.
		{`{"type":"incident","spec_version":"2.1","id":"incident--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"x","extensions":{"extension-definition--11111111-1111-4111-8111-111111111111":{"extension_type":"property-extension","alert_refs":["x-rampart-alert--11111111-1111-4111-8111-111111111111"],"joint_incident_ref":"incident--22222222-2222-4222-8222-222222222222"}}}`,
			[]string{"incident--22222222-2222-4222-8222-222222222222", "x-rampart-alert--11111111-1111-4111-8111-111111111111"}},
	} {
		o, err := ParseObject([]byte(tc.obj))
		if err != nil {
			t.Fatal(err)
		}
		if got := References(o); !slices.Equal(got, tc.want) {
			t.Errorf("References(%s) = %v, want %v", o.Type, got, tc.want)
		}
	}
}

// FuzzRecipients: Recipients never panics, and what it accepts
// WithRecipients writes back the same.
func FuzzRecipients(f *testing.F) {
	f.Add(`{"extension_type":"property-extension","recipients":["` + orgB + `","` + orgC + `"]}`)
	f.Add(`{"extension_type":"property-extension","recipients":[]}`)
	f.Add(`{}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, ext string) {
		raw := fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"x","object_refs":[%q],"extensions":{%q:%s}}`, orgA, RecipientsExtensionID, ext)
		o, err := ParseObject([]byte(raw))
		if err != nil {
			return
		}
		References(o)
		to, err := Recipients(o)
		if err != nil || to == nil {
			return
		}
		again, err := WithRecipients(o, to...)
		if err != nil {
			t.Fatalf("WithRecipients of accepted recipients %v: %v", to, err)
		}
		back, err := Recipients(again)
		if err != nil || !slices.Equal(back, to) {
			t.Fatalf("round trip: %v, %v; want %v", back, err, to)
		}
	})
}
