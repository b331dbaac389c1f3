package stix

import "encoding/json/jsontext"

// Identity is an individual, organisation or group, or a class of them
// (§4.5).
type Identity struct {
	CommonProperties
	Name               string                    `json:"name"`
	Description        string                    `json:"description,omitempty"`
	Roles              []string                  `json:"roles,omitempty"`
	IdentityClass      string                    `json:"identity_class,omitempty"`
	Sectors            []string                  `json:"sectors,omitempty"`
	ContactInformation string                    `json:"contact_information,omitempty"`
	Custom             map[string]jsontext.Value `json:",embed"`
}

var identitySpec = sdoSpec(map[string]*prop{
	"name":                str(),
	"description":         str(),
	"roles":               strList(),
	"identity_class":      vocab("identity-class-ov", identityClassOV),
	"sectors":             vocabList("industry-sector-ov", industrySectorOV),
	"contact_information": str(),
}, []string{"name"})
