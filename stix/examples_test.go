package stix

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// exampleObjects reads every object of the OASIS example bundles (and the
// one example that is a lone object).
func exampleObjects(t testing.TB) map[string][]*Object {
	t.Helper()
	files, err := filepath.Glob("../testdata/stix21-schemas/examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../testdata/stix21-schemas/examples/*/*.json")
	files = append(files, more...)
	if len(files) < 8 {
		t.Fatalf("found %d example files, want 8", len(files))
	}
	out := make(map[string][]*Object)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		br := NewBundleReader(bytes.NewReader(data))
		for {
			o, err := br.Next()
			if err == io.EOF {
				break
			}
			if err != nil && bytes.HasPrefix(bytes.TrimSpace(data), []byte(`{`)) && !bytes.Contains(data, []byte(`"objects"`)) {
				// Not a bundle: a single object.
				o, err := ParseObject(data)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				out[name] = append(out[name], o)
				break
			}
			var oe *ObjectError
			if errors.As(err, &oe) {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = append(out[name], o)
		}
	}
	return out
}

func TestOASISExamples(t *testing.T) {
	n := 0
	for file, objs := range exampleObjects(t) {
		for _, o := range objs {
			n++
			if err := Validate(o); err != nil {
				t.Errorf("%s: %v", file, err)
			}
			// Round trip: the object's JSON reads back to itself.
			again, err := ParseObject(o.Raw)
			if err != nil || !bytes.Equal(again.Raw, o.Raw) {
				t.Errorf("%s: %s does not round-trip: %v", file, o.ID, err)
			}
		}
	}
	if n < 250 {
		t.Errorf("read %d example objects, want at least 250", n)
	}
}

// TestOASISExampleWarnings pins the SHOULD-level findings on the examples:
// only the two SCOs of infrastructure.json, whose ids are not the
// deterministic ones.
func TestOASISExampleWarnings(t *testing.T) {
	var got []string
	for _, objs := range exampleObjects(t) {
		for _, o := range objs {
			for _, w := range Warnings(o) {
				got = append(got, w.ID+" "+w.Property)
			}
		}
	}
	want := map[string]bool{
		"ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956 id":   true,
		"domain-name--ecb120bf-2694-4902-a737-62b74539a41b id": true,
	}
	if len(got) != len(want) {
		t.Errorf("warnings = %q, want %d", got, len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected warning on %s", g)
		}
	}
}
