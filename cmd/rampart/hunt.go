package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var huntUsage = helpText("hunt-usage.txt")

func (m *Main) runHunt(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("hunt", huntUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	var h node.HuntJob
	f := struct{ since, coll, root string }{since: "30d", coll: node.DefaultCollection, root: node.DefaultAPIRoot}
	cli.Vars(fs.StringVar, map[string]*string{"indicator": &h.Indicator, "pattern": &h.Pattern, "since": &f.since, "collection": &f.coll, "api-root": &f.root})
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	if err := h.Check(); err != nil {
		return m.configError(err)
	}
	var err error
	if h.Back, err = cli.ParseDays(f.since); err == nil && h.Back == 0 {
		err = fmt.Errorf("%q is no time back", f.since)
	}
	if err != nil {
		return m.Usagef("--since: %v", err)
	}
	n, c, err := m.openCollection(ctx, &sf, f.root, f.coll)
	if err != nil {
		return err
	}
	h.CollectionID = c.ID
	r, err := n.RunHunt(ctx, h)
	if r != nil {
		r.WriteText(m.Stdout)
	}
	return err
}
