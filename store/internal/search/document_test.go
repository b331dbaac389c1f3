package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/pattern"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/stix"
)

func mustObject(t *testing.T, js string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestNewDoc(t *testing.T) {
	tests := []struct {
		name string
		js   string
		want Doc
	}{
		{
			"intrusion set",
			`{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000001",` +
				`"created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","name":"APT29","aliases":["Cozy Bear"],` +
				`"x_mitre_aliases":["The Dukes"],"external_references":[{"source_name":"mitre-attack","external_id":"G0016"},{"source_name":"x"},7],` +
				`"description":"Uses evil.example.com.","labels":["espionage"],"created_by_ref":"identity--00000000-0000-4000-8000-0000000000aa",` +
				`"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}`,
			Doc{
				Name:      []string{"apt29", "cozy", "bear", "the", "dukes", "g0016"},
				Body:      []string{"uses", "evil", "example", "com", "espionage"},
				Keys:      []string{"d:com.example.evil."},
				CreatedBy: "identity--00000000-0000-4000-8000-0000000000aa",
				Markings:  []string{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
			},
		},
		{
			"indicator",
			`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000002",` +
				`"created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","pattern_type":"stix","valid_from":"2021-01-01T00:00:00Z",` +
				`"pattern":"[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value != '10.0.0.1'] AND [file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E' AND file:name LIKE 'x%']"}`,
			Doc{
				Body: []string{"198", "51", "100", "7", "d41d8cd98f00b204e9800998ecf8427e"},
				Keys: []string{"v:198.51.100.7", "v:d41d8cd98f00b204e9800998ecf8427e"},
			},
		},
		{
			"indicator of another language",
			`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000003",` +
				`"created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","pattern_type":"snort","valid_from":"2021-01-01T00:00:00Z",` +
				`"pattern":"alert tcp any any -> 198.51.100.7 80"}`,
			Doc{
				Body: []string{"alert", "tcp", "any", "any", "198", "51", "100", "7", "80"},
				Keys: []string{"v:198.51.100.7"},
			},
		},
		{
			"sighting",
			`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-000000000004",` +
				`"created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","sighting_of_ref":"indicator--00000000-0000-4000-8000-000000000002",` +
				`"where_sighted_refs":["identity--00000000-0000-4000-8000-0000000000aa"]}`,
			Doc{Keys: []string{"v:identity--00000000-0000-4000-8000-0000000000aa", "v:indicator--00000000-0000-4000-8000-000000000002"}},
		},
		{
			"observable",
			`{"type":"file","spec_version":"2.1","id":"file--00000000-0000-4000-8000-000000000005","name":"invoice.pdf.exe",` +
				`"hashes":{"SHA-1":"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"}}`,
			Doc{
				Name: []string{"invoice", "pdf", "exe"},
				Body: []string{"da39a3ee5e6b4b0d3255bfef95601890afd80709"},
				Keys: []string{"d:exe.pdf.invoice.", "v:da39a3ee5e6b4b0d3255bfef95601890afd80709"},
			},
		},
		{
			"properties of unexpected types",
			`{"type":"x-thing","spec_version":"2.1","id":"x-thing--00000000-0000-4000-8000-000000000006","name":{"a":"b"},"aliases":"alone",` +
				`"description":42,"labels":[["nested"],"flat"],"external_references":{"external_id":"T1"}}`,
			Doc{Name: []string{"b", "alone"}, Body: []string{"42", "flat"}},
		},
		{
			"member names written with escapes",
			`{"type":"x-thing","spec_version":"2.1","id":"x-thing--00000000-0000-4000-8000-000000000007","\u006eame":"Escaped",` +
				`"descr\u0069ption":"text","external_references":[{"external\u005fid":"T2"}],"x_\"quoted\"":"skipped"}`,
			Doc{Name: []string{"escaped", "t2"}, Body: []string{"text"}},
		},
	}
	for _, tc := range tests {
		got := NewDoc(mustObject(t, tc.js), pattern.ValuesOf)
		if diff := cmp.Diff(tc.want, *got, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, " ") == strings.Join(b, " ") })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestNewDocLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.Repeat("w ", MaxDocWords))
	for i := range MaxDocKeys + 10 {
		fmt.Fprintf(&b, " 10.%d.%d.1", i/256, i%256)
	}
	desc := b.String()
	o := mustObject(t, `{"type":"note","spec_version":"2.1","id":"note--00000000-0000-4000-8000-000000000001","created":"2021-01-01T00:00:00Z",`+
		`"modified":"2021-01-01T00:00:00Z","content":"x","abstract":"`+desc+`","object_refs":["note--00000000-0000-4000-8000-000000000001"]}`)
	d := NewDoc(o, pattern.ValuesOf)
	if n := len(d.Name) + len(d.Body); n != MaxDocWords {
		t.Errorf("%d words, want MaxDocWords (%d)", n, MaxDocWords)
	}
	if len(d.Keys) != MaxDocKeys {
		t.Errorf("%d keys, want MaxDocKeys (%d)", len(d.Keys), MaxDocKeys)
	}
}

func TestTSVector(t *testing.T) {
	want := `'apt29':1 'cozy':2,4 'bear':3 'o''x':5 'a\\b':6`
	if got := TSVector([]string{"apt29", "cozy", "bear"}, []string{"cozy", "o'x", `a\b`}); got != want {
		t.Errorf("TSVector() = %s, want %s", got, want)
	}
}

// TestNewDocPatternValues: the values a pattern names come from the
// reader the store is given; without one, the pattern's text is indexed,
// and a value a comparison only excludes (!=) is indexed as a value only
// through the text, never as one the pattern names.
func TestNewDocPatternValues(t *testing.T) {
	o := mustObject(t, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2021-01-01T00:00:00Z",`+
		`"modified":"2021-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '198.51.100.7' AND domain-name:value != 'x.example']","pattern_type":"stix","valid_from":"2021-01-01T00:00:00Z"}`)
	with := NewDoc(o, pattern.ValuesOf)
	if !slices.Contains(with.Keys, "v:198.51.100.7") || slices.Contains(with.Keys, "v:x.example") {
		t.Errorf("with a reader: keys %q, want 198.51.100.7 and not x.example", with.Keys)
	}
	without := NewDoc(o, nil)
	if !slices.Contains(without.Body, "ipv4") {
		t.Errorf("without a reader the pattern's text should be indexed as words: %q", without.Body)
	}
	asked := ""
	NewDoc(o, func(p string) ([]string, bool) { asked = p; return nil, false })
	if !strings.Contains(asked, "198.51.100.7") {
		t.Errorf("the reader was given %q, not the pattern", asked)
	}
}
