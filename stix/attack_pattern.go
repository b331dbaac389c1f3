package stix

import "encoding/json/jsontext"

// AttackPattern is a type of TTP describing ways adversaries attempt to
// compromise targets (§4.1).
type AttackPattern struct {
	CommonProperties
	Name            string           `json:"name"`
	Description     string           `json:"description,omitempty"`
	Aliases         []string         `json:"aliases,omitempty"`
	KillChainPhases []KillChainPhase `json:"kill_chain_phases,omitempty"`
	// Custom holds members the specification does not define (custom
	// properties and toplevel-property-extension properties).
	Custom map[string]jsontext.Value `json:",embed"`
}

var attackPatternSpec = sdoSpec(map[string]*prop{
	"name":              str(),
	"description":       str(),
	"aliases":           strList(),
	"kill_chain_phases": killChainPhases,
}, []string{"name"})
