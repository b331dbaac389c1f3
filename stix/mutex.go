package stix

import "encoding/json/jsontext"

// Mutex is a mutual exclusion object (§6.11).
type Mutex struct {
	ObservableProperties
	Name       string                    `json:"name"`
	Extensions Extensions                `json:"extensions,omitempty"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var mutexSpec = scoSpec(map[string]*prop{
	"name": str(),
}, nil, []string{"name"})
