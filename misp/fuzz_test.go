package misp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

// FuzzParse: no input makes Parse, Convert or the way back panic, and
// every object the converter makes parses again as STIX. The seeds are
// small: the fuzzer makes little headway from events of 100 KB.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./misp/
func FuzzParse(f *testing.F) {
	for _, rel := range []string{"pymisp-events/mispevent_testfiles/event_obj_attr_tag.json"} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"Event":{"info":"x","Attribute":[{"type":"domain|ip","value":"a|b"}]}}`))
	f.Add([]byte(`[{"response":{"Attribute":{"type":"AS","value":"AS1"}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, _, err := Parse(data, "fuzz.json")
		if err != nil {
			return
		}
		c := NewConverter(nil)
		x := NewExporter()
		for i, ev := range evs {
			_, err := c.Convert(context.Background(), ev, "fuzz.json", i, func(o *stix.Object) error {
				if _, err := stix.ParseObject(o.Raw); err != nil {
					t.Errorf("made %s, which does not parse: %v", o.Raw, err)
				}
				x.Add(o)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		x.Events()
	})
}
