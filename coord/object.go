package coord

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/stix"
)

// objectMembers returns the members of a JSON object (an empty map for
// nil), to edit one version into the next.
func objectMembers(raw jsontext.Value) (map[string]jsontext.Value, error) {
	m := map[string]jsontext.Value{}
	if len(raw) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// extensionMembers returns the "extensions" dictionary of members.
func extensionMembers(members map[string]jsontext.Value) (map[string]jsontext.Value, error) {
	exts := map[string]jsontext.Value{}
	if raw, ok := members["extensions"]; ok {
		if err := json.Unmarshal(raw, &exts); err != nil {
			return nil, fmt.Errorf("extensions: %v", err)
		}
	}
	return exts, nil
}

// setOrDelete sets a string member, or removes it when s is empty (STIX
// forbids empty strings for most properties).
func setOrDelete(members map[string]jsontext.Value, name, s string) {
	if s == "" {
		delete(members, name)
		return
	}
	b, _ := json.Marshal(s)
	members[name] = b
}

// newObject encodes members (in a fixed order, so that the same content
// always gives the same bytes) and parses the result, validating it
// against STIX 2.1.
func newObject(members map[string]jsontext.Value) (*stix.Object, error) {
	b, err := json.Marshal(members, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	o, err := stix.ParseObject(b)
	if err != nil {
		return nil, err
	}
	if err := stix.Validate(o); err != nil {
		return nil, err
	}
	return o, nil
}

// marshalObject encodes a struct as a STIX object and validates it.
func marshalObject(v any) (*stix.Object, error) {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	var members map[string]jsontext.Value
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, err
	}
	return newObject(members)
}

// newSDOExtension is the extensions value every object of a type defined
// by a new-sdo extension-definition carries.
func newSDOExtension(id string) map[string]map[string]string {
	return map[string]map[string]string{id: {"extension_type": stix.ExtensionNewSDO}}
}

// validCountry reports whether c is an ISO 3166-1 alpha-2 code in upper
// case (or "EU", which the trust registry uses for EU bodies).
func validCountry(c string) bool {
	return len(c) == 2 && 'A' <= c[0] && c[0] <= 'Z' && 'A' <= c[1] && c[1] <= 'Z'
}

// lowerHyphen reports whether s is lower-case words joined by '-', the
// form of STIX vocabulary values.
func lowerHyphen(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// dedupe returns the distinct values of list, sorted; nil for none.
func dedupe(list []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(list)))
}
