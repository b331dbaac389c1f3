package stix

import (
	"encoding/json/jsontext"
	"regexp"
)

// Relationship links two SDOs or SCOs (§5.1).
type Relationship struct {
	CommonProperties
	RelationshipType string                    `json:"relationship_type"`
	Description      string                    `json:"description,omitempty"`
	SourceRef        string                    `json:"source_ref"`
	TargetRef        string                    `json:"target_ref"`
	StartTime        Timestamp                 `json:"start_time,omitzero"`
	StopTime         Timestamp                 `json:"stop_time,omitzero"`
	Custom           map[string]jsontext.Value `json:",embed"`
}

var relationshipTypeRE = regexp.MustCompile(`^[a-z0-9-]{3,250}$`)

var relationshipSpec = sdoSpec(map[string]*prop{
	"relationship_type": str().with(func(c *checker, n *node, path string) {
		if n.kind == '"' && !relationshipTypeRE.MatchString(n.str) {
			c.fail(path, "must be 3 to 250 characters of a-z, 0-9 and '-' (got %q)", n.str)
		}
	}),
	"description": str(),
	"source_ref":  ref(anySDO, anySCO),
	"target_ref":  ref(anySDO, anySCO),
	"start_time":  timestamp(),
	"stop_time":   timestamp(),
}, []string{"relationship_type", "source_ref", "target_ref"},
	notBefore("start_time", "stop_time", true))
