package trust

import (
	"fmt"

	"github.com/rampart-cti/rampart/stix"
)

const recipientsDefinitionJSON = `{
  "type": "extension-definition",
  "spec_version": "2.1",
  "id": "` + stix.RecipientsExtensionID + `",
  "created_by_ref": "` + extensionCreatorID + `",
  "created": "2026-11-01T00:00:00.000Z",
  "modified": "2026-11-01T00:00:00.000Z",
  "name": "Rampart recipients",
  "description": "Names the organisations an object is for. A Rampart node sends an addressed object only to those organisations, encrypted to their keys as an x-rampart-sealed envelope, never in clear, and shows it only to their accounts and its creator's. The creator's signature covers the list, so no relay can change it.",
  "schema": "The extension object has two properties: extension_type (\"property-extension\") and recipients, a list of 1 to 64 STIX identity ids of organisations.",
  "version": "1.0.0",
  "extension_types": ["property-extension"]
}`

// RecipientsExtensionDefinition returns the extension-definition object of
// stix.RecipientsExtensionID, so that a node can serve it and other tools
// can resolve the id. ExtensionDefinition returns its publisher.
func RecipientsExtensionDefinition() *stix.Object {
	o, err := stix.ParseObject([]byte(recipientsDefinitionJSON))
	if err != nil {
		return nil // the built-in JSON is broken: a bug that tests catch
	}
	return o
}

// Address returns o addressed to the organisations orgs (STIX identity
// ids), replacing any earlier addressing (stix.WithRecipients). Address an
// object before its creator signs it: the signature covers the recipients,
// so no relay can change them; Address refuses a signed object, whose
// signature it would break.
func Address(o *stix.Object, orgs ...string) (*stix.Object, error) {
	if IsSigned(o) {
		return nil, fmt.Errorf("address %s %q: the object is signed already; address it first, then sign it", o.Type, o.ID)
	}
	return stix.WithRecipients(o, orgs...)
}
