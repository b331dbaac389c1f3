package feed

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/pattern"
)

// FuzzParse feeds arbitrary bodies to every preset: no panic, every value
// read is in canonical form (Normalize gives it back unchanged) and its
// pattern compiles.
func FuzzParse(f *testing.F) {
	for _, s := range samples {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", s.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[{\"value\":\"192.0.2.1\"},"))
	f.Add([]byte("\"a\",\"b\nc\""))
	var feeds []Feed
	for _, name := range Presets() {
		p, _ := Preset(name)
		feeds = append(feeds, p)
	}
	feeds = append(feeds, Feed{Format: FormatJSONL}, Feed{Format: FormatList})
	f.Fuzz(func(t *testing.T, body []byte) {
		for i := range feeds {
			for e, err := range Parse(&feeds[i], body) {
				if err != nil {
					continue
				}
				k, v, nerr := Normalize(e.Kind, e.Value)
				if nerr != nil || k != e.Kind || v != e.Value {
					t.Fatalf("%s %q is not canonical: %s %q %v", e.Kind, e.Value, k, v, nerr)
				}
				if _, err := pattern.Compile(Pattern(e.Kind, e.Value)); err != nil {
					t.Fatalf("%s %q: pattern %s: %v", e.Kind, e.Value, Pattern(e.Kind, e.Value), err)
				}
			}
		}
	})
}
