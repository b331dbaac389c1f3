package node

import (
	"context"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/objecthook"
)

// newStreamHooks returns the deliverer of the stream webhooks: the
// stream, the hooks in the settings, each released what its account may
// read.
func (n *Node) newStreamHooks(stream rampart.ObjectStream) *objecthook.Deliverer {
	return &objecthook.Deliverer{Stream: stream, Settings: n.Settings, Release: n.releaseStreamed, Logger: n.logger}
}

// releaseStreamed returns what the named account may read of vs: the
// checks of a TAXII read (a read grant on the collection, then TLP and
// addressing).
func (n *Node) releaseStreamed(ctx context.Context, account string, vs []*rampart.StreamedObject) ([]*rampart.StreamedObject, error) {
	a, err := n.Accounts.FindAccountByName(ctx, account)
	if err != nil {
		return nil, err
	}
	rd, err := n.Access.Reader(ctx, a)
	if err != nil {
		return nil, err
	}
	colls, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	var readable []string
	for _, c := range colls {
		if a.CanRead(c.ID) {
			readable = append(readable, c.ID)
		}
	}
	return rampart.ReleaseStreamed(ctx, n.Access, &rd, readable, vs)
}
