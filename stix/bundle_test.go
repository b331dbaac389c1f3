package stix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

func TestBundleReader(t *testing.T) {
	in := `{"objects":[
	  {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","x_custom":{"a":[1.50,2e3]}},
	  {"type":"indicator","id":"bad"},
	  {"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"1.2.3.4"}
	 ],"id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","type":"bundle"}`
	br := NewBundleReader(strings.NewReader(in))
	var got []string
	var bad []*ObjectError
	for {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		var oe *ObjectError
		if errors.As(err, &oe) {
			bad = append(bad, oe)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.ID+" "+o.SpecVersion)
	}
	want := []string{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f 2.1", "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd 2.1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("objects = %q, want %q", got, want)
	}
	if len(bad) != 1 || bad[0].Index != 1 || !strings.Contains(bad[0].Error(), `objects[1]: indicator: id must be of the form indicator--UUID (got "bad")`) {
		t.Errorf("bad = %v", bad)
	}
	if br.ID() != "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d" {
		t.Errorf("ID = %q", br.ID())
	}
}

func TestBundleReaderBrokenStream(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[]`, "must be a JSON object"},
		{`{"more":true}`, `not a bundle`},
		{`{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, `must be "bundle"`},
		{`{"objects":[{"type":"x-a","id":"x-a--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, "unexpected end"},
		{`{"objects":{}}`, "must be a list"},
		{`{"type":"report","objects":[]}`, `must be "bundle"`},
		{`{"objects":[]} {}`, "after the end"},
		{`{"objects":[{"a":1,}]}`, "malformed JSON"},
	} {
		br := NewBundleReader(strings.NewReader(tc.in))
		var err error
		for err == nil {
			_, err = br.Next()
		}
		if err == io.EOF || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseObjectKeepsRaw(t *testing.T) {
	in := `{ "type": "x-custom-thing", "id": "x-custom-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
	  "created":"2016-04-06T20:03:48.123456789Z", "n": 1.000, "s": "\u00e9\n" }`
	o, err := ParseObject([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"x-custom-thing","id":"x-custom-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.123456789Z","n":1.000,"s":"\u00e9\n"}`
	if string(o.Raw) != want {
		t.Errorf("Raw = %s\nwant  %s", o.Raw, want)
	}
	if o.SpecVersion != "2.0" || o.Created.Precision() != 9 || o.Version().String() != "2016-04-06T20:03:48.123456789Z" {
		t.Errorf("header = %+v", o)
	}
}

func TestParseObjectErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, `"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": type is required`},
		{`{"type":"indicator","id":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, `must begin with the object's type "indicator"`},
		{`{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06 20:03:48Z"}`, `created timestamp "2016-04-06 20:03:48Z" is not of the form`},
		{`{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2015-04-06T20:03:48Z"}`, "modified must not precede created"},
		{`{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":5}`, "created must be a string"},
		{`{"type":"Indicator","id":"Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, "may only contain"},
		{`"x"`, "must be a JSON object, not a string"},
		{`{"type":"a","type":"b"}`, "duplicate"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), "MaxDepth"},
	} {
		_, err := ParseObject([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60s: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestBundleReaderEmptyBundle(t *testing.T) {
	for _, in := range []string{
		`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`,
		`{"id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","type":"bundle","objects":[]}`,
		`{"objects":[],"more":false}`,
	} {
		br := NewBundleReader(strings.NewReader(in))
		if o, err := br.Next(); err != io.EOF {
			t.Errorf("%s: Next = %v, %v; want io.EOF", in, o, err)
		}
		if _, err := br.Next(); err != io.EOF {
			t.Errorf("%s: second Next = %v; want io.EOF", in, err)
		}
	}
}

// oddBundle has whitespace, escapes and number forms that compacting must
// keep as written.
const oddBundle = `{
  "type": "bundle",
  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  "objects": [
    { "type" : "x-acme-thing", "id" : "x-acme-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
      "n" : 1.000 , "e": 2E+3, "s": "\u00e9\ud83d\ude00\t\"/\/", "deep": [ [ { "a" : [ ] } ] ] },
    {"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3"}
  ]
}`

func TestBundleRawIsByteExact(t *testing.T) {
	b, err := ParseBundle([]byte(oddBundle))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"x-acme-thing","id":"x-acme-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","n":1.000,"e":2E+3,"s":"\u00e9\ud83d\ude00\t\"/\/","deep":[[{"a":[]}]]}`
	if string(b.Objects[0].Raw) != want {
		t.Errorf("Raw = %s\nwant  %s", b.Objects[0].Raw, want)
	}
	// Writing and reading back keeps every object's bytes.
	var buf bytes.Buffer
	bw := NewBundleWriter(&buf, b.ID)
	for _, o := range b.Objects {
		if err := bw.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := ParseBundle(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != b.ID || len(again.Objects) != 2 || bw.Count() != 2 {
		t.Fatalf("read back %d objects of %q", len(again.Objects), again.ID)
	}
	for i := range b.Objects {
		if !bytes.Equal(again.Objects[i].Raw, b.Objects[i].Raw) {
			t.Errorf("objects[%d] = %s, want %s", i, again.Objects[i].Raw, b.Objects[i].Raw)
		}
	}
	// Bundle.MarshalJSON writes the same bytes as the BundleWriter.
	m, err := b.MarshalJSON()
	if err != nil || !bytes.Equal(m, buf.Bytes()) {
		t.Errorf("MarshalJSON = %s\nwriter wrote %s", m, buf.Bytes())
	}
}

func TestBundleWriter(t *testing.T) {
	var buf bytes.Buffer
	bw := NewBundleWriter(&buf, "")
	if _, _, err := ParseID(bw.ID()); err != nil || IDType(bw.ID()) != "bundle" {
		t.Errorf("ID() = %q", bw.ID())
	}
	if buf.Len() != 0 {
		t.Error("NewBundleWriter wrote before the first object")
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	// An empty bundle has no objects list: an empty list is not valid STIX.
	if want := `{"type":"bundle","id":"` + bw.ID() + `"}`; buf.String() != want {
		t.Errorf("empty bundle = %s, want %s", buf.String(), want)
	}
	if err := bw.Write(corpusObject(t, "tool")); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := bw.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	b, err := ParseBundle(buf.Bytes())
	if err != nil || len(b.Objects) != 0 || b.ID != bw.ID() {
		t.Errorf("ParseBundle(empty) = %+v, %v", b, err)
	}
	if err := NewBundleWriter(&buf, "").Write(&Object{}); err == nil {
		t.Error("Write of an object without JSON succeeded")
	}
	// The first error of the underlying writer sticks.
	fw := &failingWriter{after: 1}
	bw = NewBundleWriter(fw, "")
	if err := bw.Write(corpusObject(t, "tool")); err != nil {
		t.Fatal(err)
	}
	if err := bw.Write(corpusObject(t, "tool")); err != errDiskFull {
		t.Errorf("Write = %v, want errDiskFull", err)
	}
	if err := bw.Close(); err != errDiskFull {
		t.Errorf("Close = %v, want errDiskFull", err)
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errDiskFull
	}
	w.after--
	return len(p), nil
}

func TestParseBundle(t *testing.T) {
	in := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		` + corpusJSON(t, "tool") + `,
		{"type":"tool","id":"tool--bad"},
		5,
		` + corpusJSON(t, "mutex") + `]}`
	b, err := ParseBundle([]byte(in))
	var be *BundleError
	if !errors.As(err, &be) {
		t.Fatalf("ParseBundle = %v, want a *BundleError", err)
	}
	if len(b.Objects) != 2 || b.Objects[0].Type != "tool" || b.Objects[1].Type != "mutex" {
		t.Errorf("objects = %v", b.Objects)
	}
	if len(be.Errors) != 2 || be.Errors[0].Index != 1 || be.Errors[1].Index != 2 {
		t.Errorf("errors = %v", be.Errors)
	}
	if !strings.HasPrefix(err.Error(), "2 invalid objects; first: objects[1]: tool: id must be of the form tool--UUID") {
		t.Errorf("Error() = %q", err)
	}
	if b.ID != "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d" {
		t.Errorf("ID = %q", b.ID)
	}
	// A broken stream is an error of its own, with no bundle.
	if b, err := ParseBundle([]byte(`{"objects":[` + corpusJSON(t, "tool"))); b != nil || err == nil || errors.As(err, &be) {
		t.Errorf("ParseBundle(truncated) = %v, %v", b, err)
	}
}

// bundleGenerator writes a bundle of about size bytes of indicators.
func bundleGenerator(w io.Writer, size int) (objects int, err error) {
	if _, err := io.WriteString(w, `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`); err != nil {
		return 0, err
	}
	buf := make([]byte, 0, 1024)
	written := 0
	for i := 0; written < size; i++ {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"Indicator %d","description":"Generated to test that a large bundle is read in bounded memory.","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"labels":["generated"]}`, i, i, i/256%256, i%256)
		if _, err := w.Write(buf); err != nil {
			return i, err
		}
		written += len(buf)
		objects = i + 1
	}
	_, err = io.WriteString(w, "]}")
	return objects, err
}

func TestBundleReaderBoundedMemory(t *testing.T) {
	size := 200 << 20
	if testing.Short() || raceEnabled {
		size = 24 << 20 // the race detector makes every allocation slow
	}
	pr, pw := io.Pipe()
	sent := make(chan int, 1)
	go func() {
		n, err := bundleGenerator(pw, size)
		pw.CloseWithError(err)
		sent <- n
	}()
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	br := NewBundleReader(pr)
	n := 0
	for {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if o.Type != "indicator" {
			t.Fatalf("objects[%d] is a %s", n, o.Type)
		}
		n++
		if n%4096 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if want := <-sent; n != want {
		t.Errorf("read %d objects, sent %d", n, want)
	}
	if br.Offset() < int64(size) {
		t.Errorf("Offset = %d, want at least %d", br.Offset(), size)
	}
	const limit = 64 << 20
	t.Logf("%d objects, %d MiB, peak heap %.1f MiB", n, size>>20, float64(peak)/(1<<20))
	if peak > limit {
		t.Errorf("peak heap %d bytes while reading a %d MiB bundle, want < %d", peak, size>>20, limit)
	}
}

// TestBundleReaderTooLarge checks that one huge object gives ErrTooLarge
// instead of exhausting memory.
func TestBundleReaderTooLarge(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, `{"objects":[{"type":"x-big","id":"x-big--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","x_data":"`)
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for i := 0; i < MaxObjectBytes>>20+4; i++ {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		io.WriteString(pw, `"}]}`)
		pw.Close()
	}()
	br := NewBundleReader(pr)
	_, err := br.Next()
	pr.Close()
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "objects[0]") {
		t.Errorf("Next = %v, want ErrTooLarge at objects[0]", err)
	}
}

// TestParseObjectStrictJSON: whether or not the input needs compacting,
// ParseObject refuses what is not one well-formed JSON object: duplicate
// names at any depth, invalid UTF-8, trailing data, broken syntax.
func TestParseObjectStrictJSON(t *testing.T) {
	const id = `"id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"`
	for _, in := range []string{
		`{"type":"x-thing",` + id + `,"a":{"b":1,"b":2}}`,
		`{"type":"x-thing",` + id + `,"a":[{"b":1,"b":2}]}`,
		`{"type":"x-thing",` + id + `,"a":"` + "\xff" + `"}`,
		`{"type":"x-thing",` + id + `}{}`,
		`{"type":"x-thing",` + id + `} x`,
		`{"type":"x-thing",` + id + `,"a":tru}`,
		`{"type":"x-thing",` + id + `,"a":[1,2,]}`,
		`{"type":"x-thing", ` + id + `,"a":{"b":1,"b":2}}`,
		`{"type":"x-thing",` + id + `,"a":01}`,
		`{"type":"x-thing",` + id + `,`,
	} {
		if _, err := ParseObject([]byte(in)); err == nil || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("ParseObject(%q) = %v, want a malformed-JSON error", in, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"type":"x-thing",` + id + `,"revoked":"yes"}`, `x-thing "x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": revoked must be a boolean`},
		{`{"type":"x-thing",` + id + `,"object_marking_refs":[1]}`, `object_marking_refs must be a list of strings`},
		{`{"type":1}`, `type must be a string`},
	} {
		if _, err := ParseObject([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseObject(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	o, err := ParseObject([]byte(`{"type":"x-thing",` + id + `,"revoked":true,"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"created_by_ref":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`))
	if err != nil || !o.Revoked || len(o.ObjectMarkingRefs) != 1 || o.CreatedByRef != "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" {
		t.Errorf("header = %+v, %v", o, err)
	}
}

// TestBundleReaderBadObjectFailsAlone: an object with a duplicate member,
// invalid UTF-8 or a lone surrogate escape fails alone; the objects around
// it are read.
func TestBundleReaderBadObjectFailsAlone(t *testing.T) {
	good := func(n int) string {
		return fmt.Sprintf(`{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd%02d"}`, n)
	}
	for _, bad := range []string{
		`{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cdff","a":1,"a":2}`,
		`{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cdff","a":"` + "\xff" + `"}`,
		`{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cdff","a":"\ud800"}`,
	} {
		br := NewBundleReader(strings.NewReader(`{"objects":[` + good(1) + "," + bad + "," + good(2) + `]}`))
		var ok, failed int
		for {
			_, err := br.Next()
			if err == io.EOF {
				break
			}
			var oe *ObjectError
			switch {
			case errors.As(err, &oe):
				failed++
			case err != nil:
				t.Fatalf("%s: the stream stopped: %v", bad, err)
			default:
				ok++
			}
		}
		if ok != 2 || failed != 1 {
			t.Errorf("%s: %d read, %d failed; want 2 and 1", bad, ok, failed)
		}
	}
}
