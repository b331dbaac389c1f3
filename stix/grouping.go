package stix

import "encoding/json/jsontext"

// Grouping asserts that the referenced objects share a context (§4.4).
type Grouping struct {
	CommonProperties
	Name        string                    `json:"name,omitempty"`
	Description string                    `json:"description,omitempty"`
	Context     string                    `json:"context"`
	ObjectRefs  []string                  `json:"object_refs"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

var groupingSpec = sdoSpec(map[string]*prop{
	"name":        str(),
	"description": str(),
	"context":     vocab("grouping-context-ov", groupingContextOV),
	"object_refs": refs(anyObject),
}, []string{"context", "object_refs"})
