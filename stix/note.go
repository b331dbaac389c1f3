package stix

import "encoding/json/jsontext"

// Note is informative text that gives context to other objects (§4.13).
type Note struct {
	CommonProperties
	Abstract   string                    `json:"abstract,omitempty"`
	Content    string                    `json:"content"`
	Authors    []string                  `json:"authors,omitempty"`
	ObjectRefs []string                  `json:"object_refs"`
	Custom     map[string]jsontext.Value `json:",embed"`
}

var noteSpec = sdoSpec(map[string]*prop{
	"abstract":    str(),
	"content":     str(),
	"authors":     strList(),
	"object_refs": refs(anyObject),
}, []string{"content", "object_refs"})
