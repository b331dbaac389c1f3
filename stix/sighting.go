package stix

import "encoding/json/jsontext"

// Sighting asserts that something (an SDO) was seen, where, and on what
// evidence (§5.2).
type Sighting struct {
	CommonProperties
	Description      string                    `json:"description,omitempty"`
	FirstSeen        Timestamp                 `json:"first_seen,omitzero"`
	LastSeen         Timestamp                 `json:"last_seen,omitzero"`
	Count            *int                      `json:"count,omitempty"`
	SightingOfRef    string                    `json:"sighting_of_ref"`
	ObservedDataRefs []string                  `json:"observed_data_refs,omitempty"`
	WhereSightedRefs []string                  `json:"where_sighted_refs,omitempty"`
	Summary          bool                      `json:"summary,omitzero"`
	Custom           map[string]jsontext.Value `json:",embed"`
}

var sightingSpec = sdoSpec(map[string]*prop{
	"description":        str(),
	"first_seen":         timestamp(),
	"last_seen":          timestamp(),
	"count":              intRange(0, 999999999),
	"sighting_of_ref":    ref(anySDO),
	"observed_data_refs": refs("observed-data"),
	"where_sighted_refs": refs("identity", "location"),
	"summary":            boolean(),
}, []string{"sighting_of_ref"}, notBefore("first_seen", "last_seen", false))
