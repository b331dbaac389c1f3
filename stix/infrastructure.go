package stix

import "encoding/json/jsontext"

// Infrastructure is a system, software service or resource used for an
// attack or for defence (§4.8).
type Infrastructure struct {
	CommonProperties
	Name                string                    `json:"name"`
	Description         string                    `json:"description,omitempty"`
	InfrastructureTypes []string                  `json:"infrastructure_types,omitempty"`
	Aliases             []string                  `json:"aliases,omitempty"`
	KillChainPhases     []KillChainPhase          `json:"kill_chain_phases,omitempty"`
	FirstSeen           Timestamp                 `json:"first_seen,omitzero"`
	LastSeen            Timestamp                 `json:"last_seen,omitzero"`
	Custom              map[string]jsontext.Value `json:",embed"`
}

var infrastructureSpec = sdoSpec(map[string]*prop{
	"name":                 str(),
	"description":          str(),
	"infrastructure_types": vocabList("infrastructure-type-ov", infrastructureTypeOV),
	"aliases":              strList(),
	"kill_chain_phases":    killChainPhases,
	"first_seen":           timestamp(),
	"last_seen":            timestamp(),
}, []string{"name"}, notBefore("first_seen", "last_seen", false))
