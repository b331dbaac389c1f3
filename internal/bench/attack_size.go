package bench

import "github.com/rampart-cti/rampart/stix"

// MaxAttackObjectSize is the largest Attack.ObjectSize: an object's
// padding leaves room for the rest of the indicator under
// stix.MaxObjectBytes, so that the node stores every object the slow
// readers then ask for.
const MaxAttackObjectSize = stix.MaxObjectBytes - 4096
