package stix

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
)

// ErrNotEnvelope reports input that is JSON but not a bundle or envelope:
// not an object, no "objects" list, or a "type" other than "bundle" (a bare
// STIX object, typically).
var ErrNotEnvelope = errors.New("not a bundle or envelope")

// Bundle is a STIX bundle held in memory. For large inputs use BundleReader,
// which never holds more than one object at a time.
type Bundle struct {
	ID      string
	Objects []*Object
}

// NewBundle returns a bundle with a fresh identifier holding objs.
func NewBundle(objs ...*Object) *Bundle {
	return &Bundle{ID: NewID("bundle"), Objects: objs}
}

// MarshalJSON encodes the bundle with its objects' JSON unchanged. A bundle
// without objects has no "objects" member (§8.1 makes it optional and
// forbids empty lists).
func (b *Bundle) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, 64)
	buf = append(buf, `{"type":"bundle","id":`...)
	buf, _ = jsontext.AppendQuote(buf, b.ID)
	if len(b.Objects) == 0 {
		return append(buf, '}'), nil
	}
	buf = append(buf, `,"objects":[`...)
	for i, o := range b.Objects {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, o.Raw...)
	}
	return append(buf, "]}"...), nil
}

// ParseBundle reads a whole bundle from data. Objects that fail ParseObject
// are reported together in a *BundleError; the others are returned.
func ParseBundle(data []byte) (*Bundle, error) {
	br := NewBundleReader(bytes.NewReader(data))
	b := &Bundle{}
	var bad BundleError
	for {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		var oe *ObjectError
		if errors.As(err, &oe) {
			bad.Errors = append(bad.Errors, oe)
			continue
		}
		if err != nil {
			return nil, err
		}
		b.Objects = append(b.Objects, o)
	}
	b.ID = br.ID()
	if len(bad.Errors) > 0 {
		return b, &bad
	}
	return b, nil
}

// BundleError lists the objects of a bundle that could not be read.
type BundleError struct {
	Errors []*ObjectError
}

func (e *BundleError) Error() string {
	if len(e.Errors) == 1 {
		return e.Errors[0].Error()
	}
	return fmt.Sprintf("%d invalid objects; first: %v", len(e.Errors), e.Errors[0])
}

// ObjectError is an object of a bundle that failed alone: the stream goes
// on after it.
type ObjectError struct {
	Index int    // position in the bundle's objects list, from 0
	ID    string // the object's id, when it could be read
	// Version is the object's modified time, else its created time, as
	// written, when it could be read.
	Version string
	// Path says where the object is in its input, for the message:
	// "objects[Index]" when empty (a bundle or an envelope).
	Path string
	Err  error
}

