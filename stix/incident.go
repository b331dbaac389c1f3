package stix

import "encoding/json/jsontext"

// Incident is a stub object for a security incident (§4.6); its details
// are usually carried by an extension.
type Incident struct {
	CommonProperties
	Name            string                    `json:"name"`
	Description     string                    `json:"description,omitempty"`
	KillChainPhases []KillChainPhase          `json:"kill_chain_phases,omitempty"`
	Custom          map[string]jsontext.Value `json:",embed"`
}

var incidentSpec = sdoSpec(map[string]*prop{
	"name":              str(),
	"description":       str(),
	"kill_chain_phases": killChainPhases,
}, []string{"name"})
