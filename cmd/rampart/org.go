package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var orgUsage = helpText("org-usage.txt")

// orgFlags are the flags of the org commands, one set for all of them.
type orgFlags struct {
	store            storeFlags
	req              node.OrgRequest
	sectors, profile string
}

func (f *orgFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	r := &f.req
	for name, p := range map[string]*string{"name": &r.Name, "country": &r.Country, "id": &r.ID, "sectors": &f.sectors, "relation": (*string)(&r.Relation)} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&f.profile, "profile", string(trust.EUPQBase), "")
}

// orgCommands are the org commands and the arguments each takes.
var orgCommands = cli.Subcommands{Cmd: "org", Usage: orgUsage, Names: "init, show, add or remove", Args: map[string]cli.Arity{
	"init": cli.Exactly(0, "no arguments"), "show": cli.Exactly(0, "no arguments"),
	"add": cli.Exactly(1, "one IDENTITY"), "remove": cli.Exactly(1, "one IDENTITY"),
}}

func (m *Main) runOrg(ctx context.Context, args []string) error {
	var f orgFlags
	sub, pos, _, err := m.parseSubcommand(orgCommands, args, &f)
	if err != nil {
		return err
	}
	r := &f.req
	r.Op, r.Sectors = sub, node.SplitList(f.sectors)
	if len(pos) == 1 {
		r.ID = pos[0]
	}
	if err := r.Check(); err != nil {
		return m.usageOf(err)
	}
	if sub == "init" {
		return m.orgInit(ctx, &f)
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "remove":
		return n.Organizations.DeleteOrganization(ctx, r.ID)
	case "add":
		o, err := n.AddOrganization(ctx, *r)
		if err == nil {
			fmt.Fprintf(m.Stderr, "rampart: %s (%s) recorded as a %s of this node\n", o.Name, o.ID, o.Relation)
		}
		return err
	}
	if n.Organization(ctx) == "" {
		fmt.Fprintln(m.Stdout, "this node has no organisation yet")
		m.Hintf(`run "rampart org init --name NAME --country CC"`)
	}
	return n.WriteOrganizations(ctx, m.Stdout)
}

// orgInit makes the node's organisation, and the node when there is none.
func (m *Main) orgInit(ctx context.Context, f *orgFlags) error {
	var err error
	if f.req.Profile, err = trust.ParseProfile(f.profile); err != nil {
		return m.Usagef("--profile: %v", err)
	}
	n, err := m.createNode(ctx, &f.store)
	if err != nil {
		return err
	}
	o, keyPath, err := n.InitOrganization(ctx, f.req.OrgInit)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, o.ID)
	fmt.Fprintf(m.Stderr, "rampart: %s is this node's organisation; its keys are in %s (private, mode 0600) and %s.pub\n", o.Name, keyPath, keyPath)
	m.Hintf("send %s.pub to the registry authority (rampart registry add --org %s --keys %s.pub …); then start the node with --registry FILE", keyPath, o.ID, keyPath)
	return nil
}
