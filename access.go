package rampart

import (
	"context"
	"slices"

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

// FindReferences looks up, in every collection of the node, the objects
// that objs refer to (stix.References; the newest version any collection
// holds) and returns a function giving each object's: what Policy.Decide
// and Policy.Distribute take as refs. An object refers to nothing the node
// does not hold.
func FindReferences(ctx context.Context, objects ObjectService, collections CollectionService, objs []*stix.Object) (func(*stix.Object) []*stix.Object, error) {
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
	var colls []*Collection
	if len(ids) > 0 {
		var err error
		if colls, err = collections.FindCollections(ctx, CollectionFilter{}); err != nil {
			return nil, err
		}
	}
	for c, chunk := range referenceQueries(colls, ids) {
		f := ObjectFilter{CollectionID: colls[c].ID, IDs: chunk, Limit: MaxPageSize}
		for {
			page, err := objects.FindObjects(ctx, f)
			if ErrorCode(err) == ENOTFOUND {
				break // a collection deleted meanwhile holds nothing
			}
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
		rs, ok := refsOf[o]
		if !ok {
			rs = stix.References(o)
		}
		for _, id := range rs {
			if h := held[id]; h != nil {
				out = append(out, h)
			}
		}
		return out
	}, nil
}

// referenceQueries yields, for every collection (by index) and chunk of at
// most MaxFilterIDs ids, one query's ids.
func referenceQueries(collections []*Collection, ids []string) func(yield func(int, []string) bool) {
	return func(yield func(int, []string) bool) {
		for c := range collections {
			for chunk := range slices.Chunk(ids, MaxFilterIDs) {
				if !yield(c, chunk) {
					return
				}
			}
		}
	}
}
