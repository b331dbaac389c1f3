package node

import (
	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// ImportBatch is how many objects an import stores in one transaction.
const ImportBatch = 1000

// Ingester returns what stores a stream of objects into collection c on
// the node's object service, with the checks every object passes however
// it comes in, as a TAXII POST does: the collection's media types
// (taxii.CheckMediaType) and Validate. What it reads before a broken
// stream is stored (an import keeps all it could read); set Report to
// learn what became of each object.
func (n *Node) Ingester(c *rampart.Collection) *ingest.Ingester {
	return &ingest.Ingester{
		Objects: n.Objects,
		Check: func(o *stix.Object) error {
			if err := taxii.CheckMediaType(c, o); err != nil {
				return err
			}
			return Validate(o)
		},
		BatchSize:        ImportBatch,
		StoreBeforeBreak: true,
	}
}
