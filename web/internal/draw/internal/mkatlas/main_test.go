package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestGeneratedUpToDate regenerates europe_data.go and compares it with
// the checked-in file: the generator is reproducible and was run after
// its last change.
func TestGeneratedUpToDate(t *testing.T) {
	data, err := os.ReadFile("../../atlas/countries-50m.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := generate(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../europe_data.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("europe_data.go is not what mkatlas generates (%d bytes, want %d): run go generate ./web/internal/draw", len(want), len(got))
	}
	again, err := generate(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Fatal("two runs of generate differ")
	}
}

// TestSourceChecksum checks the vendored file against the checksum its
// SOURCE.md records.
func TestSourceChecksum(t *testing.T) {
	data, err := os.ReadFile("../../atlas/countries-50m.json")
	if err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile("../../atlas/SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); !strings.Contains(string(source), "**sha256:** `"+got+"`") {
		t.Fatalf("atlas/SOURCE.md does not record the sha256 of countries-50m.json, %s", got)
	}
}

// TestTable checks the country table: 27 member states, no code twice.
func TestTable(t *testing.T) {
	members := 0
	seen := make(map[string]bool)
	for _, c := range countries {
		if seen[c.alpha2] || seen[c.numeric] {
			t.Errorf("%s (%s) listed twice", c.alpha2, c.numeric)
		}
		seen[c.alpha2], seen[c.numeric] = true, true
		if c.member {
			members++
		}
	}
	if members != 27 {
		t.Errorf("%d member states, want 27", members)
	}
}
