package coord

import (
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/stix"
)

// Coordination objects are addressed (stix.Recipients) to the member
// states they concern, so that federation carries them to those, sealed,
// and to no one else:
//
//   - an incident marked TLP:AMBER or stricter (the default), to the
//     organisations of its reporting and affected member states;
//   - a statement, drafts and published versions alike, to its drafter
//     and the member states it invites;
//   - an endorsement, to the statement's drafter and invited states, so
//     that every one of them counts the same endorsements.

// addressIncident addresses an incident's object to its member states,
// through orgsOf (the organisations of a member state); self is the node's
// organisation, always a recipient of what it writes. An incident marked
// TLP:GREEN or TLP:CLEAR is for the whole community and stays unaddressed.
func addressIncident(o *stix.Object, inc *Incident, self string, orgsOf func(string) []string) (*stix.Object, error) {
	if orgsOf == nil {
		return o, nil
	}
	if l := stix.StrictestTLP(o); l == stix.TLPClear || l == stix.TLPGreen {
		return o, nil
	}
	var to []string
	if self != "" {
		to = append(to, self)
	}
	for _, cc := range append([]string{inc.MemberState}, inc.AffectedMemberStates...) {
		if cc != "" {
			to = append(to, orgsOf(cc)...)
		}
	}
	return address(o, to)
}

// addressStatement addresses a statement, or an endorsement of it, to its
// drafter and invited member states.
func addressStatement(o *stix.Object, s *Statement) (*stix.Object, error) {
	return address(o, append([]string{s.CreatedBy}, s.Invited...))
}

func address(o *stix.Object, to []string) (*stix.Object, error) {
	to = slices.DeleteFunc(to, func(org string) bool { return org == "" })
	slices.Sort(to)
	to = slices.Compact(to)
	if len(to) == 0 {
		return o, nil
	}
	out, err := stix.WithRecipients(o, to...)
	if err != nil {
		return nil, fmt.Errorf("address to the member states concerned: %v", err)
	}
	return out, nil
}
