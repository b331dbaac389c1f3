package node

import (
	"context"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

type invalidations []string

func (i *invalidations) Invalidate(collectionID string) { *i = append(*i, collectionID) }

// TestInvalidatorOnlyForKnowledge: what sensors and analysts add all day
// (sightings, observed data, notes) leaves the attribution knowledge
// built; techniques, sets, relationships and indicators rebuild it, stored
// or deleted.
func TestInvalidatorOnlyForKnowledge(t *testing.T) {
	versions := func(types ...string) []*rampart.ObjectVersion {
		var vs []*rampart.ObjectVersion
		for _, typ := range types {
			vs = append(vs, &rampart.ObjectVersion{Object: &stix.Object{Type: typ, ID: typ + "--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10"}})
		}
		return vs
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		added   []string
		deleted []string
		want    int
	}{
		{"sightings and observed data", []string{"sighting", "observed-data", "note"}, nil, 0},
		{"a relationship among sightings", []string{"sighting", "relationship"}, nil, 1},
		{"an intrusion set", []string{"intrusion-set"}, nil, 1},
		{"an indicator", []string{"indicator"}, nil, 1},
		{"deleted sightings", nil, []string{"sighting--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10"}, 0},
		{"deleted technique", nil, []string{"sighting--1", "attack-pattern--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got invalidations
			i := invalidator{&got}
			if tc.added != nil {
				i.ObjectsAdded(ctx, "intel", versions(tc.added...))
			}
			if tc.deleted != nil {
				i.ObjectsDeleted(ctx, "intel", tc.deleted)
			}
			if len(got) != tc.want {
				t.Fatalf("invalidated %v; want %d invalidation(s)", got, tc.want)
			}
		})
	}
}
