package stix

import "encoding/json/jsontext"

// IntrusionSet is a grouped set of adversarial behaviours and resources
// believed to be orchestrated by one organisation (§4.9).
type IntrusionSet struct {
	CommonProperties
	Name                 string                    `json:"name"`
	Description          string                    `json:"description,omitempty"`
	Aliases              []string                  `json:"aliases,omitempty"`
	FirstSeen            Timestamp                 `json:"first_seen,omitzero"`
	LastSeen             Timestamp                 `json:"last_seen,omitzero"`
	Goals                []string                  `json:"goals,omitempty"`
	ResourceLevel        string                    `json:"resource_level,omitempty"`
	PrimaryMotivation    string                    `json:"primary_motivation,omitempty"`
	SecondaryMotivations []string                  `json:"secondary_motivations,omitempty"`
	Custom               map[string]jsontext.Value `json:",embed"`
}

var intrusionSetSpec = sdoSpec(map[string]*prop{
	"name":                  str(),
	"description":           str(),
	"aliases":               strList(),
	"first_seen":            timestamp(),
	"last_seen":             timestamp(),
	"goals":                 strList(),
	"resource_level":        vocab("attack-resource-level-ov", attackResourceLevelOV),
	"primary_motivation":    vocab("attack-motivation-ov", attackMotivationOV),
	"secondary_motivations": vocabList("attack-motivation-ov", attackMotivationOV),
}, []string{"name"}, notBefore("first_seen", "last_seen", false))
