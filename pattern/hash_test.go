package pattern

import (
	"strings"
	"testing"
)

// TestHashesCompareCanonically: hash values compare whatever their case,
// and algorithm names whatever their spelling, alike in the checker, the
// evaluator and the printed path.
func TestHashesCompareCanonically(t *testing.T) {
	md5 := "cead3f77f6cda6ec00f57d76c9a6879f"
	sha := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	lower := `{"type":"file","hashes":{"MD5":"` + md5 + `","SHA-256":"` + sha + `"}}`
	spelt := `{"type":"file","hashes":{"md5":"` + md5 + `","sha256":"` + upper(sha) + `"}}`
	for _, tc := range []struct {
		pattern, data string
		want          bool
	}{
		{"[file:hashes.MD5 = '" + upper(md5) + "']", lower, true},
		{"[file:hashes.md5 = '" + md5 + "']", lower, true},
		{"[file:hashes.SHA256 = '" + sha + "']", lower, true},
		{"[file:hashes.'sha-256' = '" + upper(sha) + "']", lower, true},
		{"[file:hashes.'SHA-256' = '" + sha + "']", spelt, true},
		{"[file:hashes.MD5 = '" + upper(md5) + "']", spelt, true},
		{"[file:hashes.'SHA-256' IN ('" + upper(sha) + "', '" + other(1) + "', '" + other(2) + "', '" + other(3) + "', '" + other(4) + "')]", lower, true},
		{"[file:hashes.'SHA-256' IN ('" + upper(sha) + "', '" + other(5) + "')]", spelt, true},
		{"[file:hashes.'SHA-256' != '" + upper(sha) + "']", lower, false},
		{"[file:hashes.MD5 = 'ffffffffffffffffffffffffffffffff']", lower, false},
		// Only hashes compare whatever their case.
		{"[file:name = 'A.EXE']", `{"type":"file","name":"a.exe"}`, false},
	} {
		p, err := Compile(tc.pattern)
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		got, err := p.Match([]*Observation{mustObservation(t, od(1, 0, 0, tc.data))})
		if err != nil || got != tc.want {
			t.Errorf("%s against %s: %v, %v; want %v", tc.pattern, tc.data, got, err, tc.want)
		}
	}
	op, err := ParseObjectPath("file:hashes.sha256")
	if err != nil || op.String() != "file:hashes.'SHA-256'" || !op.IsHashPath() {
		t.Errorf("file:hashes.sha256 reads as %v (%v), want file:hashes.'SHA-256', a hash path", op, err)
	}
	if _, err := Compile("[file:hashes.SHA256 = 'abc']"); err == nil {
		t.Errorf("a SHA256 comparison with a value that is no SHA-256 hash is accepted")
	}
}

// other returns a SHA-256 hash that is not the one the test looks for.
func other(n int) string {
	return strings.Repeat(string(rune('0'+n)), 64)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func mustObservation(t *testing.T, data string) *Observation {
	t.Helper()
	obs, err := ParseObservations([]byte(data))
	if err != nil || len(obs) != 1 {
		t.Fatalf("observations %s: %v", data, err)
	}
	return obs[0]
}
