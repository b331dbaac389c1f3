package stix

import "encoding/json/jsontext"

// Indicator is a pattern that can be used to detect suspicious or malicious
// activity (§4.7).
type Indicator struct {
	CommonProperties
	Name            string                    `json:"name,omitempty"`
	Description     string                    `json:"description,omitempty"`
	IndicatorTypes  []string                  `json:"indicator_types,omitempty"`
	Pattern         string                    `json:"pattern"`
	PatternType     string                    `json:"pattern_type"`
	PatternVersion  string                    `json:"pattern_version,omitempty"`
	ValidFrom       Timestamp                 `json:"valid_from,omitzero"`
	ValidUntil      Timestamp                 `json:"valid_until,omitzero"`
	KillChainPhases []KillChainPhase          `json:"kill_chain_phases,omitempty"`
	Custom          map[string]jsontext.Value `json:",embed"`
}

var indicatorSpec = sdoSpec(map[string]*prop{
	"name":              str(),
	"description":       str(),
	"indicator_types":   vocabList("indicator-type-ov", indicatorTypeOV),
	"pattern":           str(),
	"pattern_type":      vocab("pattern-type-ov", patternTypeOV),
	"pattern_version":   str(),
	"valid_from":        timestamp(),
	"valid_until":       timestamp(),
	"kill_chain_phases": killChainPhases,
}, []string{"pattern", "pattern_type", "valid_from"},
	notBefore("valid_from", "valid_until", true),
	checkIndicatorPattern)

// checkIndicatorPattern hands a STIX pattern to the Validator's Pattern
// hook.
func checkIndicatorPattern(c *checker, n *node, path string) {
	p, pt := n.get("pattern"), n.get("pattern_type")
	if c.v == nil || c.v.Pattern == nil || p == nil || pt == nil || p.kind != '"' || pt.kind != '"' || pt.str != "stix" {
		return
	}
	if err := c.v.Pattern(p.str); err != nil {
		c.fail(join(path, "pattern"), "is not a valid STIX pattern: %v", err)
	}
}
