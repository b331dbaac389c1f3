package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/federation"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

const collectionUsage = `Usage: rampart collection <add|list|delete|add-root|amber> [flags] [arguments]

Manages the node's TAXII API roots and collections.

    collection add TITLE [--alias NAME] [--description TEXT] [--api-root NAME]
                         [--media-types LIST]
        Creates a collection and prints its id. Media types default to STIX
        2.1; list "application/stix+json;version=2.0" too to accept STIX 2.0.
    collection list [--api-root NAME]
        Lists the collections of an API root.
    collection delete ID|ALIAS [--api-root NAME]
        Deletes a collection and every object in it.
    collection add-root NAME [--title TEXT] [--description TEXT]
        Creates an API root, served at /NAME/.
    collection amber ID|ALIAS [--to LIST | --everyone]
        Where the node's own TLP:AMBER in the collection it federates goes:
        by default, sealed to every member state (the national CSIRTs of the
        trust registry); --to narrows it to those listed (country codes,
        names or identity ids, looked up in the node's registry);
        --everyone lifts the narrowing. Without flags, prints it. An object
        addressed to named organisations goes to them whatever this says.

Every subcommand takes the store flags --data and --postgres.

Examples:
    rampart collection add "Phishing indicators" --alias phishing
    rampart collection add-root eu-hub --title "EU hub exchange"
    rampart collection add Exchange --api-root eu-hub
    rampart collection list
    rampart collection amber default --to DE,IT
`

func (m *Main) runCollection(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, collectionUsage)
	if err != nil {
		return err
	}
	fs := newFlagSet("collection "+sub, collectionUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	root := fs.String("api-root", node.DefaultAPIRoot, "API root `name`")
	alias := fs.String("alias", "", "collection alias")
	title := fs.String("title", "", "API root title")
	desc := fs.String("description", "", "description")
	mediaTypes := fs.String("media-types", "application/stix+json;version=2.1", "comma-separated media types")
	to := fs.String("to", "", "")
	everyone := fs.Bool("everyone", false, "")
	var want string
	switch sub {
	case "add":
		want = "one TITLE"
	case "delete", "amber":
		want = "one ID or ALIAS"
	case "add-root":
		want = "one NAME"
	case "list":
		want = "no arguments"
	default:
		return m.unknownSubcommand("collection", sub, "add, list, delete, add-root or amber")
	}
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if (want == "no arguments") != (len(pos) == 0) || len(pos) > 1 {
		return m.wrongArgs("collection "+sub, want, pos)
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	switch sub {
	case "amber":
		if *to != "" && *everyone {
			m.errorf("collection amber takes --to LIST or --everyone, not both")
			return errUsage
		}
		return m.collectionAmber(ctx, n, *root, pos[0], *to, *everyone)
	case "add":
		c := &rampart.Collection{APIRoot: *root, Title: pos[0], Alias: *alias, Description: *desc, MediaTypes: splitComma(*mediaTypes)}
		if err := n.Collections.CreateCollection(ctx, c); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, c.ID)
	case "add-root":
		if reservedRoot(pos[0]) {
			return fmt.Errorf("API root name %q is taken by the node's own endpoints (%s); choose another", pos[0], strings.Join(reservedRoots, ", "))
		}
		t := *title
		if t == "" {
			t = pos[0]
		}
		if err := n.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: pos[0], Title: t, Description: *desc}); err != nil {
			return err
		}
	case "delete":
		c, err := n.FindCollection(ctx, *root, pos[0])
		if err != nil {
			return err
		}
		if err := n.Collections.DeleteCollection(ctx, c.APIRoot, c.ID); err != nil {
			return err
		}
	case "list":
		cs, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: root})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALIAS\tTITLE\tMEDIA TYPES")
		for _, c := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Alias, c.Title, strings.Join(c.MediaTypes, ","))
		}
		tw.Flush()
	}
	return nil
}

// collectionAmber prints, narrows (to) or widens again (everyone) where
// the node's TLP:AMBER in a collection goes.
func (m *Main) collectionAmber(ctx context.Context, n *node.Node, root, ref, to string, everyone bool) error {
	c, err := n.FindCollection(ctx, root, ref)
	if err != nil {
		return err
	}
	aud, err := federation.LoadAudience(ctx, n.Settings, c.ID)
	if err != nil {
		return err
	}
	var version int64
	if aud != nil {
		version = aud.Version
	}
	var reg *trust.Registry
	if n.Verifier != nil {
		reg = n.Verifier.Registry()
	}
	switch {
	case everyone:
		if err := federation.SaveAudience(ctx, n.Settings, c.ID, nil, version); err != nil {
			return err
		}
		aud = nil
	case to != "":
		ids, err := resolveOrgs(reg, splitComma(to), "--to", trust.RoleNationalCSIRT)
		if err != nil {
			m.errorf("%v", err)
			return errUsage
		}
		if err := federation.SaveAudience(ctx, n.Settings, c.ID, ids, version); err != nil {
			return err
		}
		aud = &federation.Audience{To: ids}
	}
	label := c.ID
	if c.Alias != "" {
		label = c.Alias + " (" + c.ID + ")"
	}
	if aud == nil {
		fmt.Fprintf(m.Stdout, "TLP:AMBER of %s goes to every member state of the trust registry\n", label)
		return nil
	}
	names := make([]string, len(aud.To))
	for i, id := range aud.To {
		names[i] = id
		if name := registryOrg(n, id); name != "" {
			names[i] = name + " (" + id + ")"
		}
	}
	fmt.Fprintf(m.Stdout, "TLP:AMBER of %s goes to %s alone\n", label, strings.Join(names, ", "))
	return nil
}

// reservedRoots are path segments the node serves itself, which no TAXII
// API root may take.
var reservedRoots = []string{"taxii2", "api", "healthz", "metrics"}

func reservedRoot(name string) bool {
	for _, r := range reservedRoots {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}
