package attribution

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// KnowledgeTypes are the object types a Knowledge reads from a store.
var KnowledgeTypes = []string{
	TypeTechnique, TypeIntrusionSet, TypeCampaign, TypeMalware, TypeTool, TypeTactic,
	TypeIndicator, TypeIdentity, TypeLocation, TypeRelationship,
}

// Store is where attribution reads a node's objects: the latest version
// of each object of some collections, as one reader may read them. A
// Source is safe for concurrent use when its Objects and Release are.
type Store struct {
	Objects     rampart.ObjectService
	Collections []string
	// Release, when set, decides what the reader may read of each page
	// read from a collection: it returns a slice as long as objs with nil
	// in place of each object withheld (rampart.AccessService.Release).
	// Nil reads everything.
	Release func(ctx context.Context, collectionID string, objs []*stix.Object) ([]*stix.Object, error)
}

// Each calls fn with the latest version of every object of the types (all
// types when none) the reader may read, collection after collection; an
// object held in two collections is seen twice. It stops early, with no
// error, when fn returns false, and returns the store's errors.
func (s *Store) Each(ctx context.Context, types []string, fn func(*stix.Object) bool) error {
	return s.each(ctx, rampart.ObjectFilter{Types: types}, fn)
}

func (s *Store) each(ctx context.Context, f rampart.ObjectFilter, fn func(*stix.Object) bool) error {
	for _, coll := range s.Collections {
		f.CollectionID, f.AfterSeq = coll, 0
		for {
			page, err := s.Objects.FindObjects(ctx, f)
			if err != nil {
				return err
			}
			objs := make([]*stix.Object, len(page.Versions))
			for i, v := range page.Versions {
				objs[i] = v.Object
			}
			if s.Release != nil && len(objs) > 0 {
				released, err := s.Release(ctx, coll, objs)
				if err != nil {
					return err
				}
				if len(released) != len(objs) {
					return fmt.Errorf("release of %d objects from collection %q returned %d", len(objs), coll, len(released))
				}
				objs = released
			}
			for _, o := range objs {
				if o != nil && !fn(o) {
					return nil
				}
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return nil
}

// Latest returns the latest version the reader may read of each object
// named, keyed by id; ids the collections do not hold, or the reader may
// not read, are absent. Of an object held in several collections, the
// newest version wins.
func (s *Store) Latest(ctx context.Context, ids []string) (map[string]*stix.Object, error) {
	out := map[string]*stix.Object{}
	for start := 0; start < len(ids); start += rampart.MaxFilterIDs {
		chunk := ids[start:min(len(ids), start+rampart.MaxFilterIDs)]
		err := s.each(ctx, rampart.ObjectFilter{IDs: chunk}, func(o *stix.Object) bool {
			if old := out[o.ID]; old == nil || o.Version().Compare(old.Version()) > 0 {
				out[o.ID] = o
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Knowledge reads a Knowledge from the objects of KnowledgeTypes the
// reader may read, calling seen (when not nil) with each. Objects the
// knowledge cannot use are left out, as with a bundle; the store's errors
// are returned.
func (s *Store) Knowledge(ctx context.Context, seen func(*stix.Object)) (*Knowledge, error) {
	k := NewKnowledge()
	var readErr error
	seq := iter.Seq[*stix.Object](func(yield func(*stix.Object) bool) {
		readErr = s.Each(ctx, KnowledgeTypes, func(o *stix.Object) bool {
			if seen != nil {
				seen(o)
			}
			return yield(o)
		})
	})
	var le *LoadError
	if err := k.AddAll(seq); err != nil && !errors.As(err, &le) {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	return k, nil
}
