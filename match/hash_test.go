package match

import (
	"slices"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

// TestHashesMatchWhateverTheirCase: an indicator's hash in upper case
// finds the same hash logged in lower case, and an algorithm spelt SHA256
// finds SHA-256, through the index as through the evaluator.
func TestHashesMatchWhateverTheirCase(t *testing.T) {
	m := New()
	err := m.AddObjects([]*stix.Object{
		indicator(t, 1, "[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']", ""),
		indicator(t, 2, "[file:hashes.SHA256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", ""),
		indicator(t, 3, "[file:hashes.'SHA-1' IN ('DA39A3EE5E6B4B0D3255BFEF95601890AFD80709', '0000000000000000000000000000000000000000')]", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, m,
		`{"ts":"2026-03-01T10:00:00Z","file:hashes.MD5":"cead3f77f6cda6ec00f57d76c9a6879f"}`,
		`{"ts":"2026-03-01T10:00:01Z","file:hashes.'SHA-256'":"AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F"}`,
		`{"ts":"2026-03-01T10:00:02Z","file:hashes.sha256":"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}`,
		`{"ts":"2026-03-01T10:00:03Z","file:hashes.SHA1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}`,
		`{"ts":"2026-03-01T10:00:04Z","file:hashes.MD5":"00000000000000000000000000000000"}`,
	)
	want := []string{"01", "02", "02", "03", ""}
	if !slices.Equal(got, want) {
		t.Errorf("hits per line %q, want %q", got, want)
	}
}
