package trust

import (
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/stix"
)

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
//   - an object addressed to named organisations (RecipientsExtensionID)
//     counts as TLP:RED: it too travels only sealed;
//   - an object without a TLP marking counts as Unmarked (TLP:AMBER unless
//     set), except marking and extension definitions, which are CLEAR.
//
// Distribution is safe for concurrent use if Registry is.
type Distribution struct {
	// Local is the STIX identity id of this node's organisation.
	Local string
	// Unmarked is the level assumed for objects without a TLP marking;
	// stix.TLPUnmarked means TLP:AMBER.
	Unmarked stix.TLP
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
	// Granular markings count too: one TLP:RED property makes the whole
	// object unfit to go further than RED allows; so does addressing.
	t := stix.Restriction(o)
	if t == stix.TLPUnmarked {
		t = d.Unmarked
		if o.Type == "marking-definition" || o.Type == "extension-definition" {
			t = stix.TLPClear
		}
		if t == stix.TLPUnmarked {
			t = stix.TLPAmber
		}
	}
	switch t {
	case stix.TLPClear:
		return allow("TLP:CLEAR")
	case stix.TLPGreen:
		return allow("TLP:GREEN: %s is a member", p.Name)
	case stix.TLPAmber:
		if p.Role == RoleObserver {
			return deny("TLP:AMBER: %s is an observer, which receives AMBER only when addressed (sealed)", p.Name)
		}
		if o.CreatedByRef == "" || o.CreatedByRef != d.Local {
			return deny("TLP:AMBER: only the creator's node shares it with its peers; this node relays it to no one")
		}
		return allow("TLP:AMBER from its creator to %s", p.Name)
	case stix.TLPAmberStrict:
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
