package node

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/ingest"
)

const mispEventFile = "../testdata/misp/feed/06159a36-6012-5d68-bff5-7fac1110a2a6.json"

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenImport(t *testing.T) {
	event, err := os.ReadFile(mispEventFile)
	if err != nil {
		t.Fatal(err)
	}
	bundle := []byte(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[]}`)
	for _, tc := range []struct {
		name string
		in   []byte
		misp bool
	}{
		{"bundle", bundle, false}, {"gzipped bundle", gzipped(t, bundle), false},
		{"MISP event", event, true}, {"gzipped MISP event", gzipped(t, event), true},
	} {
		in, err := OpenImport(bytes.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := io.ReadAll(in)
		in.Close()
		if err != nil || in.MISP != tc.misp {
			t.Errorf("%s: MISP %v, %v; want MISP %v", tc.name, in.MISP, err, tc.misp)
		}
		if want := map[bool][]byte{false: bundle, true: event}[tc.misp]; !bytes.Equal(got, want) {
			t.Errorf("%s: read %d bytes, not the stream uncompressed", tc.name, len(got))
		}
	}
	if _, err := OpenImport(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0})); err == nil || !strings.HasPrefix(err.Error(), "gzip: ") {
		t.Errorf("a broken gzip header: %v", err)
	}
}

func TestImportSTIXAndMISPFile(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	bundle := `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[` + ipIndicator(t, 1, "198.51.100.7") + `,{"type":"indicator","id":"bad"}]}`
	var states []ingest.State
	s, err := an.ImportSTIX(ctx, c, strings.NewReader(bundle), func(o ingest.Outcome) { states = append(states, o.State) })
	if err != nil || s.Added != 1 || s.Invalid != 1 || len(states) != 2 {
		t.Errorf("ImportSTIX = %+v, %v, outcomes %v; want one added, one invalid", s, err, states)
	}
	f, err := os.Open(mispEventFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	produce, err := MISPFile(f, mispEventFile)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := an.ImportMISP(ctx, c, produce, nil)
	if err != nil || sum.MISP.Events != 1 || sum.Store.Added == 0 {
		t.Errorf("ImportMISP of a MISP file = %+v, %v; want its event's objects stored", sum, err)
	}
	if _, err := MISPFile(strings.NewReader(`{"response": 7}`), "x.json"); err == nil || !strings.HasPrefix(err.Error(), "MISP JSON: ") {
		t.Errorf("MISP JSON with no event: %v", err)
	}
}