func (e *ObjectError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("objects[%d]: %v", e.Index, e.Err)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// BundleReader decodes a STIX bundle (or a TAXII envelope, or any JSON object
// with an "objects" array) from a stream, one object at a time, so a bundle
// of any size is read in memory bounded by its largest object. One made by
// NewObjectReader also reads a JSON array of objects and a single object.
//
// A BundleReader is not safe for concurrent use.
type BundleReader struct {
	cr       *countingReader
	dec      *jsontext.Decoder
	id       string
	state    int // 0 before the objects, 1 among them, 2 after them, 3 a single object read
	index    int
	err      error
	started  bool
	isBundle bool // "type": "bundle" was read
	anyShape bool // NewObjectReader: arrays and single objects too
	shape    int
	single   jsontext.Value // the object of shapeObject, until Next returns it
}

// Shapes of the input of a BundleReader.
const (
	shapeBundle = iota // a bundle or an envelope: {"objects": [...]}
	shapeArray         // [...]
	shapeObject        // one object
	shapeClosed        // a bundle without "objects", read to its end
)

// NewBundleReader returns a reader of the bundle in r.
func NewBundleReader(r io.Reader) *BundleReader {
	cr := &countingReader{r: r}
	br := &BundleReader{cr: cr}
	// The stream is read leniently about what one object can get wrong
	// (duplicate names, invalid UTF-8 or escapes): ParseObject refuses such
	// an object on its own and the bundle goes on.
	br.dec = jsontext.NewDecoder(cr, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	cr.dec = br.dec
	return br
}

// NewObjectReader returns a reader of the STIX objects in r, which holds a
// bundle (or an envelope), a JSON array of objects, or a single object;
// anything else is refused with ErrNotEnvelope and what was found. Arrays
// are streamed as bundles are; a single object is read whole, within
// MaxObjectBytes. Errors about one object name it as "objects[i]" in a
// bundle, "[i]" in an array and "object" alone.
func NewObjectReader(r io.Reader) *BundleReader {
	br := NewBundleReader(r)
	br.anyShape = true
	return br
}

// ID returns the bundle's id once it has been read (bundles may put "id"
// after "objects"; after Next returns io.EOF it is always known).
func (br *BundleReader) ID() string { return br.id }

// Offset returns the number of input bytes consumed so far, for progress.
func (br *BundleReader) Offset() int64 { return br.dec.InputOffset() }

// Next returns the next object. It returns io.EOF after the last one, an
// *ObjectError for an object that is invalid on its own (the next call goes
// on with the following object), and any other error when the stream itself
// is broken, after which every call returns that error.
func (br *BundleReader) Next() (*Object, error) {
	if br.err != nil {
		return nil, br.err
	}
	for {
		switch br.state {
		case 0:
			seek := br.seekObjects
			if br.anyShape {
				seek = br.seekAny
			}
			if err := seek(); err != nil {
				return nil, br.fail(err)
			}
			if br.state != 1 {
				continue
			}
		case 1:
			if br.dec.PeekKind() == ']' {
				if _, err := br.dec.ReadToken(); err != nil {
					return nil, br.fail(err)
				}
				br.state = 2
				continue
			}
			i := br.index
			br.index++
			v, err := br.dec.ReadValue()
			if err != nil {
				return nil, br.fail(err)
			}
			return br.parse(i, v)
		case 2:
			if err := br.finish(); err != nil {
				return nil, br.fail(err)
			}
			br.err = io.EOF
			return nil, io.EOF
		case 3:
			v := br.single
			br.single, br.state = nil, 2
			br.index++
			return br.parse(0, v)
		}
	}
}

// parse reads the object at index i of the input.
func (br *BundleReader) parse(i int, v jsontext.Value) (*Object, error) {
	o, err := ParseObject(v)
	if err != nil {
		id, version := peekHeader(v)
		return nil, &ObjectError{Index: i, ID: id, Version: version, Path: br.Path(i), Err: err}
	}
	return o, nil
}

// Path says where the object at index i is in the input: "objects[i]" in
// a bundle or an envelope, "[i]" in an array, "object" for a single
// object.
func (br *BundleReader) Path(i int) string {
	switch br.shape {
	case shapeArray:
		return fmt.Sprintf("[%d]", i)
	case shapeObject:
		return "object"
	}
	return fmt.Sprintf("objects[%d]", i)
}

// seekObjects reads members of the top-level object up to the "objects"
// array.
func (br *BundleReader) seekObjects() error {
	if !br.started {
		br.started = true
		tok, err := br.dec.ReadToken()
		if err != nil {
			return err
		}
		if tok.Kind() != '{' {
			return fmt.Errorf("%w: a bundle must be a JSON object, not %s", ErrNotEnvelope, kindName(tok.Kind()))
		}
	}
	for {
		if br.dec.PeekKind() == '}' {
			// §8.1 makes "objects" optional: a bundle without it is empty.
			// Anything else without it is most likely not a bundle at all
			// (a lone STIX object, say), which deserves an error rather
			// than a silent "nothing read".
			if !br.isBundle {
				return fmt.Errorf(`%w: the JSON object has no "objects" list and no "type": "bundle" (a single STIX object must be wrapped in a bundle)`, ErrNotEnvelope)
			}
			br.state = 2
			return nil
		}
		done, err := br.member()
		if err != nil || done {
			return err
		}
	}
}

// seekAny reads the start of the input of a NewObjectReader: into the
// array of a bundle, an envelope or a bare array, or the whole of a single
// object. Members of a top-level object are kept as read until it is clear
// which it is: "objects" holding a list (before any "type" other than
// "bundle") makes it a bundle, a "type" other than "bundle" an object.
func (br *BundleReader) seekAny() error {
	br.started = true
	tok, err := br.dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '[':
		br.shape, br.state = shapeArray, 1
		return nil
	case '{':
	default:
		return fmt.Errorf("%w: expected a STIX bundle, a JSON array of STIX objects or one STIX object, found %s at byte 0", ErrNotEnvelope, kindName(tok.Kind()))
	}
	type member struct {
		name  string
		value jsontext.Value
	}
	var members []member
	var typ string
	size := 0
	for br.dec.PeekKind() != '}' {
		tok, err := br.dec.ReadToken()
		if err != nil {
			return err
		}
		name := tok.String()
		if name == "objects" && (typ == "" || typ == "bundle") && br.dec.PeekKind() == '[' {
			for _, m := range members {
				if err := br.bundleMember(m.name, m.value); err != nil {
					return err
				}
			}
			if _, err := br.dec.ReadToken(); err != nil {
				return err
			}
			br.shape, br.state = shapeBundle, 1
			return nil
		}
		v, err := br.dec.ReadValue()
		if err != nil {
			return err
		}
		if size += len(name) + len(v) + 4; size > MaxObjectBytes {
			return fmt.Errorf("object: %w", ErrTooLarge)
		}
		if name == "type" && v.Kind() == '"' {
			json.Unmarshal(v, &typ)
		}
		members = append(members, member{name, v.Clone()})
	}
	if _, err := br.dec.ReadToken(); err != nil {
		return err
	}
	switch typ {
	case "bundle":
		for _, m := range members {
			if err := br.bundleMember(m.name, m.value); err != nil {
				return err
			}
		}
		br.shape, br.state = shapeClosed, 2
		return nil
	case "":
		return fmt.Errorf(`%w: expected a STIX bundle, a JSON array of STIX objects or one STIX object: the JSON object at byte 0 has neither "objects" nor "type"`, ErrNotEnvelope)
	}
	raw := []byte{'{'}
	for i, m := range members {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw, _ = jsontext.AppendQuote(raw, m.name)
		raw = append(raw, ':')
		raw = append(raw, m.value...)
	}
	br.single = append(raw, '}')
	br.shape, br.state = shapeObject, 3
	return nil
}

// bundleMember checks a member of a bundle read before its "objects".
func (br *BundleReader) bundleMember(name string, v jsontext.Value) error {
	switch name {
	case "type":
		var typ string
		if err := json.Unmarshal(v, &typ); err != nil {
			return fmt.Errorf(`bundle "type" must be a string`)
		}
		if typ != "bundle" {
			return fmt.Errorf(`%w: "type" must be "bundle" (got %q)`, ErrNotEnvelope, typ)
		}
		br.isBundle = true
	case "id":
		if err := json.Unmarshal(v, &br.id); err != nil {
			return fmt.Errorf(`bundle "id" must be a string`)
		}
		if typ, _, err := ParseID(br.id); err != nil || typ != "bundle" {
			return fmt.Errorf(`bundle "id" must be "bundle--UUID" (got %q)`, br.id)
		}
	}
	return nil
}

// member reads one top-level member; done reports that it opened "objects".
func (br *BundleReader) member() (done bool, err error) {
	tok, err := br.dec.ReadToken()
	if err != nil {
		return false, err
	}
	switch name := tok.String(); name {
	case "objects":
		if k := br.dec.PeekKind(); k != '[' {
			return false, fmt.Errorf(`%w: "objects" must be a list, not %s`, ErrNotEnvelope, kindName(k))
		}
		if _, err := br.dec.ReadToken(); err != nil {
			return false, err
		}
		br.state = 1
		return true, nil
	case "type", "id":
		v, err := br.dec.ReadValue()
		if err != nil {
			return false, err
		}
		return false, br.bundleMember(name, v)
	default:
		if err := br.dec.SkipValue(); err != nil {
			return false, err
		}
	}
	return false, nil
}

// finish reads the members after "objects" and checks nothing follows the
// bundle.
func (br *BundleReader) finish() error {
	switch br.shape {
	case shapeArray:
		return br.end("array")
	case shapeObject:
		return br.end("object")
	case shapeClosed:
		return br.end("bundle")
	}
	for br.dec.PeekKind() != '}' {
		if _, err := br.member(); err != nil {
			return err
		}
		if br.state == 1 {
			return errors.New(`the bundle has two "objects" lists`)
		}
	}
	if _, err := br.dec.ReadToken(); err != nil {
		return err
	}
	if _, err := br.dec.ReadToken(); err != io.EOF {
		return errors.New("unexpected data after the end of the bundle")
	}
	return nil
}

func (br *BundleReader) fail(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of input inside the bundle")
	} else if errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("%s: %w", br.Path(br.index-1), ErrTooLarge)
	} else if _, ok := err.(*jsontext.SyntacticError); ok {
		err = fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
	}
	br.err = err
	return err
}

// end checks that nothing follows the input's top-level value, a what.
func (br *BundleReader) end(what string) error {
	at := br.dec.InputOffset()
	if _, err := br.dec.ReadToken(); err != io.EOF {
		return fmt.Errorf("unexpected data after the end of the %s, which ends at byte %d", what, at)
	}
	return nil
}

// peekHeader returns the "id" and the version ("modified", else
// "created") of an object that failed to parse, as far as they can be
// read, so errors can name it.
func peekHeader(v jsontext.Value) (id, version string) {
	var h struct {
		ID       any `json:"id"`
		Created  any `json:"created"`
		Modified any `json:"modified"`
	}
	json.Unmarshal(v, &h, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	text := func(x any) string {
		s, _ := x.(string)
		return s
	}
	version = text(h.Modified)
	if version == "" {
		version = text(h.Created)
	}
	return text(h.ID), version
}

// countingReader refuses to let the decoder buffer more than MaxObjectBytes
// beyond what it has consumed, which bounds memory for a huge object.
type countingReader struct {
	r   io.Reader
	dec *jsontext.Decoder
	n   int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n-c.dec.InputOffset() > MaxObjectBytes+(1<<20) {
		return 0, ErrTooLarge
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
