package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

const orgUsage = `Usage: rampart org <init|show|add|remove> [flags] [arguments]

The organisations of a node: its own (the national CSIRT or hub that runs
it) and those its accounts belong to. What an account reads depends on its
organisation (docs/FEDERATION.md): the node's own reads TLP:AMBER and what
the node holds for it; a constituent (an operator of essential services, a
ministry the CSIRT serves) reads TLP:AMBER too; a partner reads TLP:CLEAR
and TLP:GREEN; everyone reads what is addressed to its organisation.

    org init --name NAME [--country CC] [--id IDENTITY] [--sectors LIST] [--profile NAME]
        Makes this node's organisation, and the node itself when there is
        none: its keys (DIR/org.key, readable only by you, and
        DIR/org.key.pub, to send to the registry authority), and its STIX
        identity, located in its member state and signed, which the node
        shares. Prints the organisation's id.
    org show
        The node's organisation, its keys and registry, and the
        organisations of its accounts.
    org add IDENTITY --name NAME --relation constituent|partner [--country CC]
        Records an organisation whose accounts use this node ("rampart
        user add NAME --org IDENTITY").
    org remove IDENTITY
        Forgets an organisation that no account belongs to.

Every subcommand takes the store flags --data and --postgres.

Examples:
    rampart org init --name CERT-FR --country FR
    rampart org add identity--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10 --name "Grid operator" --relation constituent --country FR
    rampart user add grid-soc --org identity--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10
    rampart org show
`

func (m *Main) runOrg(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, orgUsage)
	if err != nil {
		return err
	}
	want := map[string]int{"init": 0, "show": 0, "add": 1, "remove": 1}
	nargs, ok := want[sub]
	if !ok {
		return m.unknownSubcommand("org", sub, "init, show, add or remove")
	}
	fs := newFlagSet("org "+sub, orgUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	name := fs.String("name", "", "")
	country := fs.String("country", "", "")
	id := fs.String("id", "", "")
	sectors := fs.String("sectors", "", "")
	profile := fs.String("profile", string(trust.EUPQBase), "")
	relation := fs.String("relation", "", "")
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		return m.wrongArgs("org "+sub, []string{"no arguments", "one IDENTITY"}[nargs], pos)
	}
	if (sub == "init" || sub == "add") && *name == "" {
		m.errorf("org %s needs --name NAME", sub)
		return errUsage
	}
	cc := strings.ToUpper(*country)
	switch sub {
	case "init":
		p, err := trust.ParseProfile(*profile)
		if err != nil {
			m.errorf("--profile: %v", err)
			return errUsage
		}
		cfg := sf.config()
		cfg.Create = true
		cfg.AdminPassword = m.Getenv("RAMPART_ADMIN_PASSWORD")
		n, err := m.open(ctx, cfg)
		if err != nil {
			return err
		}
		o, keyPath, err := n.InitOrganization(ctx, node.OrgInit{ID: *id, Name: *name, Country: cc, Sectors: splitComma(*sectors), Profile: p})
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, o.ID)
		fmt.Fprintf(m.Stderr, "rampart: %s is this node's organisation; its keys are in %s (private, mode 0600) and %s.pub\n", o.Name, keyPath, keyPath)
		m.hintf("send %s.pub to the registry authority (rampart registry add --org %s --keys %s.pub …); then start the node with --registry FILE", keyPath, o.ID, keyPath)
		return nil
	case "add":
		r := rampart.Relation(*relation)
		if r != rampart.RelationConstituent && r != rampart.RelationPartner {
			m.errorf("org add needs --relation constituent or --relation partner (got %q)", *relation)
			return errUsage
		}
		n, err := m.openNode(ctx, &sf)
		if err != nil {
			return err
		}
		o := &rampart.Organization{ID: pos[0], Name: *name, Relation: r, Country: cc}
		if err := n.Organizations.CreateOrganization(ctx, o); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: %s (%s) recorded as a %s of this node\n", o.Name, o.ID, o.Relation)
		return nil
	case "remove":
		n, err := m.openNode(ctx, &sf)
		if err != nil {
			return err
		}
		return n.Organizations.DeleteOrganization(ctx, pos[0])
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	return m.orgShow(ctx, n)
}

func (m *Main) orgShow(ctx context.Context, n *node.Node) error {
	orgs, err := n.Organizations.FindOrganizations(ctx)
	if err != nil {
		return err
	}
	if own := n.Organization(ctx); own == "" {
		fmt.Fprintln(m.Stdout, "this node has no organisation yet")
		m.hintf(`run "rampart org init --name NAME --country CC"`)
	}
	if n.Identity != nil {
		fmt.Fprintf(m.Stdout, "keys:      %s (%s)\n", n.Identity.Organization(), n.Identity.Profile())
	}
	if n.Verifier != nil {
		reg := n.Verifier.Registry()
		fmt.Fprintf(m.Stdout, "registry:  version %d, authority %s\n", reg.Version(), reg.AuthorityFingerprint())
		if n.Identity != nil && reg.Organization(n.Identity.Organization()) == nil {
			fmt.Fprintf(m.Stdout, "           this node's organisation is not a member yet\n")
		}
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRELATION\tCOUNTRY\tNAME")
	for _, o := range orgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Relation, dash(o.Country), o.Name)
	}
	return tw.Flush()
}
