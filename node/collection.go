package node

import (
	"context"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/federation"
)

// CollectionNames returns, by collection id, the name a person knows each
// of the node's collections by: its alias, or its id when it has none.
func (n *Node) CollectionNames(ctx context.Context) (map[string]string, error) {
	colls, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(colls))
	for _, c := range colls {
		names[c.ID] = c.ID
		if c.Alias != "" {
			names[c.ID] = c.Alias
		}
	}
	return names, nil
}

// AmberAudience returns the organisations (identity ids) the node's own
// TLP:AMBER in the collection is sealed to: nil when it goes to every
// member state of the trust registry (federation.Audience).
func (n *Node) AmberAudience(ctx context.Context, collectionID string) ([]string, error) {
	aud, err := federation.LoadAudience(ctx, n.Settings, collectionID)
	if err != nil || aud == nil {
		return nil, err
	}
	return aud.To, nil
}

// SetAmberAudience narrows where the node's own TLP:AMBER in the
// collection goes to the organisations to (identity ids), or, with to
// empty, lets it go to every member state again. A serving node's outbox
// applies it on its next batch. ECONFLICT when another process changed
// the audience meanwhile.
func (n *Node) SetAmberAudience(ctx context.Context, collectionID string, to []string) error {
	aud, err := federation.LoadAudience(ctx, n.Settings, collectionID)
	if err != nil {
		return err
	}
	var version int64
	if aud != nil {
		version = aud.Version
	}
	return federation.SaveAudience(ctx, n.Settings, collectionID, to, version)
}
