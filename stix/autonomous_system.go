package stix

import "encoding/json/jsontext"

// AutonomousSystem is an Autonomous System (§6.2).
type AutonomousSystem struct {
	ObservableProperties
	Number     int64                     `json:"number"`
	Name       string                    `json:"name,omitempty"`
	RIR        string                    `json:"rir,omitempty"`
	Extensions Extensions                `json:"extensions,omitempty"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var autonomousSystemSpec = scoSpec(map[string]*prop{
	"number": integer(),
	"name":   str(),
	"rir":    str(),
}, nil, []string{"number"})
