package rampart

import (
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/stix"
)

// Reader is who reads from this node: an account, or a peer node over the
// node link.
type Reader struct {
	// Organization is the reader's organisation, a STIX identity id; for
	// the node's own accounts it is the node's organisation ("" while the
	// node has none).
	Organization string
	Relation     Relation
	// Admin readers may read everything; the caller logs what they read
	// beyond their organisation's rights (Decision.AdminOnly).
	Admin bool
	// Name is the account's name or the peer's, for logs and the audit.
	Name string
}

// Decision is whether a reader may read an object, and why.
type Decision struct {
	Allow bool
	// AdminOnly reports an object allowed only because the reader is an
	// administrator: its organisation could not read it.
	AdminOnly bool
	Reason    string
}

// Distribution is where this node sends one of its own objects to other
// nodes.
type Distribution struct {
	// Clear reports an object every member may receive as it is
	// (TLP:CLEAR and TLP:GREEN).
	Clear bool
	// Recipients are the organisations the object goes to sealed to their
	// keys (never in clear), relayed by hubs that cannot open it. Empty,
	// with Clear false, the object stays on this node.
	Recipients []string
	Reason     string
}

// Policy is the distribution model: who may read what, inside a node and
// across nodes. It is the one place that decides, for every path that
// serves or sends objects: TAXII and the JSON API (Decide for accounts),
// alerts and exports (Decide), and federation (Decide for what goes to a
// peer in clear, Distribute for what the node seals to whom).
//
// The rules, for an object and the objects it refers to (stix.References:
// what is derived from an object is restricted at least as much as the
// object, so a sighting, note, opinion, relationship or alert is readable
// only by who may read every object it is about that the node holds):
//
//   - its creator (created_by_ref) may read it;
//   - an object addressed to named organisations (stix.Recipients) is for
//     those organisations and its creator alone, whatever its TLP marking;
//     a malformed addressing names nobody;
//   - TLP:CLEAR and TLP:GREEN: every reader;
//   - TLP:AMBER (and objects without a TLP marking, unless Unmarked says
//     otherwise): the node's own organisation and its constituents; never
//     in clear to partners or peers;
//   - TLP:AMBER+STRICT and TLP:RED: the node's own organisation, which
//     holds the object, alone;
//   - marking and extension definitions are TLP:CLEAR.
//
// Across nodes (Distribute), a node sends only its own organisation's
// objects beyond CLEAR and GREEN, and those only sealed: AMBER to every
// member state, addressed objects to their recipients; what is derived
// from an addressed object goes no further than that object's recipients
// and creator, and what is derived from another organisation's AMBER or
// stricter object back to that organisation alone. RED and AMBER+STRICT
// that name nobody stay home.
//
// A Policy is a value; it is safe for concurrent use.
type Policy struct {
	// Organization is the node's own organisation ("" while it has none).
	Organization string
	// Unmarked is the level of objects without a TLP marking;
	// stix.TLPUnmarked means TLP:AMBER.
	Unmarked stix.TLP
}

// audience is what limits who may read one object.
type audience struct {
	creator string
	level   stix.TLP
	// addressed objects are for recipients (and their creator) alone; a
	// malformed addressing leaves recipients empty: for nobody.
	addressed  bool
	recipients []string
}

func (p *Policy) audienceOf(o *stix.Object) audience {
	a := audience{creator: o.CreatedByRef}
	switch o.Type {
	case "marking-definition", "extension-definition":
		a.level = stix.TLPClear
		return a
	}
	a.level = stix.StrictestTLP(o)
	if a.level == stix.TLPUnmarked {
		a.level = p.Unmarked
		if a.level == stix.TLPUnmarked {
			a.level = stix.TLPAmber
		}
	}
	if stix.Addressed(o) {
		a.addressed = true
		a.recipients, _ = stix.Recipients(o)
	}
	return a
}

// reads reports whether r may read an object with audience a, and why not.
func (p *Policy) reads(a audience, r Reader) (bool, string) {
	if a.creator != "" && a.creator == r.Organization {
		return true, "its creator"
	}
	if a.addressed {
		if r.Organization != "" && slices.Contains(a.recipients, r.Organization) {
			return true, "addressed to " + r.Organization
		}
		return false, "addressed to other organisations"
	}
	switch a.level {
	case stix.TLPClear, stix.TLPGreen:
		return true, a.level.String()
	case stix.TLPAmber:
		if r.Relation == RelationOwn || r.Relation == RelationConstituent {
			return true, "TLP:AMBER: the node's organisation and its constituents"
		}
		return false, fmt.Sprintf("TLP:AMBER: for the node's organisation and its constituents, not a %s", r.Relation)
	}
	if r.Relation == RelationOwn {
		return true, a.level.String() + ": the node's own organisation"
	}
	return false, a.level.String() + ": for the node's own organisation and named organisations only"
}

// Decide says whether r may read o in clear. refs are the objects o refers
// to (stix.References) that the node holds; r must be able to read each of
// them too. An administrator may read everything: Decision.AdminOnly tells
// when that was needed.
func (p *Policy) Decide(o *stix.Object, r Reader, refs ...*stix.Object) Decision {
	ok, why := p.decide(o, r, refs)
	switch {
	case ok:
		return Decision{Allow: true, Reason: why}
	case r.Admin:
		return Decision{Allow: true, AdminOnly: true, Reason: "administrator (" + why + ")"}
	}
	return Decision{Reason: why}
}

