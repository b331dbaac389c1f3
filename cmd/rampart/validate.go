package main

import "github.com/rampart-cti/rampart/stix"

// validateObject is the check every STIX 2.1 object passes before a node
// stores it, whether it arrives by TAXII or by import: the MUST rules of its
// type (stix.Validate). STIX 2.0 objects, which collections may accept for
// older tools, are only checked by stix.ParseObject.
func validateObject(o *stix.Object) error {
	if o.SpecVersion != "2.1" {
		return nil
	}
	return stix.Validate(o)
}
