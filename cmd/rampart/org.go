package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var orgUsage = helpText("org-usage.txt")

// orgFlags are the flags of the org commands, one set for all of them.
type orgFlags struct {
	store                                         storeFlags
	name, country, id, sectors, profile, relation string
}

func (f *orgFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	for name, p := range map[string]*string{"name": &f.name, "country": &f.country, "id": &f.id, "sectors": &f.sectors, "relation": &f.relation} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&f.profile, "profile", string(trust.EUPQBase), "")
}

// orgCommands are the org commands and the arguments each takes.
var orgCommands = subcommands{cmd: "org", usage: orgUsage, names: "init, show, add or remove", args: map[string]arity{
	"init": exactly(0, "no arguments"), "show": exactly(0, "no arguments"),
	"add": exactly(1, "one IDENTITY"), "remove": exactly(1, "one IDENTITY"),
}}

func (m *Main) runOrg(ctx context.Context, args []string) error {
	var f orgFlags
	sub, pos, _, err := m.parseSubcommand(orgCommands, args, &f)
	if err != nil {
		return err
	}
	if (sub == "init" || sub == "add") && f.name == "" {
		return m.usagef("org %s needs --name NAME", sub)
	}
	switch sub {
	case "init":
		return m.orgInit(ctx, &f)
	case "add":
		return m.orgAdd(ctx, pos[0], &f)
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	if sub == "remove" {
		return n.Organizations.DeleteOrganization(ctx, pos[0])
	}
	return m.orgShow(ctx, n)
}

// orgInit makes the node's organisation, and the node when there is none.
func (m *Main) orgInit(ctx context.Context, f *orgFlags) error {
	p, err := trust.ParseProfile(f.profile)
	if err != nil {
		return m.usagef("--profile: %v", err)
	}
	n, err := m.createNode(ctx, &f.store)
	if err != nil {
		return err
	}
	in := node.OrgInit{ID: f.id, Name: f.name, Country: strings.ToUpper(f.country), Sectors: splitComma(f.sectors), Profile: p}
	o, keyPath, err := n.InitOrganization(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, o.ID)
	fmt.Fprintf(m.Stderr, "rampart: %s is this node's organisation; its keys are in %s (private, mode 0600) and %s.pub\n", o.Name, keyPath, keyPath)
	m.hintf("send %s.pub to the registry authority (rampart registry add --org %s --keys %s.pub …); then start the node with --registry FILE", keyPath, o.ID, keyPath)
	return nil
}

// orgAdd records an organisation whose accounts use the node.
func (m *Main) orgAdd(ctx context.Context, id string, f *orgFlags) error {
	r := rampart.Relation(f.relation)
	if r != rampart.RelationConstituent && r != rampart.RelationPartner {
		return m.usagef("org add needs --relation constituent or --relation partner (got %q)", f.relation)
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	o := &rampart.Organization{ID: id, Name: f.name, Relation: r, Country: strings.ToUpper(f.country)}
	if err := n.Organizations.CreateOrganization(ctx, o); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: %s (%s) recorded as a %s of this node\n", o.Name, o.ID, o.Relation)
	return nil
}

func (m *Main) orgShow(ctx context.Context, n *node.Node) error {
	if n.Organization(ctx) == "" {
		fmt.Fprintln(m.Stdout, "this node has no organisation yet")
		m.hintf(`run "rampart org init --name NAME --country CC"`)
	}
	return n.WriteOrganizations(ctx, m.Stdout)
}
