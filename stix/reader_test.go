package stix

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAll reads every object of in with NewObjectReader: the ids read, the
// failures of single objects as "path id version", and the error that
// ended the stream ("" at io.EOF).
func readAll(in string) (ids, failed []string, end string) {
	br := NewObjectReader(strings.NewReader(in))
	for {
		o, err := br.Next()
		var oe *ObjectError
		switch {
		case err == io.EOF:
			return ids, failed, ""
		case errors.As(err, &oe):
			failed = append(failed, oe.Path+" "+oe.ID+" "+oe.Version)
		case err != nil:
			return ids, failed, err.Error()
		default:
			ids = append(ids, o.ID)
		}
	}
}

// TestObjectReaderShapes checks that NewObjectReader reads a bundle, an
// envelope, a JSON array of objects and a single object, names where an
// object that fails is, and refuses anything else saying what it expected
// and what it found.
func TestObjectReaderShapes(t *testing.T) {
	const (
		ind   = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}`
		ip    = `{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"1.2.3.4"}`
		bad   = `{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","modified":"2026-01-01T00:00:00.000Z","created":"nonsense"}`
		obsd  = `{"id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","spec_version":"2.1","type":"observed-data","created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,"objects":{"0":{"type":"ipv4-addr","value":"1.2.3.4"}}}`
		indID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
		ipID  = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"
	)
	for _, tc := range []struct {
		name, in    string
		ids, failed []string
		end         string
	}{
		{"bundle", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + ind + `,` + bad + `,` + ip + `]}`,
			[]string{indID, ipID}, []string{"objects[1] indicator--00000000-0000-4000-8000-000000000001 2026-01-01T00:00:00.000Z"}, ""},
		{"envelope", `{"more":false,"objects":[` + ind + `]}`, []string{indID}, nil, ""},
		{"empty bundle", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`, nil, nil, ""},
		{"array", ` [` + ind + `,` + bad + `,` + ip + `] `, []string{indID, ipID}, []string{"[1] indicator--00000000-0000-4000-8000-000000000001 2026-01-01T00:00:00.000Z"}, ""},
		{"empty array", `[]`, nil, nil, ""},
		{"one object", ind, []string{indID}, nil, ""},
		{"one object with an objects property", obsd, []string{"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"}, nil, ""},
		{"one bad object", bad, nil, []string{"object indicator--00000000-0000-4000-8000-000000000001 2026-01-01T00:00:00.000Z"}, ""},
		{"a number", `42`, nil, nil, "not a bundle or envelope: expected a STIX bundle, a JSON array of STIX objects or one STIX object, found a number at byte 0"},
		{"a string", `"bundle"`, nil, nil, "not a bundle or envelope: expected a STIX bundle, a JSON array of STIX objects or one STIX object, found a string at byte 0"},
		{"neither", `{"id":"x"}`, nil, nil, `not a bundle or envelope: expected a STIX bundle, a JSON array of STIX objects or one STIX object: the JSON object at byte 0 has neither "objects" nor "type"`},
		{"after the array", `[` + ip + `] [`, []string{ipID}, nil, "unexpected data after the end of the array, which ends at byte 95"},
		{"after the object", ip + ` x`, []string{ipID}, nil, "unexpected data after the end of the object, which ends at byte 93"},
		{"cut", `[` + ip + `,{"type"`, []string{ipID}, nil, "unexpected end of input inside the bundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, failed, end := readAll(tc.in)
			if diff := cmp.Diff(tc.ids, ids); diff != "" {
				t.Errorf("objects read (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.failed, failed); diff != "" {
				t.Errorf("objects failed (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(end, tc.end) || (tc.end == "") != (end == "") {
				t.Errorf("end: %q, want %q", end, tc.end)
			}
		})
	}
}

// TestBundleReaderStrict checks that NewBundleReader, what TAXII POST
// reads envelopes with, still refuses a bare object and a bare array.
func TestBundleReaderStrict(t *testing.T) {
	for _, in := range []string{`[]`, `{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`} {
		_, err := NewBundleReader(strings.NewReader(in)).Next()
		if !errors.Is(err, ErrNotEnvelope) {
			t.Errorf("%s: %v, want ErrNotEnvelope", in, err)
		}
	}
}
