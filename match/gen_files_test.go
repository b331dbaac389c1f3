package match

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeneratorWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	g := &Generator{Seed: 3, Indicators: 50, Records: 200, Hits: 7}
	planted, err := g.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if planted != 7 {
		t.Errorf("planted %d hits, want 7", planted)
	}
	lines := func(name string) int {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "\n")
	}
	if n := lines("log.jsonl"); n != 200 {
		t.Errorf("log.jsonl holds %d lines, want 200", n)
	}
	in, err := os.Open(filepath.Join(dir, "indicators.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	m := New()
	if err := LoadIndicators(m, in); err != nil || m.Len() != 50 {
		t.Errorf("indicators.jsonl: %d indicators loaded, err %v; want 50", m.Len(), err)
	}
	if n := lines("values.txt"); n == 0 {
		t.Error("values.txt is empty")
	}
	if _, err := g.WriteFiles(filepath.Join(dir, "log.jsonl", "under-a-file")); err == nil {
		t.Error("a directory under a file: no error")
	}
}
