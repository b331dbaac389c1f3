package node

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"slices"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// Sightings stores the sightings a matcher makes on this node: each marked
// and addressed as derived from the indicator it is of
// (rampart.Policy.Derived: as strict, and back to its producer when that
// is another organisation), signed with the node's keys so that
// federation carries it, and stored with its observed-data and
// cyber-observables through the node's object service, which tells the
// early-warning engine and federation at once. The CLI ("rampart match
// --store") and the JSON API's observations both store through it.
//
// A Sightings is not safe for concurrent use: one per stream.
type Sightings struct {
	n          *Node
	collection string
	policy     rampart.Policy
	derived    map[string]derivation // indicator id -> what its sightings inherit
	// suppress takes out hits whose observed values are all on the
	// node's warninglists (nil without lists).
	suppress func(match.Hit) bool

	// IDs are the ids of the sightings stored, in order; Objects the
	// sightings themselves.
	IDs     []string
	Objects []*stix.Object
	// err is the store's error that ended the stream.
	err error
	// archive keeps the values of the records matched, for retro-hunts.
	archive *archiver
}

// Observed keeps the values of a record the stream read in the node's
// archive, for retro-hunts; call it for every record (match.Stream's
// OnRecord) and Flush at the end.
func (s *Sightings) Observed(ctx context.Context, r *match.Record) {
	if s.archive == nil {
		s.archive = newArchiver(s.n.Archive, s.policy.Organization)
	}
	s.archive.record(ctx, r)
}

// Flush writes the values Observed holds.
func (s *Sightings) Flush(ctx context.Context) error {
	if s.archive == nil {
		return nil
	}
	return s.archive.flush(ctx)
}

// Stored returns the sightings stored so far, in order.
func (s *Sightings) Stored() []*stix.Object { return s.Objects }

// Failed returns the error of the store that ended the stream, nil when
// none did (a malformed upload is the stream's error, not the store's).
func (s *Sightings) Failed() error { return s.err }

type derivation struct {
	level stix.TLP
	to    []string
	// score is the indicator's score when the sighting is made, nil when
	// the node does not hold the indicator.
	score *float64
}

var _ match.Sink = (*Sightings)(nil)

// NewSightings returns a sink that stores sightings in collectionID.
// Hits whose observed values are all on the node's warninglists (as they
// are when it is called) raise no sighting: the aggregator counts them in
// Suppressed.
func (n *Node) NewSightings(ctx context.Context, collectionID string) *Sightings {
	return &Sightings{n: n, collection: collectionID, policy: n.Policy(ctx), derived: map[string]derivation{}, suppress: n.Suppressor(ctx)}
}

// Aggregator returns an aggregator that turns hits into sightings made by
// this node where the organisation where sighted them, over windows of
// length window, into this sink.
func (s *Sightings) Aggregator(where string, window time.Duration) *match.Aggregator {
	if where == "" {
		where = s.policy.Organization
	}
	s.archive = newArchiver(s.n.Archive, where)
	return &match.Aggregator{Window: window, WhereSightedRef: where, CreatedByRef: s.policy.Organization, Sink: s, Suppress: s.suppress}
}

// Sighting marks, signs and stores one sighting with the objects it
// refers to.
func (s *Sightings) Sighting(ctx context.Context, sighting *stix.Object, related []*stix.Object) error {
	var of struct {
		Ref string `json:"sighting_of_ref"`
	}
	if err := json.Unmarshal(sighting.Raw, &of); err != nil {
		return fmt.Errorf("sighting %s: %v", sighting.ID, err)
	}
	d, err := s.derivation(ctx, of.Ref)
	if err != nil {
		return err
	}
	if d.score != nil {
		if sighting, err = withProperty(sighting, lifecycle.PropScore, *d.score); err != nil {
			return fmt.Errorf("sighting %s: %v", sighting.ID, err)
		}
	}
	objs := make([]*stix.Object, 0, len(related)+1)
	for _, o := range append(related[:len(related):len(related)], sighting) {
		to := d.to
		if stix.CategoryOf(o.Type) == stix.SCO {
			// A cyber-observable names a value, has no creator and is
			// never signed, so it never leaves the node: its marking
			// keeps it from readers who may not see the sighting.
			to = nil
		}
		m, err := mark(o, d.level, to)
		if err != nil {
			return fmt.Errorf("sighting %s: %v", sighting.ID, err)
		}
		if s.n.Identity != nil && m.CreatedByRef != "" && m.CreatedByRef == s.n.Identity.Organization() {
			if m, err = s.n.Identity.Sign(m); err != nil {
				return fmt.Errorf("sign %s: %w", m.ID, err)
			}
		}
		objs = append(objs, m)
	}
	if _, err := s.n.Objects.CreateObjects(ctx, s.collection, objs); err != nil {
		s.err = fmt.Errorf("store sighting %s: %w", sighting.ID, err)
		return s.err
	}
	last := objs[len(objs)-1]
	s.IDs = append(s.IDs, last.ID)
	s.Objects = append(s.Objects, last)
	return nil
}

// derivation returns what a sighting of indicator id inherits, from the
// newest version any collection holds; one the node does not hold (it was
// deleted meanwhile) gives TLP:AMBER kept on this node.
func (s *Sightings) derivation(ctx context.Context, id string) (derivation, error) {
	if d, ok := s.derived[id]; ok {
		return d, nil
	}
	newest, err := s.n.NewestObject(ctx, id)
	if err != nil {
		return derivation{}, err
	}
	d := derivation{level: stix.TLPAmber}
	if newest != nil {
		d.level, d.to = s.policy.Derived(newest)
		if l, err := s.n.Lifecycle(ctx); err == nil {
			if sc, err := l.Score(newest); err == nil {
				d.score = &sc.Value
			}
		}
	} else if s.policy.Organization != "" {
		d.to = []string{s.policy.Organization}
	}
	s.derived[id] = d
	return d, nil
}

// withProperty returns o with the top-level property name set to value.
func withProperty(o *stix.Object, name string, value any) (*stix.Object, error) {
	var members map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &members); err != nil {
		return nil, err
	}
	b, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	members[name] = b
	raw, err := json.Marshal(members, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	return stix.ParseObject(raw)
}

// NewestObject returns the newest version of object id that any
// collection of the node holds, nil when none does.
func (n *Node) NewestObject(ctx context.Context, id string) (*stix.Object, error) {
	colls, err := allCollections(ctx, n.Collections)
	if err != nil {
		return nil, err
	}
	var newest *stix.Object
	for _, c := range colls {
		page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c, IDs: []string{id}, Limit: 1})
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			if newest == nil || v.Object.Version().Compare(newest.Version()) > 0 {
				newest = v.Object
			}
		}
	}
	return newest, nil
}

// mark returns o with the TLP marking level in place of its own TLP
// markings, and addressed to the organisations to when there are any.
func mark(o *stix.Object, level stix.TLP, to []string) (*stix.Object, error) {
	var members map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &members); err != nil {
		return nil, err
	}
	refs := slices.DeleteFunc(slices.Clone(o.ObjectMarkingRefs), func(ref string) bool {
		_, isTLP := stix.TLPOfMarking(ref)
		return isTLP
	})
	refs = append(refs, level.MarkingID())
	b, err := json.Marshal(refs)
	if err != nil {
		return nil, err
	}
	members["object_marking_refs"] = b
	raw, err := json.Marshal(members, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	out, err := stix.ParseObject(raw)
	if err != nil || len(to) == 0 {
		return out, err
	}
	return stix.WithRecipients(out, to...)
}
