package node

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/misp"
)

func TestImportFile(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "bundle.json.gz")
	bundle := `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[` + ipIndicator(t, 1, "198.51.100.7") + `,{"type":"indicator","id":"bad"}]}`
	if err := os.WriteFile(file, gzipped(t, []byte(bundle)), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(name string) (io.ReadCloser, error) { return os.Open(name) }
	var invalid []error
	req := ImportRequest{Name: file, Collection: c, Open: open, Invalid: func(err error) { invalid = append(invalid, err) }}
	s, err := an.ImportFile(ctx, req)
	if err != nil || !s.Started || s.MISP != nil || s.Added != 1 || s.Invalid != 1 || len(invalid) != 1 {
		t.Fatalf("ImportFile of a gzipped bundle = %+v, %v, invalid %v; want one added, one invalid", s, err, invalid)
	}
	var out bytes.Buffer
	if err := s.WriteText(&out, "b.json"); err != nil || !strings.HasPrefix(out.String(), "b.json: 2 objects: 1 imported, 0 already present, 1 failed (") {
		t.Errorf("WriteText = %q, %v", out.String(), err)
	}
	again, err := an.ImportFile(ctx, ImportRequest{Name: file, Collection: c, Open: open})
	if err != nil || again.Present != 1 {
		t.Errorf("ImportFile again = %+v, %v; want the indicator present", again, err)
	}
	var total ImportSummary
	total.Add(s)
	total.Add(again)
	if total.Added != 1 || total.Present != 1 || total.Invalid != 2 || total.Elapsed != s.Elapsed+again.Elapsed {
		t.Errorf("total = %+v", total)
	}

	m, err := an.ImportFile(ctx, ImportRequest{Name: mispEventFile, Collection: c, Open: open})
	if err != nil || m.MISP == nil || m.MISP.Events != 1 || m.Added == 0 {
		t.Fatalf("ImportFile of MISP event JSON = %+v, %v; want its event's objects stored", m, err)
	}
	out.Reset()
	if err := m.WriteText(&out, "ev.json"); err != nil || !strings.HasPrefix(out.String(), "ev.json: MISP: 1 events, ") || !strings.Contains(out.String(), "MISP attributes/s\n") {
		t.Errorf("WriteText of a MISP import = %q, %v", out.String(), err)
	}

	missing, err := an.ImportFile(ctx, ImportRequest{Name: filepath.Join(dir, "none.json"), Collection: c, Open: open})
	if !errors.Is(err, os.ErrNotExist) || missing.Started {
		t.Errorf("ImportFile of a missing file = %+v, %v; want not started, ErrNotExist", missing, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.json"), []byte(`{"response": 7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := an.ImportFile(ctx, ImportRequest{Name: filepath.Join(dir, "big.json"), Collection: c, Open: open}); err == nil || s.Started {
		t.Errorf("ImportFile of MISP JSON without an event = %+v, %v; want an error before starting", s, err)
	}
}

func TestImportSummaryString(t *testing.T) {
	var s ImportSummary
	s.Added, s.Present, s.Invalid, s.NotStored = 1, 2, 3, 4
	if got, want := s.String(), "10 objects: 1 imported, 2 already present, 3 failed, 4 not stored (0.0s, 0 objects/s)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	s = ImportSummary{MISP: &misp.FeedSummary{Listed: 3, Fetched: 2, Skipped: 1}}
	var out bytes.Buffer
	s.WriteText(&out, "feed")
	if !strings.Contains(out.String(), "feed: MISP: 3 listed, 2 fetched, 1 unchanged; 0 events") {
		t.Errorf("WriteText of a MISP feed import = %q", out.String())
	}
}
