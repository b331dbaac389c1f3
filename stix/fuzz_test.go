package stix

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"io"
	"testing"
)

// seedObjects adds the corpus, the OASIS examples and a few odd inputs to
// a fuzz target's seed corpus.
func seedObjects(f *testing.F) {
	for _, typ := range corpusTypes() {
		f.Add([]byte(corpusJSON(f, typ)))
	}
	for _, objs := range exampleObjects(f) {
		for _, o := range objs[:min(len(objs), 5)] {
			f.Add([]byte(o.Raw))
		}
	}
	for _, s := range []string{
		`{}`, `[]`, `null`, `{"type":"x"}`, `{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`,
		`{"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","objects":{"0":{"type":"file","parent_directory_ref":"0"}}}`,
		`{"type":"a-b","id":"a-b--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","granular_markings":[{"selectors":["a.[99999999999999999999]"]}]}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseObject: ParseObject never panics, and an accepted object
// round-trips: parsing its Raw gives the same Raw and header.
func FuzzParseObject(f *testing.F) {
	seedObjects(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseObject(data)
		if err != nil {
			return
		}
		again, err := ParseObject(o.Raw)
		if err != nil {
			t.Fatalf("ParseObject(o.Raw) = %v\nRaw: %s", err, o.Raw)
		}
		if !bytes.Equal(again.Raw, o.Raw) || again.ID != o.ID || again.Type != o.Type ||
			again.Version() != o.Version() || again.SpecVersion != o.SpecVersion {
			t.Fatalf("round trip changed the object:\n%s\n%s", o.Raw, again.Raw)
		}
	})
}

// FuzzValidate: Validate, Warnings, SCOID and Typed never panic, and
// Validate is deterministic.
func FuzzValidate(f *testing.F) {
	seedObjects(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseObject(data)
		if err != nil {
			o = &Object{Raw: data}
		}
		err1 := Validate(o)
		err2 := Validate(o)
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("Validate is not deterministic: %v / %v", err1, err2)
		}
		var ve *ValidationError
		if err1 != nil && (!errors.As(err1, &ve) || len(ve.Errors) == 0) {
			t.Fatalf("Validate error %T %v is not a non-empty *ValidationError", err1, err1)
		}
		Warnings(o)
		SCOID(o)
		o.Typed()
		EffectiveTLP(o)
		StrictestTLP(o)
		if err1 == nil {
			// A valid object stays valid through its Raw.
			again, err := ParseObject(o.Raw)
			if err != nil {
				t.Fatalf("valid object fails ParseObject: %v", err)
			}
			if err := Validate(again); err != nil {
				t.Fatalf("valid object is invalid after a round trip: %v", err)
			}
		}
	})
}

// FuzzBundleReader: reading a bundle never panics, ends (with io.EOF or an
// error), and every object read round-trips.
func FuzzBundleReader(f *testing.F) {
	f.Add([]byte(oddBundle))
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + corpus["tool"] + `,5,{"type":"tool"}]}`))
	f.Add([]byte(`{"objects":[]}`))
	f.Add([]byte(`{"type":"bundle"}`))
	f.Add([]byte(`{"objects":[{}],"objects":[]}`))
	f.Add([]byte(`[` + corpus["tool"] + `,5]`))
	f.Add([]byte(corpus["tool"]))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Both readers: of envelopes, and of anything a file may hold.
		for _, newReader := range []func(io.Reader) *BundleReader{NewBundleReader, NewObjectReader} {
			checkReader(t, newReader(bytes.NewReader(data)), data)
		}
	})
}

// checkReader reads br to its end and checks what FuzzBundleReader
// promises of what it read.
func checkReader(t *testing.T, br *BundleReader, data []byte) {
	var objs []*Object
	for i := 0; ; i++ {
		if i > len(data) {
			t.Fatal("the reader returned more objects than there are bytes")
		}
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		var oe *ObjectError
		if errors.As(err, &oe) {
			continue
		}
		if err != nil {
			if _, err2 := br.Next(); err2 == nil || err2 == io.EOF {
				t.Fatalf("after %v, Next = %v", err, err2)
			}
			return
		}
		objs = append(objs, o)
	}
	for _, o := range objs {
		again, err := ParseObject(o.Raw)
		if err != nil || !bytes.Equal(again.Raw, o.Raw) {
			t.Fatalf("object does not round-trip: %v\n%s", err, o.Raw)
		}
	}
	// A bundle that was read whole writes back to the same objects.
	var buf bytes.Buffer
	bw := NewBundleWriter(&buf, "")
	for _, o := range objs {
		bw.Write(o)
	}
	bw.Close()
	b, err := ParseBundle(buf.Bytes())
	if err != nil || len(b.Objects) != len(objs) {
		t.Fatalf("written bundle reads back as %v, %v", b, err)
	}
	for i := range objs {
		if !bytes.Equal(b.Objects[i].Raw, objs[i].Raw) {
			t.Fatalf("objects[%d] changed", i)
		}
	}
}

// FuzzValidLanguageTag: the language tag checker never panics and is
// case-insensitive, in ASCII: tags are ASCII (RFC 5646 §2.1), and Unicode
// case mapping would turn a non-tag into one ("aı" upper-cases to "AI").
func FuzzValidLanguageTag(f *testing.F) {
	for _, s := range []string{"en", "zh-Hant-TW", "x-a", "en-a-bc", "i-klingon", "--", "Aı"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		upper := []byte(s)
		for i, c := range upper {
			if 'a' <= c && c <= 'z' {
				upper[i] = c - 'a' + 'A'
			}
		}
		if ValidLanguageTag(s) != ValidLanguageTag(string(upper)) {
			t.Fatalf("ValidLanguageTag(%q) depends on case", s)
		}
	})
}

// FuzzParseTree compares the validator's JSON parser with jsontext: both
// accept the same inputs (within MaxDepth) and read the same values.
func FuzzParseTree(f *testing.F) {
	seedObjects(f)
	for _, s := range []string{
		`"\ud83d\ude00"`, `"\ud83d"`, `"\udc00x"`, `"\u00e9\n\t\/"`, `-0.5e-3`, `01`, `1.`, `[1,]`,
		`{"a":1,"a":2}`, "\"\xff\"", `{"a" : [ true , false , null ] }`, `"\u0000"`, `1E400`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := parseTree(data)
		v := jsontext.Value(bytes.Clone(data))
		verr := v.Canonicalize(jsontext.CanonicalizeRawFloats(false), jsontext.CanonicalizeRawInts(false))
		if errors.Is(err, ErrTooDeep) || errors.Is(err, ErrTooLarge) {
			return
		}
		if (err == nil) != (verr == nil) {
			t.Fatalf("parseTree error %v, jsontext error %v, on %q", err, verr, data)
		}
		if err != nil {
			return
		}
		mine := jsontext.Value(tree.appendJSON(nil))
		if err := mine.Canonicalize(jsontext.CanonicalizeRawFloats(false), jsontext.CanonicalizeRawInts(false)); err != nil {
			t.Fatalf("re-encoded tree is not JSON: %v: %s", err, mine)
		}
		if !bytes.Equal(mine, v) {
			t.Fatalf("values differ:\n%s\n%s", mine, v)
		}
	})
}
