package stix

import "encoding/json/jsontext"

// Opinion is an assessment of the correctness of other objects (§4.15).
type Opinion struct {
	CommonProperties
	Explanation string                    `json:"explanation,omitempty"`
	Authors     []string                  `json:"authors,omitempty"`
	Opinion     string                    `json:"opinion"`
	ObjectRefs  []string                  `json:"object_refs"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

// Values of opinion-enum (§10.18).
const (
	OpinionStronglyDisagree = "strongly-disagree"
	OpinionDisagree         = "disagree"
	OpinionNeutral          = "neutral"
	OpinionAgree            = "agree"
	OpinionStronglyAgree    = "strongly-agree"
)

var opinionSpec = sdoSpec(map[string]*prop{
	"explanation": str(),
	"authors":     strList(),
	"opinion":     enum(opinionEnum...),
	"object_refs": refs(anyObject),
}, []string{"opinion", "object_refs"})
