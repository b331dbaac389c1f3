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

// FindReferences looks up, in one collection, the objects that objs refer
// to (stix.References; the latest version of each) and returns a function
// giving each object's: what Policy.Decide and Policy.Distribute take as
// refs. An object refers to nothing the collection does not hold.
func FindReferences(ctx context.Context, objects ObjectService, collectionID string, objs []*stix.Object) (func(*stix.Object) []*stix.Object, error) {
	refsOf := make(map[*stix.Object][]string, len(objs))
	seen := map[string]bool{}
	var ids []string
	for _, o := range objs {
		rs := stix.References(o)
		refsOf[o] = rs
		for _, id := range rs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	held := map[string]*stix.Object{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		f := ObjectFilter{CollectionID: collectionID, IDs: chunk, Limit: MaxPageSize}
		for {
			page, err := objects.FindObjects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, v := range page.Versions {
				if h := held[v.Object.ID]; h == nil || v.Object.Version().Compare(h.Version()) > 0 {
					held[v.Object.ID] = v.Object
				}
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return func(o *stix.Object) []*stix.Object {
		var out []*stix.Object
		for _, id := range refsOf[o] {
			if h := held[id]; h != nil {
				out = append(out, h)
			}
		}
		return out
	}, nil
}
