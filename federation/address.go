package federation

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// RecipientsExtensionID is the id of the extension-definition by which an
// object names the organisations it is for. An addressed object never
// leaves its creator's node in clear: it goes only to the organisations
// named, sealed to them (and through hubs, which cannot open it).
const RecipientsExtensionID = trust.RecipientsExtensionID

// rampartIdentityID is the identity that publishes Rampart's extension
// definitions (trust.ExtensionDefinition returns it).
const rampartIdentityID = "identity--a7b08d7a-2a56-41fe-8f80-55c94479f85d"

const recipientsDefinitionJSON = `{
  "type": "extension-definition",
  "spec_version": "2.1",
  "id": "` + RecipientsExtensionID + `",
  "created_by_ref": "` + rampartIdentityID + `",
  "created": "2026-11-01T00:00:00.000Z",
  "modified": "2026-11-01T00:00:00.000Z",
  "name": "Rampart recipients",
  "description": "Names the organisations an object is for. A Rampart node sends an addressed object only to those organisations, encrypted to their keys as an x-rampart-sealed envelope, never in clear. The creator's signature covers the list, so no relay can change it.",
  "schema": "The extension object has two properties: extension_type (\"property-extension\") and recipients, a list of 1 to 64 STIX identity ids of member organisations of the federation's trust registry.",
  "version": "1.0.0",
  "extension_types": ["property-extension"]
}`

// RecipientsExtensionDefinition returns the extension-definition object of
// RecipientsExtensionID, so that a node can serve it and other tools can
// resolve the id. trust.ExtensionDefinition returns its publisher.
func RecipientsExtensionDefinition() *stix.Object {
	o, err := stix.ParseObject([]byte(recipientsDefinitionJSON))
	if err != nil {
		return nil // the built-in JSON is broken: a bug that tests catch
	}
	return o
}

type recipientsExtension struct {
	ExtensionType string   `json:"extension_type"`
	Recipients    []string `json:"recipients"`
}

// Recipients returns the organisations o is addressed to, nil when it is
// not addressed. It returns an error when the extension is there but
// malformed: not a property extension, no recipients, more than
// trust.MaxRecipients, or a recipient that is not an identity id. A node
// treats such an object as addressed to no one, so it never leaves.
func Recipients(o *stix.Object) ([]string, error) {
	// Most objects are not addressed; a scan is cheaper than decoding. A
	// name may be spelt with \u escapes, which the scan would miss, so an
	// object with any such escape is decoded.
	if !bytes.Contains(o.Raw, []byte(RecipientsExtensionID)) && !bytes.Contains(o.Raw, []byte(`\u`)) {
		return nil, nil
	}
	var top struct {
		Extensions map[string]jsontext.Value `json:"extensions"`
	}
	if err := json.Unmarshal(o.Raw, &top); err != nil {
		return nil, fmt.Errorf("%s %q: extensions: %v", o.Type, o.ID, err)
	}
	raw, ok := top.Extensions[RecipientsExtensionID]
	if !ok {
		return nil, nil
	}
	var ext recipientsExtension
	if err := json.Unmarshal(raw, &ext, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("%s %q: extensions[%q]: %v", o.Type, o.ID, RecipientsExtensionID, err)
	}
	if ext.ExtensionType != stix.ExtensionProperty {
		return nil, fmt.Errorf("%s %q: extensions[%q]: extension_type must be %q (got %q)", o.Type, o.ID, RecipientsExtensionID, stix.ExtensionProperty, ext.ExtensionType)
	}
	if err := checkRecipients(ext.Recipients); err != nil {
		return nil, fmt.Errorf("%s %q: extensions[%q]: %v", o.Type, o.ID, RecipientsExtensionID, err)
	}
	return ext.Recipients, nil
}

func checkRecipients(orgs []string) error {
	if len(orgs) == 0 || len(orgs) > trust.MaxRecipients {
		return fmt.Errorf("recipients must name 1 to %d organisations (got %d)", trust.MaxRecipients, len(orgs))
	}
	for i, org := range orgs {
		if typ, _, err := stix.ParseID(org); err != nil || typ != "identity" {
			return fmt.Errorf("recipients[%d] must be a STIX identity id, identity--UUID (got %q)", i, org)
		}
		if slices.Contains(orgs[:i], org) {
			return fmt.Errorf("recipients[%d]: %q is named twice", i, org)
		}
	}
	return nil
}

// Address returns o addressed to the organisations orgs (STIX identity
// ids), replacing any earlier addressing. Address an object before its
// creator signs it: the signature covers the recipients, and Address
// refuses a signed object, whose signature it would break.
func Address(o *stix.Object, orgs ...string) (*stix.Object, error) {
	if trust.IsSigned(o) {
		return nil, fmt.Errorf("address %s %q: the object is signed already; address it first, then sign it", o.Type, o.ID)
	}
	if err := checkRecipients(orgs); err != nil {
		return nil, fmt.Errorf("address %s %q: %v", o.Type, o.ID, err)
	}
	var members map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &members); err != nil {
		return nil, fmt.Errorf("address %s %q: %v", o.Type, o.ID, err)
	}
	exts := map[string]jsontext.Value{}
	if raw, ok := members["extensions"]; ok {
		if err := json.Unmarshal(raw, &exts); err != nil {
			return nil, fmt.Errorf("address %s %q: extensions: %v", o.Type, o.ID, err)
		}
	}
	ext, err := json.Marshal(recipientsExtension{stix.ExtensionProperty, orgs})
	if err != nil {
		return nil, err
	}
	exts[RecipientsExtensionID] = ext
	if members["extensions"], err = json.Marshal(exts, json.Deterministic(true)); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(members, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	out, err := stix.ParseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("address %s %q: %v", o.Type, o.ID, err)
	}
	return out, nil
}
