package trust

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

func TestAddress(t *testing.T) {
	f := newTestFed(t)
	o := indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00.000Z")
	addressed, err := Address(o, orgDE, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	signed := mustSign(t, f.ids[orgFR], addressed)
	if to, err := stix.Recipients(signed); err != nil || !slices.Equal(to, []string{orgDE, orgIT}) {
		t.Errorf("the signature hides the recipients: %v, %v", to, err)
	}
	if _, err := f.verifier().Verify(signed); err != nil {
		t.Errorf("an addressed, then signed object does not verify: %v", err)
	}
	if _, err := Address(signed, orgIT); err == nil || !strings.Contains(err.Error(), "address it first, then sign it") {
		t.Errorf("Address of a signed object: %v", err)
	}
	def := RecipientsExtensionDefinition()
	if def == nil || def.ID != stix.RecipientsExtensionID || def.CreatedByRef != extensionCreatorID {
		t.Fatalf("RecipientsExtensionDefinition = %v", def)
	}
	if err := stix.Validate(def); err != nil {
		t.Errorf("the extension definition is not valid STIX: %v", err)
	}
}
