package main

import (
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// validateObject is the check every STIX 2.1 object passes before a node
// stores it, whether it arrives by TAXII or by import: the MUST rules of its
// type (stix.Validate) and, for indicators, a pattern that compiles, so an
// indicator whose pattern is wrong is refused when it is stored, with the
// position of the error, never later at match time. STIX 2.0 objects, which
// collections may accept for older tools, are only checked by
// stix.ParseObject.
func validateObject(o *stix.Object) error {
	if o.SpecVersion != "2.1" {
		return nil
	}
	v := stix.Validator{Pattern: compilePattern}
	return v.Validate(o)
}

func compilePattern(p string) error {
	_, err := pattern.Compile(p)
	return err
}
