package stix

import (
	"errors"
	"io"
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
