package warninglist

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGuessKind(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want Kind
	}{
		{"8.8.8.8", KindIP}, {"2001:db8::1", KindIP}, {"10.0.0.0/8", KindIP},
		{"https://example.org/x", KindURL}, {"abuse@example.org", KindEmail},
		{"d41d8cd98f00b204e9800998ecf8427e", KindMD5}, {"da39a3ee5e6b4b0d3255bfef95601890afd80709", KindSHA1},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", KindSHA256},
		{"abcdef", KindDomain}, {"example.org", KindDomain}, {"", KindDomain},
	} {
		if got := GuessKind(tc.v); got != tc.want {
			t.Errorf("GuessKind(%q) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name": `), 0o644); err != nil {
		t.Fatal(err)
	}
	lists, errs := ReadPaths([]string{"../testdata/warninglists/lists/rfc1918/list.json", filepath.Join(dir, "missing.json"), bad, "../testdata/warninglists/lists"})
	if len(errs) != 2 {
		t.Errorf("errors = %v, want two: the missing file and the bad one", errs)
	}
	if len(lists) < 2 || lists[0].ID != "rfc1918" {
		t.Fatalf("lists = %d, the first %v; want rfc1918 first, then the directory's", len(lists), lists)
	}
}
