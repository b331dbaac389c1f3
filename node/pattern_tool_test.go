package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const observedBundle = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
 {"type":"observed-data","id":"observed-data--c67d30ff-02ac-498a-92f9-32f845f448cf","spec_version":"2.1",
  "first_observed":"2026-03-01T10:00:05Z","last_observed":"2026-03-01T10:00:05Z","number_observed":1,
  "object_refs":["domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"]},
 {"type":"domain-name","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"evil.example"}]}`

func TestMatchPattern(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(file, []byte(observedBundle), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(observedBundle, `"number_observed":1`, `"number_observed":0`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, file string
		stdin           string
		compiled, match bool
		err             string // "" for none
	}{
		{"match", "[domain-name:value = 'evil.example']", file, "", true, true, ""},
		{"no match", "[domain-name:value = 'good.example']", file, "", true, false, ""},
		{"stdin", "[domain-name:value = 'evil.example']", "-", observedBundle, true, true, ""},
		{"warning kept", "[emailaddr:value = 'a@example.com']", file, "", true, false, ""},
		{"invalid pattern", "[domain-name:value = 'x", file, "", false, false, "string opened at 1:22 is not closed"},
		{"missing file", "[domain-name:value = 'x']", filepath.Join(dir, "missing.json"), "", true, false, "missing.json"},
		{"bad observations", "[domain-name:value = 'x']", bad, "", true, false, "bad.json: observed-data"},
		{"not JSON", "[domain-name:value = 'x']", "-", "nonsense", true, false, "-: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok, err := MatchPattern(tt.src, tt.file, strings.NewReader(tt.stdin))
			if (p != nil) != tt.compiled || ok != tt.match {
				t.Errorf("MatchPattern = %v, %v; want compiled %v, match %v", p, ok, tt.compiled, tt.match)
			}
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("MatchPattern error = %v; want %q", err, tt.err)
			}
		})
	}
}

func TestMatchPatternWarnings(t *testing.T) {
	p, _, err := MatchPattern("[emailaddr:value = 'a@example.com']", "-", strings.NewReader(observedBundle))
	if err != nil || p == nil || len(p.Warnings) == 0 {
		t.Fatalf("MatchPattern = %v, %v; want a pattern with a warning", p, err)
	}
}

func TestReadObservedLimit(t *testing.T) {
	const limit = 2 << 20
	if _, err := readObserved("-", strings.NewReader(strings.Repeat(" ", limit+1)), limit); err == nil || !strings.Contains(err.Error(), `read "-": larger than 2 MiB`) {
		t.Fatalf("readObserved of one byte more than its limit = %v; want larger than 2 MiB", err)
	}
	if data, err := readObserved("-", strings.NewReader(strings.Repeat(" ", limit)), limit); err != nil || len(data) != limit {
		t.Fatalf("readObserved of its limit = %d bytes, %v; want all of them", len(data), err)
	}
}
