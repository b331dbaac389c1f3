package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
)

var initUsage = helpText("init-usage.txt")

func (m *Main) runInit(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("init", initUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.WrongArgs("init", "no arguments", fs.Args())
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
