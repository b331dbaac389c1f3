package stix

import (
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
)

// BundleWriter writes a STIX bundle to a stream one object at a time, so an
// export of any size needs memory for one object only. Each object's Raw
// JSON is written unchanged.
//
//	bw := stix.NewBundleWriter(w, "")
//	for _, o := range objs {
//		if err := bw.Write(o); err != nil { … }
//	}
//	err := bw.Close()
//
// A BundleWriter is not safe for concurrent use.
type BundleWriter struct {
	w      io.Writer
	id     string
	n      int
	err    error
	closed bool
	buf    []byte
}

// NewBundleWriter returns a writer of a bundle with identifier id to w; an
// empty id gets a fresh "bundle--UUIDv4". Nothing is written before the
// first Write or Close.
func NewBundleWriter(w io.Writer, id string) *BundleWriter {
	if id == "" {
		id = NewID("bundle")
	}
	return &BundleWriter{w: w, id: id}
}

// ID returns the bundle's identifier.
func (bw *BundleWriter) ID() string { return bw.id }

// Count returns the number of objects written so far.
func (bw *BundleWriter) Count() int { return bw.n }

var errWriterClosed = errors.New("bundle writer is closed")

// Write appends o to the bundle. It returns the first error of the
// underlying writer (after which every call returns it), and an error for
// an object without JSON.
func (bw *BundleWriter) Write(o *Object) error {
	switch {
	case bw.err != nil:
		return bw.err
	case bw.closed:
		return errWriterClosed
	case o == nil || len(o.Raw) == 0:
		return fmt.Errorf("bundle writer: objects[%d] has no JSON", bw.n)
	}
	bw.buf = bw.buf[:0]
	if bw.n == 0 {
		bw.buf = bw.header(bw.buf)
		bw.buf = append(bw.buf, `,"objects":[`...)
	} else {
		bw.buf = append(bw.buf, ',')
	}
	bw.buf = append(bw.buf, o.Raw...)
	if _, err := bw.w.Write(bw.buf); err != nil {
		bw.err = err
		return err
	}
	bw.n++
	return nil
}

func (bw *BundleWriter) header(b []byte) []byte {
	b = append(b, `{"type":"bundle","id":`...)
	b, _ = jsontext.AppendQuote(b, bw.id)
	return b
}

// Close ends the bundle. A bundle with no objects is written without an
// "objects" list, as §8.1 allows (an empty list is not valid STIX). Close
// does not close the underlying writer.
func (bw *BundleWriter) Close() error {
	if bw.err != nil {
		return bw.err
	}
	if bw.closed {
		return nil
	}
	bw.closed = true
	var tail []byte
	if bw.n == 0 {
		tail = append(bw.header(nil), '}')
	} else {
		tail = []byte("]}")
	}
	if _, err := bw.w.Write(tail); err != nil {
		bw.err = err
		return err
	}
	return nil
}
