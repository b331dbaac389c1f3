package stix

import "encoding/json/jsontext"

// Campaign is a grouping of adversarial behaviours over a period of time
// against a set of targets (§4.2).
type Campaign struct {
	CommonProperties
	Name        string                    `json:"name"`
	Description string                    `json:"description,omitempty"`
	Aliases     []string                  `json:"aliases,omitempty"`
	FirstSeen   Timestamp                 `json:"first_seen,omitzero"`
	LastSeen    Timestamp                 `json:"last_seen,omitzero"`
	Objective   string                    `json:"objective,omitempty"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

var campaignSpec = sdoSpec(map[string]*prop{
	"name":        str(),
	"description": str(),
	"aliases":     strList(),
	"first_seen":  timestamp(),
	"last_seen":   timestamp(),
	"objective":   str(),
}, []string{"name"}, notBefore("first_seen", "last_seen", false))
