package stix

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
)

// Limits on a single object. Exceeding one gives its own error (ErrTooLarge,
// ErrTooDeep) naming the limit, never a crash.
const (
	// MaxObjectBytes is the largest encoded object accepted (16 MiB).
	MaxObjectBytes = 16 << 20
	// MaxDepth is the deepest nesting of JSON objects and arrays accepted
	// inside one STIX object.
	MaxDepth = 64
)

var (
	// ErrTooLarge reports an object larger than MaxObjectBytes.
	ErrTooLarge = errors.New("object exceeds MaxObjectBytes (16 MiB)")
	// ErrTooDeep reports an object nested deeper than MaxDepth.
	ErrTooDeep = errors.New("object nesting exceeds MaxDepth (64)")
)

// Object is one STIX object (any type, custom ones included) as it travels:
// the properties every layer needs to route, store and filter it, and the
// object's JSON as received. Raw is authoritative; the other fields are read
// from it by ParseObject and never written back, so unknown and custom
// properties survive any number of round trips unchanged.
//
// An Object is not modified after ParseObject returns it and may be shared
// between goroutines.
type Object struct {
	Type string
	ID   string
	// SpecVersion is the object's spec_version. When the property is absent
	// it is "2.0" for objects that have "created" (STIX 2.0 SDOs and SROs)
	// and "2.1" otherwise (STIX 2.1 SCOs, where it is optional).
	SpecVersion string
	// SpecVersionSet reports whether spec_version was present.
	SpecVersionSet bool
	Created        Timestamp
	Modified       Timestamp
	CreatedByRef   string
	Revoked        bool
	// ObjectMarkingRefs are the object-level markings (TLP and others).
	ObjectMarkingRefs []string
	// Raw is the object's JSON, without insignificant whitespace.
	Raw jsontext.Value
}

// ParseObject reads one STIX object from its JSON text. It checks what every
// object must satisfy to be stored and routed: well-formed JSON within
// MaxObjectBytes and MaxDepth, a type, an identifier of that type, and
// well-formed created/modified/spec_version. Type-specific rules are checked
// by Validate. The returned Object keeps its own compact copy of data.
func ParseObject(data []byte) (*Object, error) {
	if len(data) > MaxObjectBytes {
		return nil, ErrTooLarge
	}
	spaced, err := checkDepth(data, MaxDepth)
	if err != nil {
		return nil, err
	}
	raw := jsontext.Value(append([]byte(nil), data...))
	if spaced {
		// Most objects arrive compact (every object a node stores is);
		// only the others pay for a second pass.
		if err := raw.Compact(); err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", jsonErrorText(err))
		}
	}
	if k := raw.Kind(); k != '{' {
		if err := raw.Compact(); err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", jsonErrorText(err))
		}
		return nil, fmt.Errorf("a STIX object must be a JSON object, not %s", kindName(k))
	}
	var h header
	if err := readHeader(raw, &h); err != nil {
		return nil, err
	}
	o := &Object{
		Type:              h.Type,
		ID:                h.ID,
		CreatedByRef:      h.CreatedByRef,
		Revoked:           h.Revoked,
		ObjectMarkingRefs: h.ObjectMarkingRefs,
		Raw:               raw,
	}
	if o.Type == "" {
		return nil, propertyError(o.ID, "type", "is required")
	}
	if err := CheckTypeName(o.Type); err != nil {
		return nil, propertyError(o.ID, "type", err.Error())
	}
	if o.ID == "" {
		return nil, &Error{Type: o.Type, Property: "id", Rule: "is required"}
	}
	typ, _, err2 := ParseID(o.ID)
	if err2 != nil {
		return nil, &Error{Type: o.Type, Property: "id", Rule: fmt.Sprintf("must be of the form %s--UUID (got %q)", o.Type, o.ID)}
	}
	if typ != o.Type {
		return nil, propertyError(o.ID, "id", fmt.Sprintf("must begin with the object's type %q", o.Type))
	}
	if h.Created != nil {
		if o.Created, err = ParseTimestamp(*h.Created); err != nil {
			return nil, propertyError(o.ID, "created", err.Error())
		}
	}
	if h.Modified != nil {
		if o.Modified, err = ParseTimestamp(*h.Modified); err != nil {
			return nil, propertyError(o.ID, "modified", err.Error())
		}
		if !o.Created.IsZero() && o.Modified.Compare(o.Created) < 0 {
			return nil, propertyError(o.ID, "modified", fmt.Sprintf("must not precede created (got %s < %s)", o.Modified, o.Created))
		}
	}
	switch {
	case h.SpecVersion != nil:
		o.SpecVersion, o.SpecVersionSet = *h.SpecVersion, true
		if o.SpecVersion != "2.1" && o.SpecVersion != "2.0" {
			return nil, propertyError(o.ID, "spec_version", fmt.Sprintf("must be \"2.1\" (got %q)", o.SpecVersion))
		}
	case h.Created != nil:
		o.SpecVersion = "2.0"
	default:
		o.SpecVersion = "2.1"
	}
	return o, nil
}

// Version returns the timestamp that identifies this version of the object:
// modified, else created, else the zero Timestamp (objects without either,
// such as SCOs, have a single version).
func (o *Object) Version() Timestamp {
	if !o.Modified.IsZero() {
		return o.Modified
	}
	return o.Created
}

// Decode unmarshals the object's JSON into v, typically a pointer to one of
// this package's typed structs.
func (o *Object) Decode(v any) error {
	if err := json.Unmarshal(o.Raw, v); err != nil {
		return fmt.Errorf("%s: %v", o.ID, jsonErrorText(err))
	}
	return nil
}

// Error is a problem with one property of one object. Its text names the
// object, the property and the broken rule:
//
//	indicator "indicator--…": valid_until must be later than valid_from (got …)
type Error struct {
	ID       string // object identifier, when known
	Type     string // object type, when the identifier is unknown
	Property string // JSON property name or path, e.g. "external_references[0].source_name"
	Rule     string // what is wrong, in words
}

func (e *Error) Error() string {
	who := quoteID(e.ID)
	if e.ID == "" {
		who = e.Type
	}
	switch {
	case who == "" && e.Property == "":
		return e.Rule
	case who == "":
		return e.Property + " " + e.Rule
	case e.Property == "":
		return fmt.Sprintf("%s: %s", who, e.Rule)
	}
	return fmt.Sprintf("%s: %s %s", who, e.Property, e.Rule)
}

func quoteID(id string) string {
	if t := IDType(id); t != "" {
		return fmt.Sprintf("%s %q", t, id)
	}
	return fmt.Sprintf("%q", id)
}

func propertyError(id, prop, rule string) *Error {
	return &Error{ID: id, Property: prop, Rule: rule}
}

// jsonErrorText strips the "json: " and "jsontext: " prefixes the encoding
// packages put on their errors.
func jsonErrorText(err error) string {
	s := err.Error()
	for _, p := range []string{"json: ", "jsontext: "} {
		if len(s) > len(p) && s[:len(p)] == p {
			s = s[len(p):]
		}
	}
	return s
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "empty input"
}

// checkDepth reports ErrTooDeep when data nests objects and arrays deeper than
// max, and whether data has whitespace outside strings (and so needs
// compacting). It scans bytes, skipping strings, so it is cheap and never
// recurses.
func checkDepth(data []byte, max int) (spaced bool, err error) {
	depth := 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return spaced, ErrTooDeep
			}
		case '}', ']':
			depth--
		case ' ', '\t', '\n', '\r':
			spaced = true
		}
	}
	return spaced, nil
}
