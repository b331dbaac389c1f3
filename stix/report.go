package stix

import "encoding/json/jsontext"

// Report is a collection of threat intelligence about one or more topics
// (§4.16).
type Report struct {
	CommonProperties
	Name        string                    `json:"name"`
	Description string                    `json:"description,omitempty"`
	ReportTypes []string                  `json:"report_types,omitempty"`
	Published   Timestamp                 `json:"published,omitzero"`
	ObjectRefs  []string                  `json:"object_refs"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

var reportSpec = sdoSpec(map[string]*prop{
	"name":         str(),
	"description":  str(),
	"report_types": vocabList("report-type-ov", reportTypeOV),
	"published":    timestamp(),
	"object_refs":  refs(anyObject),
}, []string{"name", "published", "object_refs"})
