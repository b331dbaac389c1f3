package stix

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"slices"
)

// RecipientsExtensionID is the id of Rampart's property extension by which
// an object names the organisations it is for. STIX has no property for
// this; a Rampart node sends an addressed object only to the organisations
// named, sealed to their keys, never in clear, and shows it inside a node
// only to accounts of those organisations (and of its creator).
// Package trust publishes the extension definition.
const RecipientsExtensionID = "extension-definition--199a39e1-8294-46d0-8712-4be8437da8b3"

// MaxRecipients is the most organisations an object may be addressed to.
const MaxRecipients = 64

type recipientsExtension struct {
	ExtensionType string   `json:"extension_type"`
	Recipients    []string `json:"recipients"`
}

// Addressed reports whether o carries the recipients extension at all,
// well formed or not: an addressed object is for its recipients alone, and
// one whose list cannot be read is for nobody (see Recipients).
func Addressed(o *Object) bool {
	if !bytes.Contains(o.Raw, []byte(RecipientsExtensionID)) && !bytes.Contains(o.Raw, []byte(`\u`)) {
		return false
	}
	_, ok := extensionMember(o)
	return ok
}

// extensionMember returns the raw recipients extension of o, if any. Member
// names are compared after JSON unescaping, so a name spelt with \u escapes
// counts as the plain name does.
func extensionMember(o *Object) (jsontext.Value, bool) {
	var top struct {
		Extensions map[string]jsontext.Value `json:"extensions"`
	}
	if err := json.Unmarshal(o.Raw, &top); err != nil {
		// The whole object cannot be read: as far as anyone can tell,
		// it may be addressed.
		return nil, true
	}
	raw, ok := top.Extensions[RecipientsExtensionID]
	return raw, ok
}

// Recipients returns the organisations (STIX identity ids) o is addressed
// to, nil when it is not addressed. It returns an error when the extension
// is there but malformed: not a property extension, no recipients, more
// than MaxRecipients, a recipient that is not an identity id, or one named
// twice. Such an object is addressed to no one: nobody but its creator may
// read it, and it never leaves its node.
func Recipients(o *Object) ([]string, error) {
	// Most objects are not addressed; a scan is cheaper than decoding. A
	// name may be spelt with \u escapes, which the scan would miss, so an
	// object with any such escape is decoded.
	if !bytes.Contains(o.Raw, []byte(RecipientsExtensionID)) && !bytes.Contains(o.Raw, []byte(`\u`)) {
		return nil, nil
	}
	raw, ok := extensionMember(o)
	if !ok {
		return nil, nil
	}
	if raw == nil {
		return nil, fmt.Errorf("%s %q: extensions cannot be read", o.Type, o.ID)
	}
	var ext recipientsExtension
	if err := json.Unmarshal(raw, &ext, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("%s %q: extensions[%q]: %v", o.Type, o.ID, RecipientsExtensionID, jsonErrorText(err))
	}
	if ext.ExtensionType != ExtensionProperty {
		return nil, fmt.Errorf("%s %q: extensions[%q]: extension_type must be %q (got %q)", o.Type, o.ID, RecipientsExtensionID, ExtensionProperty, ext.ExtensionType)
	}
	if err := CheckRecipients(ext.Recipients); err != nil {
		return nil, fmt.Errorf("%s %q: extensions[%q]: %v", o.Type, o.ID, RecipientsExtensionID, err)
	}
	return ext.Recipients, nil
}

// CheckRecipients checks a list of recipients: 1 to MaxRecipients STIX
// identity ids, none twice.
func CheckRecipients(orgs []string) error {
	if len(orgs) == 0 || len(orgs) > MaxRecipients {
		return fmt.Errorf("recipients must name 1 to %d organisations (got %d)", MaxRecipients, len(orgs))
	}
	for i, org := range orgs {
		if typ, _, err := ParseID(org); err != nil || typ != "identity" {
			return fmt.Errorf("recipients[%d] must be a STIX identity id, identity--UUID (got %q)", i, org)
		}
		if slices.Contains(orgs[:i], org) {
			return fmt.Errorf("recipients[%d]: %q is named twice", i, org)
		}
	}
	return nil
}