func (p *Policy) decide(o *stix.Object, r Reader, refs []*stix.Object) (bool, string) {
	if o.Type == SealedType {
		// Envelopes are transport: federation routes them; inside a node
		// only its own organisation sees them, as ciphertext.
		if r.Relation == RelationOwn {
			return true, "a sealed envelope, as ciphertext"
		}
		return false, "a sealed envelope, routed by federation"
	}
	ok, why := p.reads(p.audienceOf(o), r)
	if !ok {
		return false, why
	}
	for _, ref := range refs {
		if ok, why := p.reads(p.audienceOf(ref), r); !ok {
			return false, fmt.Sprintf("about %s, which is %s", ref.ID, why)
		}
	}
	return true, why
}

// InClear reports whether o, on its own markings, may travel between nodes
// in clear: TLP:CLEAR and TLP:GREEN that name nobody. Everything else goes
// only sealed, so a node refuses it when it arrives in clear.
func (p *Policy) InClear(o *stix.Object) bool {
	if o.Type == SealedType {
		return true
	}
	a := p.audienceOf(o)
	return !a.addressed && a.level <= stix.TLPGreen
}

// SealedType is the STIX type of a sealed envelope (package trust makes
// and opens them).
const SealedType = "x-rampart-sealed"

// Distribute says where this node sends o to other nodes. members are the
// member-state organisations of the federation other than this node's
// (those that receive its TLP:AMBER), refs the objects o refers to that the
// node holds. Only this node's own organisation's objects go beyond CLEAR
// and GREEN: a node relays AMBER, AMBER+STRICT, RED and addressed objects
// of others to no one.
func (p *Policy) Distribute(o *stix.Object, members []string, refs ...*stix.Object) Distribution {
	if o.Type == SealedType {
		return Distribution{Reason: "a sealed envelope: relayed to its recipients by federation"}
	}
	a := p.audienceOf(o)
	clear := !a.addressed && a.level <= stix.TLPGreen
	for _, ref := range refs {
		ra := p.audienceOf(ref)
		clear = clear && !ra.addressed && ra.level <= stix.TLPGreen
	}
	if clear {
		return Distribution{Clear: true, Reason: a.level.String()}
	}
	if p.Organization == "" || o.CreatedByRef != p.Organization {
		return Distribution{Reason: "another organisation's object beyond TLP:GREEN: this node relays it to no one"}
	}
	to, why := p.sealedTo(a, members)
	for _, ref := range refs {
		if len(to) == 0 {
			break
		}
		ra := p.audienceOf(ref)
		rt, rwhy := p.sealedTo(ra, members)
		switch {
		case ra.creator == p.Organization:
		case ra.addressed:
			// What is derived from an addressed object goes no further
			// than the object: its recipients and its creator.
			rt = append(slices.Clone(ra.recipients), ra.creator)
			rwhy = "about " + ref.ID + ", addressed to its recipients"
		case ra.level >= stix.TLPAmber:
			// What is derived from another organisation's object goes
			// back to that organisation alone.
			rt = []string{ra.creator}
			rwhy = "back to " + orNobody(ra.creator) + ", whose object " + ref.ID + " it is about"
		}
		to = slices.DeleteFunc(to, func(org string) bool { return !slices.Contains(rt, org) })
		why += "; " + rwhy
	}
	to = slices.DeleteFunc(to, func(org string) bool { return org == p.Organization })
	if len(to) == 0 {
		return Distribution{Reason: why + ": stays on this node"}
	}
	return Distribution{Recipients: to, Reason: why}
}

func orNobody(org string) string {
	if org == "" {
		return "nobody (no creator)"
	}
	return org
}

// Derived returns the TLP level and the recipients of an object this node
// derives from o (a sighting of an indicator, an alert about a sighting):
// as strict as o, and addressed back to o's creator when o is another
// organisation's and beyond TLP:GREEN or addressed; derived from one of
// this node's own objects it keeps that object's addressing. A derived
// object whose source has no creator, or a malformed addressing, is
// addressed to this node's organisation alone, so it stays here.
func (p *Policy) Derived(o *stix.Object) (stix.TLP, []string) {
	a := p.audienceOf(o)
	self := func() []string {
		if p.Organization == "" {
			return nil
		}
		return []string{p.Organization}
	}
	switch {
	case a.creator != p.Organization && (a.level >= stix.TLPAmber || a.addressed):
		if a.creator == "" {
			return a.level, self()
		}
		return a.level, []string{a.creator}
	case a.addressed && len(a.recipients) == 0:
		return a.level, self()
	case a.addressed:
		return a.level, slices.Clone(a.recipients)
	}
	return a.level, nil
}

// sealedTo returns the organisations one of this node's objects may go to
// sealed, by its own audience.
func (p *Policy) sealedTo(a audience, members []string) ([]string, string) {
	switch {
	case a.addressed:
		if len(a.recipients) == 0 {
			return nil, "addressed to no one (malformed recipients)"
		}
		return slices.Clone(a.recipients), "addressed"
	case a.level <= stix.TLPAmber:
		return slices.Clone(members), a.level.String() + ": every member state"
	}
	return nil, a.level.String() + " addressed to no one"
}
