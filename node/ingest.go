package node

import (
	"context"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/warninglist"
)

// ImportBatch is how many objects an import stores in one transaction.
const ImportBatch = 1000

// Ingester returns what stores a stream of objects into collection c on
// the node's object service, with the checks every object passes however
// it comes in, as a TAXII POST does: the collection's media types
// (taxii.CheckMediaType) and Validate. What it reads before a broken
// stream is stored (an import keeps all it could read); set Report to
// learn what became of each object.
//
// Indicators whose pattern values are all on the node's warninglists are
// refused when the warninglist policy is drop (read once, when the
// Ingester is made).
func (n *Node) Ingester(c *rampart.Collection) *ingest.Ingester {
	// Only policy drop needs the lists compiled (a second for the whole
	// MISP repository): under flag an import does not wait for them.
	ctx := context.Background()
	var wl *Warninglists
	p, err := n.WarninglistPolicy(ctx)
	if err == nil && p == warninglist.PolicyDrop {
		wl, err = n.Warninglists(ctx)
	}
	if err != nil {
		n.logger.Warn("warninglists not read: ingest goes on without them", "err", err)
	}
	return &ingest.Ingester{
		Objects: n.Objects,
		Check: func(o *stix.Object) error {
			if err := taxii.CheckMediaType(c, o); err != nil {
				return err
			}
			if err := validate(o, n.patterns.put); err != nil {
				return err
			}
			return checkWarninglists(wl, o)
		},
		BatchSize:        ImportBatch,
		StoreBeforeBreak: true,
	}
}
