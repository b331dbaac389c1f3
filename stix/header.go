package stix

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
	"sync"
)

// header holds the properties ParseObject reads; nil pointers mean absent.
type header struct {
	Type              string
	ID                string
	SpecVersion       *string
	Created           *string
	Modified          *string
	CreatedByRef      string
	Revoked           bool
	ObjectMarkingRefs []string
}

// decoders keeps jsontext decoders between calls: every object a node
// reads or serves goes through readHeader.
var decoders = sync.Pool{New: func() any {
	hd := &headerDecoder{}
	hd.d = jsontext.NewDecoder(&hd.r)
	return hd
}}

// A headerDecoder reads from a bytes.Buffer, which a jsontext.Decoder
// parses in place: from any other reader it copies the input into a
// buffer of its own, which grows to hold the longest value whole (twice
// the size of a 15 MiB string, kept in the pool afterwards).
type headerDecoder struct {
	r bytes.Buffer
	d *jsontext.Decoder
}

// readHeader reads the header properties of the JSON object raw in one
// pass over its tokens, skipping every other member without decoding it.
// The pass also checks that raw is well-formed JSON without duplicate
// member names at any depth and with nothing after the object.
func readHeader(raw []byte, h *header) error {
	hd := decoders.Get().(*headerDecoder)
	hd.r = *bytes.NewBuffer(raw)
	d := hd.d
	d.Reset(&hd.r)
	defer func() {
		// Nothing of raw stays in the pool.
		hd.r = bytes.Buffer{}
		d.Reset(&hd.r)
		decoders.Put(hd)
	}()
	if _, err := d.ReadToken(); err != nil { // the '{'
		return malformed(err)
	}
	for d.PeekKind() != '}' {
		// The name's raw bytes, compared without allocating a string; a
		// name written with escapes is unquoted first.
		v, err := d.ReadValue()
		if err != nil {
			return malformed(err)
		}
		nb := []byte(v[1 : len(v)-1])
		if bytes.IndexByte(nb, '\\') >= 0 {
			if nb, err = jsontext.AppendUnquote(nil, v); err != nil {
				return malformed(err)
			}
		}
		var tok jsontext.Token
		switch string(nb) {
		case "type":
			err = readString(d, h, "type", &h.Type)
		case "id":
			err = readString(d, h, "id", &h.ID)
		case "created_by_ref":
			err = readString(d, h, "created_by_ref", &h.CreatedByRef)
		case "spec_version":
			h.SpecVersion = new(string)
			err = readString(d, h, "spec_version", h.SpecVersion)
		case "created":
			h.Created = new(string)
			err = readString(d, h, "created", h.Created)
		case "modified":
			h.Modified = new(string)
			err = readString(d, h, "modified", h.Modified)
		case "revoked":
			switch d.PeekKind() {
			case 't', 'f':
				tok, err = d.ReadToken()
				h.Revoked = err == nil && tok.Bool()
			default:
				err = wrongType(d, h, "revoked", "must be a boolean")
			}
		case "object_marking_refs":
			err = readStrings(d, h, "object_marking_refs", &h.ObjectMarkingRefs)
		default:
			err = d.SkipValue()
		}
		if err != nil {
			return malformed(err)
		}
	}
	if _, err := d.ReadToken(); err != nil { // the '}'
		return malformed(err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return errors.New("malformed JSON: unexpected data after the object")
	}
	return nil
}

func readString(d *jsontext.Decoder, h *header, name string, dst *string) error {
	if d.PeekKind() != '"' {
		return wrongType(d, h, name, "must be a string")
	}
	tok, err := d.ReadToken()
	if err != nil {
		return err
	}
	*dst = tok.String()
	return nil
}

func readStrings(d *jsontext.Decoder, h *header, name string, dst *[]string) error {
	if d.PeekKind() != '[' {
		return wrongType(d, h, name, "must be a list of strings")
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	for d.PeekKind() != ']' {
		if d.PeekKind() != '"' {
			return wrongType(d, h, name, "must be a list of strings")
		}
		tok, err := d.ReadToken()
		if err != nil {
			return err
		}
		*dst = append(*dst, tok.String())
	}
	_, err := d.ReadToken()
	return err
}

// wrongType reports a header property of the wrong JSON type, naming it;
// a syntax error at that point is reported as such instead.
func wrongType(d *jsontext.Decoder, h *header, name, rule string) error {
	if err := d.SkipValue(); err != nil {
		return err
	}
	return &Error{ID: h.ID, Type: h.Type, Property: name, Rule: rule}
}

// malformed words a decoding error; an *Error passes through.
func malformed(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		return errors.New("malformed JSON: unexpected end of input")
	}
	return fmt.Errorf("malformed JSON: %v", jsonErrorText(err))
}
