package main

import (
	"context"
	"fmt"
)

const initUsage = `Usage: rampart init [--data DIR | --postgres URL]

Creates a node without starting it: an API root "cti" with one read-write
collection (alias "default") and an administrator "admin", whose password
is $RAMPART_ADMIN_PASSWORD when set, or generated and written to
DIR/admin-credentials (mode 0600). "rampart serve" and "rampart org init"
do the same on a node's first start; every other command refuses to work
where there is no node, so that one run in the wrong folder says so rather
than making an empty node there. Running it on a node changes nothing.

Examples:
    rampart init --data /var/lib/rampart
    RAMPART_ADMIN_PASSWORD=... rampart init
`

func (m *Main) runInit(ctx context.Context, args []string) error {
	fs := newFlagSet("init", initUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("init", "no arguments", fs.Args())
	}
	n, err := m.createNode(ctx, &sf)
	if err != nil {
		return err
	}
	c, err := n.FindCollection(ctx, "cti", "")
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "node in %s: collection %s (alias %q)\n", sf.dataDir, c.ID, c.Alias)
	return nil
}
