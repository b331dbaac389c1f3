package trust

import (
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/stix"
)

// TLP is a Traffic Light Protocol level. Levels are ordered: a higher value
// restricts more.
type TLP int

// TLP levels. TLP 1.0's WHITE counts as CLEAR.
const (
	TLPNone        TLP = iota // no TLP marking
	TLPClear                  // anyone
	TLPGreen                  // the community: every member organisation
	TLPAmber                  // the recipient's organisation (and its clients)
	TLPAmberStrict            // the recipient's organisation only
	TLPRed                    // named recipients only
)

func (t TLP) String() string {
	switch t {
	case TLPClear:
		return "TLP:CLEAR"
	case TLPGreen:
		return "TLP:GREEN"
	case TLPAmber:
		return "TLP:AMBER"
	case TLPAmberStrict:
		return "TLP:AMBER+STRICT"
	case TLPRed:
		return "TLP:RED"
	}
	return "no TLP marking"
}

// MarkingID returns the id of the TLP 2.0 marking-definition of t (from the
// OASIS TLP 2.0 extension), "" for TLPNone.
func (t TLP) MarkingID() string {
	switch t {
	case TLPClear:
		return "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	case TLPGreen:
		return "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	case TLPAmber:
		return "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	case TLPAmberStrict:
		return "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	case TLPRed:
		return "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	}
	return ""
}

// tlpOf returns the TLP level of a marking-definition id: the TLP 2.0 ones
// and the TLP 1.0 ones STIX 2.1 predefines.
func tlpOf(id string) TLP {
	switch id {
	case "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", // TLP 2.0 CLEAR
		"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": // TLP 1.0 WHITE
		return TLPClear
	case "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", // 2.0
		"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": // 1.0
		return TLPGreen
	case "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", // 2.0
		"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": // 1.0
		return TLPAmber
	case "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003":
		return TLPAmberStrict
	case "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", // 2.0
		"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": // 1.0
		return TLPRed
	}
	return TLPNone
}

// ObjectTLP returns the most restrictive TLP level among o's object-level
// markings, TLPNone when it has none.
func ObjectTLP(o *stix.Object) TLP {
	t := TLPNone
	for _, m := range o.ObjectMarkingRefs {
		t = max(t, tlpOf(m))
	}
	return t
}

// Decision is whether an object may go to a peer, and why.
type Decision struct {
	Allow  bool
	Reason string
}

// Distribution decides, object by object, which peers may receive what: the
// TLP 2.0 rules applied over the registry. Federation asks it before every
// send, so a node never sends an object to a peer that may not have it.
//
// The rules, for a peer organisation listed in the registry:
//   - a sealed envelope goes to its recipients, and to hubs, which relay
//     what they cannot open;
//   - TLP:CLEAR goes to anyone;
//   - TLP:GREEN goes to every member (the community);
//   - TLP:AMBER goes from the creator's node to its peers other than
//     observers; relays do not pass it on, since its recipients may share
//     it only inside their own organisation;
//   - TLP:AMBER+STRICT and TLP:RED never go out in clear: they travel only
//     sealed to the organisations named;
//   - an object without a TLP marking counts as Unmarked (TLP:AMBER unless
//     set), except marking and extension definitions, which are CLEAR.
//
// Distribution is safe for concurrent use if Registry is.
type Distribution struct {
	// Local is the STIX identity id of this node's organisation.
	Local string
	// Unmarked is the level assumed for objects without a TLP marking;
	// TLPNone means TLPAmber.
	Unmarked TLP
	// Registry returns the registry to decide with; typically a Verifier's
	// Registry method, so decisions follow registry updates.
	Registry func() *Registry
}

// Decide says whether o may be sent to the organisation peer (a STIX
// identity id).
func (d *Distribution) Decide(o *stix.Object, peer string) Decision {
	reg := d.Registry()
	p := reg.Organization(peer)
	if p == nil {
		return deny("peer %q is not a member in registry version %d", peer, reg.Version())
	}
	if o.Type == SealedType {
		to, err := SealedRecipients(o)
		if err != nil {
			return deny("%v", err)
		}
		switch {
		case slices.Contains(to, peer):
			return allow("sealed for %s", p.Name)
		case p.Role == RoleHub:
			return allow("hub %s relays the sealed envelope without opening it", p.Name)
		}
		return deny("sealed for other organisations; %s is neither a recipient nor a hub", p.Name)
	}
	t := ObjectTLP(o)
	if t == TLPNone {
		t = d.Unmarked
		if o.Type == "marking-definition" || o.Type == "extension-definition" {
			t = TLPClear
		}
		if t == TLPNone {
			t = TLPAmber
		}
	}
	switch t {
	case TLPClear:
		return allow("TLP:CLEAR")
	case TLPGreen:
		return allow("TLP:GREEN: %s is a member", p.Name)
	case TLPAmber:
		if p.Role == RoleObserver {
			return deny("TLP:AMBER: %s is an observer, which receives AMBER only when addressed (sealed)", p.Name)
		}
		if o.CreatedByRef == "" || o.CreatedByRef != d.Local {
			return deny("TLP:AMBER: only the creator's node shares it with its peers; this node relays it to no one")
		}
		return allow("TLP:AMBER from its creator to %s", p.Name)
	case TLPAmberStrict:
		return deny("TLP:AMBER+STRICT goes only to named organisations, sealed: seal it to %s to send it", p.Name)
	}
	return deny("TLP:RED goes only to named recipients, sealed: seal it to %s to send it", p.Name)
}

func allow(format string, args ...any) Decision {
	return Decision{true, fmt.Sprintf(format, args...)}
}

func deny(format string, args ...any) Decision {
	return Decision{false, fmt.Sprintf(format, args...)}
}
