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
	Err   error
}

func (e *ObjectError) Error() string {
	return fmt.Sprintf("objects[%d]: %v", e.Index, e.Err)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// BundleReader decodes a STIX bundle (or a TAXII envelope, or any JSON object
// with an "objects" array) from a stream, one object at a time, so a bundle
// of any size is read in memory bounded by its largest object.
//
// A BundleReader is not safe for concurrent use.
type BundleReader struct {
	cr       *countingReader
	dec      *jsontext.Decoder
	id       string
	state    int // 0 before the objects array, 1 inside it, 2 after it
	index    int
	err      error
	started  bool
	isBundle bool // "type": "bundle" was read
}

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
			if err := br.seekObjects(); err != nil {
				return nil, br.fail(err)
			}
			if br.state == 2 {
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
			o, err := ParseObject(v)
			if err != nil {
				return nil, &ObjectError{Index: i, ID: peekID(v), Err: err}
			}
			return o, nil
		case 2:
			if err := br.finish(); err != nil {
				return nil, br.fail(err)
			}
			br.err = io.EOF
			return nil, io.EOF
		}
	}
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
	case "type":
		var typ string
		if err := json.UnmarshalDecode(br.dec, &typ); err != nil {
			return false, fmt.Errorf(`bundle "type" must be a string`)
		}
		if typ != "bundle" {
			return false, fmt.Errorf(`%w: "type" must be "bundle" (got %q)`, ErrNotEnvelope, typ)
		}
		br.isBundle = true
	case "id":
		if err := json.UnmarshalDecode(br.dec, &br.id); err != nil {
			return false, fmt.Errorf(`bundle "id" must be a string`)
		}
		if typ, _, err := ParseID(br.id); err != nil || typ != "bundle" {
			return false, fmt.Errorf(`bundle "id" must be "bundle--UUID" (got %q)`, br.id)
		}
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
		err = fmt.Errorf("objects[%d]: %w", br.index-1, ErrTooLarge)
	} else if _, ok := err.(*jsontext.SyntacticError); ok {
		err = fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
	}
	br.err = err
	return err
}

// peekID returns the "id" member of an object that failed to parse, if any,
// so errors can name it.
func peekID(v jsontext.Value) string {
	var h struct {
		ID string `json:"id"`
	}
	json.Unmarshal(v, &h)
	return h.ID
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
