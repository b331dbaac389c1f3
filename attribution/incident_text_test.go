package attribution

import (
	"strings"
	"testing"
)

func TestIncidentEvidenceWriteInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   *IncidentEvidence
		want string
	}{
		{"nothing tied to the incident", &IncidentEvidence{},
			"inputs:\n  none: no technique, software or indicator is tied to the incident\n"},
		{"inputs with their paths", &IncidentEvidence{
			Techniques: []Input{{Ref: "T1486", Name: "Data Encrypted for Impact", From: [][]string{{"incident--1", "indicator--2", "attack-pattern--3"}}}},
			Software:   []Input{{Ref: "S0001"}},
			Sightings:  []string{"sighting--1", "sighting--2"},
			Unused:     []Unused{{ID: "note--1", Reason: "marked TLP:RED"}},
		}, "inputs:\n" +
			"  technique T1486 Data Encrypted for Impact\n" +
			"            from incident--1 > indicator--2 > attack-pattern--3\n" +
			"  software  S0001\n" +
			"  sightings: sighting--1, sighting--2\n" +
			"  not used: note--1: marked TLP:RED\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.ev.WriteInputs(&b); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("WriteInputs:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
