package stix

import (
	"strings"
	"testing"
)

// TestParseTreeReused parses objects of different shapes one after the
// other with the parsers Validate reuses: each tree must be the one a new
// parser builds, with nothing left of the trees before it (a node that
// was a list before and is a string now, members of an earlier object,
// the map index of a large one).
func TestParseTreeReused(t *testing.T) {
	var many strings.Builder
	many.WriteString(`{"type":"x-many"`)
	for i := range 40 {
		many.WriteString(`,"x_p` + strings.Repeat("a", i) + `":[1,2,{"k":"v"}]`)
	}
	many.WriteString(`,"list":[` + strings.Repeat(`"e",`, 100) + `"e"]}`)
	inputs := []string{
		many.String(),
		`{"a":"b"}`,
		`{"a":[true,false,null],"b":{"c":{"d":[]}},"e":-1.5e3}`,
		`{"a":`, // fails half-way
		`["x","y"]`,
		`{"z":"\u00e9\n","y":{}}`,
		many.String(),
		`{}`,
	}
	for round := range 3 {
		for _, in := range inputs {
			want, werr := parseTree([]byte(in))
			got, p, gerr := parseTreeReused([]byte(in))
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("round %d, %.40q: error %v, reused %v", round, in, werr, gerr)
			}
			if werr == nil {
				if g, w := string(got.appendJSON(nil)), string(want.appendJSON(nil)); g != w {
					t.Errorf("round %d: reused parser gave\n%s\nwant\n%s", round, g, w)
				}
				if (got.index == nil) != (want.index == nil) {
					t.Errorf("round %d, %.40q: reused tree has index %v, want %v", round, in, got.index != nil, want.index != nil)
				}
			}
			p.release()
		}
	}
}
