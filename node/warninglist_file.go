package node

import (
	"context"

	"github.com/rampart-cti/rampart/warninglist"
)

// AddWarninglistFiles reads the lists of each path (a list file, or a
// directory of them: warninglist.ReadPaths) and stores them as
// AddWarninglists does; a file that cannot be read or a list that cannot
// be stored does not stop the others. done is told first of each file that
// could not be read, as a WarninglistAdded without a List, then of what
// became of each list; storing, when set, of each list before it is
// stored (i of total stored so far).
func (n *Node) AddWarninglistFiles(ctx context.Context, paths []string, storing func(i, total int, l *warninglist.List), done func(WarninglistAdded)) {
	lists, errs := warninglist.ReadPaths(paths)
	for _, err := range errs {
		done(WarninglistAdded{Err: err})
	}
	var told func(int, *warninglist.List)
	if storing != nil {
		told = func(i int, l *warninglist.List) { storing(i, len(lists), l) }
	}
	n.AddWarninglists(ctx, lists, told, done)
}
