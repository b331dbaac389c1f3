package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/warninglist"
)

// Output: results on stdout (one line per list added, listed or holding
// the value checked); warnings about entries left out and errors on
// stderr. Exit 1 when a file could not be added, 2 on usage errors.

var warninglistUsage = helpText("warninglist-usage.txt")

type warninglistFlags struct {
	store  storeFlags
	kind   string
	asJSON bool
}

func (f *warninglistFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.StringVar(&f.kind, "kind", "", "")
	fs.BoolVar(&f.asJSON, "json", false, "")
}

var warninglistCommands = cli.Subcommands{Cmd: "warninglist", Usage: warninglistUsage, Names: "add, list, remove, check or policy", Args: map[string]cli.Arity{
	"add": cli.Between(1, 1<<20, "FILE or DIR arguments"), "list": cli.Exactly(0, "no arguments"),
	"remove": cli.Exactly(1, "one NAME"), "check": cli.Exactly(1, "one VALUE"), "policy": cli.Between(0, 1, "flag or drop"),
}}

func (m *Main) runWarninglist(ctx context.Context, args []string) error {
	var f warninglistFlags
	sub, pos, _, err := m.parseSubcommand(warninglistCommands, args, &f)
	if err != nil {
		return err
	}
	var policy warninglist.Policy
	if sub == "policy" && len(pos) == 1 {
		if policy, err = warninglist.ParsePolicy(pos[0]); err != nil {
			return m.Usagef("%v", err)
		}
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return m.addWarninglists(ctx, n, pos)
	case "list":
		lists, err := n.FindWarninglists(ctx)
		if err != nil {
			return err
		} else if f.asJSON {
			return m.PrintJSON(warninglist.Lists(lists).Listings())
		}
		return warninglist.Lists(lists).WriteText(m.Stdout)
	case "remove":
		if err := n.RemoveWarninglist(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed warninglist %s\n", pos[0])
		return nil
	case "check":
		kinds, hits, err := n.CheckWarninglists(ctx, f.kind, pos[0])
		if err != nil {
			return err
		} else if len(hits) == 0 {
			fmt.Fprintf(m.Stdout, "%s (%s) is on no warninglist\n", pos[0], kinds[0])
		}
		for _, h := range hits {
			fmt.Fprintf(m.Stdout, "%s: %s (entry %s)\n", h.List, h.Name, h.Entry)
		}
		return nil
	}
	if policy == "" {
		if policy, err = n.WarninglistPolicy(ctx); err == nil {
			fmt.Fprintf(m.Stdout, "%s\n", policy)
		}
		return err
	}
	if err := n.SetWarninglistPolicy(ctx, policy); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "warninglist policy: %s\n", policy)
	return nil
}

// addWarninglists reads and stores the lists of each argument; a file that
// fails does not stop the others.
func (m *Main) addWarninglists(ctx context.Context, n *node.Node, paths []string) error {
	failed, lists, total := 0, 0, 0
	line := progress.NewLine(m.Stderr)
	defer line.Clear()
	n.AddWarninglistFiles(ctx, paths, func(i, all int, l *warninglist.List) {
		line.Printf("%d/%d lists stored, storing %s", i, all, l.ID)
	}, func(a node.WarninglistAdded) {
		line.Clear()
		if a.List == nil {
			m.Errorf("%v", a.Err)
			failed++
			return
		}
		lists++
		for i, err := range a.LeftOut {
			if i == maxReportedLines {
				m.Warnf("… and %d more entries of %s left out", len(a.LeftOut)-i, a.List.ID)
				break
			}
			m.Warnf("%v (left out)", err)
		}
		if a.Err != nil {
			m.Errorf("%s: %v", a.List.ID, a.Err)
			failed++
			return
		}
		verb := map[bool]string{false: "added", true: "replaced"}[a.Replaced]
		total += a.Entries
		fmt.Fprintf(m.Stdout, "%s %s (%s): %s, %s\n", verb, a.List.ID, a.List.Name, a.List.Type, entries(a.Entries))
	})
	if lists > 1 {
		fmt.Fprintf(m.Stdout, "%s, %s\n", cli.Plural(lists, "list"), entries(total))
	}
	if failed > 0 {
		return cli.ErrReported
	}
	return nil
}

// entries writes a count of entries, "1 entry", "2 entries".
func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
