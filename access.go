package rampart

import (
	"context"

	"github.com/rampart-cti/rampart/stix"
)

// AccessService applies the Policy on every path that serves objects from
// a node: TAXII and the JSON API for accounts, the node link for peers.
// Implementations are safe for concurrent use.
type AccessService interface {
	// Reader returns who the account reads as: its organisation and that
	// organisation's relation to the node. It returns ENOTFOUND when the
	// account names an organisation the node does not know.
	Reader(ctx context.Context, a *Account) (Reader, error)
	// Release returns what r may read of objs, read from the collection
	// collectionID: a slice as long as objs holding each object r may
	// read, and nil in place of each it may not. The objects they refer
	// to (stix.References) are looked up in the collection and must be
	// readable too (Policy.Decide). What is released to another
	// organisation is recorded in the audit log, and what an
	// administrator reads beyond its organisation's rights is logged.
	Release(ctx context.Context, r Reader, collectionID string, objs []*stix.Object) ([]*stix.Object, error)
}
