package warninglist

import (
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// ObjectHits returns the hits of a STIX object's values: for an indicator
// with a STIX pattern, the values the pattern names; for a
// cyber-observable, its value, hashes and file name. Other objects have
// none. It never fails: what cannot be read holds no value.
func ObjectHits(c *Checker, o *stix.Object) []Hit {
	if c == nil || c.entries == 0 {
		return nil
	}
	if o.Type == "indicator" {
		var ind struct {
			Pattern     string `json:"pattern"`
			PatternType string `json:"pattern_type"`
		}
		if o.Decode(&ind) != nil || (ind.PatternType != "" && ind.PatternType != "stix") {
			return nil
		}
		p, err := pattern.Compile(ind.Pattern)
		if err != nil {
			return nil
		}
		hits, _ := c.Pattern(p)
		return hits
	}
	if stix.CategoryOf(o.Type) != stix.SCO {
		return nil
	}
	var sco struct {
		Value  string            `json:"value"`
		Name   string            `json:"name"`
		Hashes map[string]string `json:"hashes"`
	}
	if o.Decode(&sco) != nil {
		return nil
	}
	var hits []Hit
	if sco.Value != "" {
		if k := KindOf(o.Type, "value", sco.Value); k != "" {
			hits = append(hits, c.Check(k, sco.Value)...)
		}
	}
	if o.Type == "file" && sco.Name != "" {
		hits = append(hits, c.Check(KindFilename, sco.Name)...)
	}
	for alg, h := range sco.Hashes {
		if k := KindOf(o.Type, "hashes."+alg, h); k != "" {
			hits = append(hits, c.Check(k, h)...)
		}
	}
	return hits
}
