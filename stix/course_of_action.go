package stix

import "encoding/json/jsontext"

// CourseOfAction is an action taken to prevent or respond to an attack
// (§4.3). The specification reserves its "action" property.
type CourseOfAction struct {
	CommonProperties
	Name        string                    `json:"name"`
	Description string                    `json:"description,omitempty"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

var courseOfActionSpec = sdoSpec(map[string]*prop{
	"name":        str(),
	"description": str(),
	"action":      notAllowed("is reserved for a future version of STIX and must not be used"),
}, []string{"name"})
