package stix

import "encoding/json/jsontext"

// Tool is legitimate software that threat actors can use (§4.18).
type Tool struct {
	CommonProperties
	Name            string                    `json:"name"`
	Description     string                    `json:"description,omitempty"`
	ToolTypes       []string                  `json:"tool_types,omitempty"`
	Aliases         []string                  `json:"aliases,omitempty"`
	KillChainPhases []KillChainPhase          `json:"kill_chain_phases,omitempty"`
	ToolVersion     string                    `json:"tool_version,omitempty"`
	Custom          map[string]jsontext.Value `json:",embed"`
}

var toolSpec = sdoSpec(map[string]*prop{
	"name":              str(),
	"description":       str(),
	"tool_types":        vocabList("tool-type-ov", toolTypeOV),
	"aliases":           strList(),
	"kill_chain_phases": killChainPhases,
	"tool_version":      str(),
}, []string{"name"})
