package objecthook

import (
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

func TestFilterMatch(t *testing.T) {
	green := indicator(1, "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'Evil.Example']", producerA, tlpGreen)
	red := indicator(2, "[file:hashes.'SHA-256' = 'AB12']", producerB, tlpRed)
	unmarked := indicator(3, "[url:value = 'http://x.example/a']", producerA, "")
	sco := `{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--3c0a2d4e-7a2b-5a7e-9c1d-000000000001","value":"203.0.113.9"}`
	tests := []struct {
		name   string
		filter Filter
		obj    string
		want   bool
	}{
		{"empty takes everything", Filter{}, red, true},
		{"type", Filter{Types: []string{"indicator"}}, green, true},
		{"other type", Filter{Types: []string{"sighting", "report"}}, green, false},
		{"tlp level", Filter{Markings: []string{"TLP:GREEN"}}, green, true},
		{"tlp level, stricter object", Filter{Markings: []string{"clear", "green"}}, red, false},
		{"unmarked", Filter{Markings: []string{"unmarked"}}, unmarked, true},
		{"unmarked, marked object", Filter{Markings: []string{"unmarked"}}, green, false},
		{"marking id", Filter{Markings: []string{strings.ToUpper(tlpRed[:18]) + tlpRed[18:]}}, red, true},
		{"producer", Filter{Producers: []string{producerB}}, red, true},
		{"other producer", Filter{Producers: []string{producerB}}, green, false},
		{"pattern value", Filter{Values: []string{"198.51.100.7"}}, green, true},
		{"pattern value in any case", Filter{Values: []string{"evil.example"}}, green, true},
		{"hash value", Filter{Values: []string{"ab12"}}, red, true},
		{"value not named", Filter{Values: []string{"198.51.100.8"}}, green, false},
		{"observable value", Filter{Values: []string{"203.0.113.9"}}, sco, true},
		{"all lists must match", Filter{Types: []string{"indicator"}, Producers: []string{producerA}, Values: []string{"ab12"}}, red, false},
		{"any item of a list", Filter{Values: []string{"nope", "http://x.example/a"}}, unmarked, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.filter
			if err := f.Check(); err != nil {
				t.Fatal(err)
			}
			o, err := stix.ParseObject([]byte(tt.obj))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(o); got != tt.want {
				t.Errorf("Match = %v, want %v (filter %+v)", got, tt.want, f)
			}
		})
	}
}

func TestFilterCheckRefuses(t *testing.T) {
	for _, tt := range []struct {
		filter Filter
		want   string
	}{
		{Filter{Types: []string{"Not A Type"}}, `filter types: "Not A Type"`},
		{Filter{Markings: []string{"purple"}}, `filter markings: "purple"`},
		{Filter{Producers: []string{"organization--x"}}, `filter producers: "organization--x"`},
		{Filter{Values: []string{"a", " "}}, "filter values: item 2 is empty"},
		{Filter{Values: make([]string, MaxFilterItems+1)}, "filter values: 1001 items"},
	} {
		err := tt.filter.Check()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%v) = %v, want an error with %q", tt.filter, err, tt.want)
		}
	}
}
