package node

import (
	"context"

	"github.com/rampart-cti/rampart/warninglist"
)

// WarninglistAdded is what AddWarninglists did with one list.
type WarninglistAdded struct {
	List *warninglist.List
	// LeftOut are the entries the checker cannot use (a malformed CIDR
	// block, a bad regular expression), each an *warninglist.EntryError;
	// Entries counts those it uses.
	LeftOut []error
	Entries int
	// Replaced says the node held a list of that name before.
	Replaced bool
	// Err is why the list was not stored.
	Err error
}

// AddWarninglists stores lists one after another; a list that cannot be
// stored does not stop the others. storing, when set, is told of each
// list before it is stored (i lists stored so far); done of what became
// of it.
func (n *Node) AddWarninglists(ctx context.Context, lists []*warninglist.List, storing func(i int, l *warninglist.List), done func(WarninglistAdded)) {
	for i, l := range lists {
		a := WarninglistAdded{List: l}
		_, a.LeftOut = warninglist.Compile([]*warninglist.List{l})
		a.Entries = len(l.Entries) - len(a.LeftOut)
		if storing != nil {
			storing(i, l)
		}
		a.Replaced, a.Err = n.AddWarninglist(ctx, l)
		done(a)
	}
}

// CheckWarninglists returns the entries of the node's warninglists that
// value is on, read as a value of kind (a MISP attribute type, "ip-dst";
// told from the value's form when empty), and the kinds it was checked as.
func (n *Node) CheckWarninglists(ctx context.Context, kind, value string) ([]warninglist.Kind, []warninglist.Hit, error) {
	wl, err := n.Warninglists(ctx)
	if err != nil {
		return nil, nil, err
	}
	kinds := []warninglist.Kind{warninglist.GuessKind(value)}
	if kind != "" {
		kinds = warninglist.KindsOf(kind)
	}
	var hits []warninglist.Hit
	for _, k := range kinds {
		hits = append(hits, wl.Checker.Check(k, value)...)
	}
	return kinds, hits, nil
}
