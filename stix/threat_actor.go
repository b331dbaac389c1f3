package stix

import "encoding/json/jsontext"

// ThreatActor is an individual, group or organisation believed to operate
// with malicious intent (§4.17).
type ThreatActor struct {
	CommonProperties
	Name                 string                    `json:"name"`
	Description          string                    `json:"description,omitempty"`
	ThreatActorTypes     []string                  `json:"threat_actor_types,omitempty"`
	Aliases              []string                  `json:"aliases,omitempty"`
	FirstSeen            Timestamp                 `json:"first_seen,omitzero"`
	LastSeen             Timestamp                 `json:"last_seen,omitzero"`
	Roles                []string                  `json:"roles,omitempty"`
	Goals                []string                  `json:"goals,omitempty"`
	Sophistication       string                    `json:"sophistication,omitempty"`
	ResourceLevel        string                    `json:"resource_level,omitempty"`
	PrimaryMotivation    string                    `json:"primary_motivation,omitempty"`
	SecondaryMotivations []string                  `json:"secondary_motivations,omitempty"`
	PersonalMotivations  []string                  `json:"personal_motivations,omitempty"`
	Custom               map[string]jsontext.Value `json:",embed"`
}

var threatActorSpec = sdoSpec(map[string]*prop{
	"name":                  str(),
	"description":           str(),
	"threat_actor_types":    vocabList("threat-actor-type-ov", threatActorTypeOV),
	"aliases":               strList(),
	"first_seen":            timestamp(),
	"last_seen":             timestamp(),
	"roles":                 vocabList("threat-actor-role-ov", threatActorRoleOV),
	"goals":                 strList(),
	"sophistication":        vocab("threat-actor-sophistication-ov", threatActorSophisticationOV),
	"resource_level":        vocab("attack-resource-level-ov", attackResourceLevelOV),
	"primary_motivation":    vocab("attack-motivation-ov", attackMotivationOV),
	"secondary_motivations": vocabList("attack-motivation-ov", attackMotivationOV),
	"personal_motivations":  vocabList("attack-motivation-ov", attackMotivationOV),
}, []string{"name"}, notBefore("first_seen", "last_seen", false))