// WithRecipients returns o addressed to the organisations orgs, replacing
// any earlier addressing and keeping every other property and extension.
// It changes the object's JSON, so a signature over o no longer holds:
// address first, then sign (trust.Address refuses a signed object).
func WithRecipients(o *Object, orgs ...string) (*Object, error) {
	if err := CheckRecipients(orgs); err != nil {
		return nil, fmt.Errorf("address %s %q: %v", o.Type, o.ID, err)
	}
	var members map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &members); err != nil {
		return nil, fmt.Errorf("address %s %q: %v", o.Type, o.ID, jsonErrorText(err))
	}
	exts := map[string]jsontext.Value{}
	if raw, ok := members["extensions"]; ok {
		if err := json.Unmarshal(raw, &exts); err != nil {
			return nil, fmt.Errorf("address %s %q: extensions: %v", o.Type, o.ID, jsonErrorText(err))
		}
	}
	ext, err := json.Marshal(recipientsExtension{ExtensionProperty, orgs})
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
	out, err := ParseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("address %s %q: %v", o.Type, o.ID, err)
	}
	return out, nil
}

// Restriction returns how far o may travel in clear, as a TLP level: the
// strictest TLP marking applied anywhere in o (StrictestTLP), and TLPRed for
// an object addressed to named organisations, well formed or not. An object
// without any TLP marking gives TLPUnmarked, which the caller's policy
// interprets.
func Restriction(o *Object) TLP {
	if Addressed(o) {
		return TLPRed
	}
	return StrictestTLP(o)
}

// References returns the ids of the objects o is about: the values of its
// *_ref and *_refs properties, top-level and in its property extensions (a
// sighting's sighting_of_ref and observed_data_refs, a relationship's
// source and target, the object_refs of a note, opinion, report or
// grouping, an alert's refs, an incident's alert_refs in its extension),
// without created_by_ref and object_marking_refs, and without ids of
// identities, locations, marking and extension definitions and
// cyber-observables, which name organisations, places and values rather
// than intelligence. What is derived from an object is restricted at least
// as much as the object (rampart.Policy); these are the objects it is
// derived from. An object that cannot be read gives nil.
func References(o *Object) []string {
	if !bytes.Contains(o.Raw, []byte(`_ref`)) {
		return nil
	}
	var members map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &members); err != nil {
		return nil
	}
	var out []string
	add := func(id string) {
		typ := IDType(id)
		switch typ {
		case "", "identity", "location", "marking-definition", "extension-definition":
			return
		}
		if CategoryOf(typ) == SCO || slices.Contains(out, id) {
			return
		}
		out = append(out, id)
	}
	refsIn(members, add)
	if raw, ok := members["extensions"]; ok {
		var exts map[string]jsontext.Value
		if json.Unmarshal(raw, &exts) == nil {
			for _, ext := range exts {
				var m map[string]jsontext.Value
				if json.Unmarshal(ext, &m) == nil {
					refsIn(m, add)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// refsIn calls add with every id of the *_ref and *_refs members of an
// object's (or extension's) members.
func refsIn(members map[string]jsontext.Value, add func(string)) {
	for name, v := range members {
		switch {
		case name == "created_by_ref" || name == "object_marking_refs":
		case len(name) > 4 && name[len(name)-4:] == "_ref":
			var id string
			if json.Unmarshal(v, &id) == nil {
				add(id)
			}
		case len(name) > 5 && name[len(name)-5:] == "_refs":
			var ids []string
			if json.Unmarshal(v, &ids) == nil {
				for _, id := range ids {
					add(id)
				}
			}
		}
	}
}
