package federation

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

func TestAddress(t *testing.T) {
	f := sharedFed(t)
	o := object(t, orgFR, stix.TLPRed, "for two", `,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}}`)
	if to, err := Recipients(o); err != nil || to != nil {
		t.Fatalf("Recipients of an object not addressed: %v, %v", to, err)
	}
	addressed, err := Address(o, orgDE, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	to, err := Recipients(addressed)
	if err != nil || !slices.Equal(to, []string{orgDE, orgIT}) {
		t.Errorf("Recipients = %v, %v; want DE and IT", to, err)
	}
	if !strings.Contains(string(addressed.Raw), `"rank":5`) {
		t.Errorf("Address lost another extension: %s", addressed.Raw)
	}
	if addressed.ID != o.ID || !addressed.Modified.Equal(o.Modified) {
		t.Errorf("Address changed the object's id or version")
	}
	again, err := Address(addressed, orgHub)
	if err != nil {
		t.Fatal(err)
	}
	if to, _ := Recipients(again); !slices.Equal(to, []string{orgHub}) {
		t.Errorf("addressing again: %v, want the hub alone", to)
	}
	signed := f.signed(t, addressed)
	if _, err := Address(signed, orgIT); err == nil || !strings.Contains(err.Error(), "address it first, then sign it") {
		t.Errorf("Address of a signed object: %v", err)
	}
	if to, err := Recipients(signed); err != nil || len(to) != 2 {
		t.Errorf("the signature hides the recipients: %v, %v", to, err)
	}
	for _, bad := range [][]string{nil, {"identity--x"}, {orgDE, orgDE}, {"indicator--11111111-1111-4111-8111-111111111111"}} {
		if _, err := Address(o, bad...); err == nil {
			t.Errorf("Address(%v) accepted", bad)
		}
	}
	def := RecipientsExtensionDefinition()
	if def == nil || def.ID != RecipientsExtensionID {
		t.Fatalf("RecipientsExtensionDefinition = %v", def)
	}
	if err := stix.Validate(def); err != nil {
		t.Errorf("the extension definition is not valid STIX: %v", err)
	}
}

func TestRecipientsMalformed(t *testing.T) {
	for _, ext := range []string{
		`{"extension_type":"property-extension","recipients":[]}`,
		`{"extension_type":"property-extension"}`,
		`{"extension_type":"new-sdo","recipients":["` + orgDE + `"]}`,
		`{"extension_type":"property-extension","recipients":["` + orgDE + `"],"note":"x"}`,
		`{"extension_type":"property-extension","recipients":"` + orgDE + `"}`,
		`{"extension_type":"property-extension","recipients":["nobody"]}`,
	} {
		o := object(t, orgFR, stix.TLPGreen, "m", `,"extensions":{"`+RecipientsExtensionID+`":`+ext+`}`)
		if to, err := Recipients(o); err == nil {
			t.Errorf("Recipients accepted %s: %v", ext, to)
		}
	}
}

// FuzzRecipients: Recipients never panics, and what it accepts Address
// writes back the same.
func FuzzRecipients(f *testing.F) {
	f.Add(`{"extension_type":"property-extension","recipients":["` + orgDE + `","` + orgIT + `"]}`)
	f.Add(`{"extension_type":"property-extension","recipients":[]}`)
	f.Add(`{}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, ext string) {
		raw := `{"type":"note","spec_version":"2.1","id":"note--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"x","object_refs":["identity--11111111-1111-4111-8111-111111111111"],"extensions":{"` + RecipientsExtensionID + `":` + ext + `}}`
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			return
		}
		to, err := Recipients(o)
		if err != nil || to == nil {
			return
		}
		again, err := Address(o, to...)
		if err != nil {
			t.Fatalf("Address of accepted recipients %v: %v", to, err)
		}
		back, err := Recipients(again)
		if err != nil || !slices.Equal(back, to) {
			t.Fatalf("round trip: %v, %v; want %v", back, err, to)
		}
	})
}
