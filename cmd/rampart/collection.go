package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var collectionUsage = helpText("collection-usage.txt")

// collectionFlags are the flags of the collection commands, one set for
// all of them.
type collectionFlags struct {
	store                               storeFlags
	root, alias, title, desc, media, to string
	everyone                            bool
}

func (f *collectionFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.StringVar(&f.root, "api-root", node.DefaultAPIRoot, "API root `name`")
	fs.StringVar(&f.alias, "alias", "", "collection alias")
	fs.StringVar(&f.title, "title", "", "API root title")
	fs.StringVar(&f.desc, "description", "", "description")
	fs.StringVar(&f.media, "media-types", "application/stix+json;version=2.1", "comma-separated media types")
	fs.StringVar(&f.to, "to", "", "")
	fs.BoolVar(&f.everyone, "everyone", false, "")
}

// collectionCommands are the collection commands and the arguments each takes.
var collectionCommands = cli.Subcommands{Cmd: "collection", Usage: collectionUsage, Names: "add, list, delete, add-root or amber", Args: map[string]cli.Arity{
	"add": cli.Exactly(1, "one TITLE"), "delete": cli.Exactly(1, "one ID or ALIAS"), "amber": cli.Exactly(1, "one ID or ALIAS"),
	"add-root": cli.Exactly(1, "one NAME"), "list": cli.Exactly(0, "no arguments"),
}}

func (m *Main) runCollection(ctx context.Context, args []string) error {
	var f collectionFlags
	sub, pos, _, err := m.parseSubcommand(collectionCommands, args, &f)
	if err != nil {
		return err
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "amber":
		if f.to != "" && f.everyone {
			return m.Usagef("collection amber takes --to LIST or --everyone, not both")
		}
		return m.collectionAmber(ctx, n, pos[0], &f)
	case "add":
		c := &rampart.Collection{APIRoot: f.root, Title: pos[0], Alias: f.alias, Description: f.desc, MediaTypes: node.SplitList(f.media)}
		if err := n.Collections.CreateCollection(ctx, c); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, c.ID)
		return nil
	case "add-root":
		return n.AddAPIRoot(ctx, pos[0], f.title, f.desc)
	case "delete":
		c, err := n.FindCollection(ctx, f.root, pos[0])
		if err != nil {
			return err
		}
		return n.Collections.DeleteCollection(ctx, c.APIRoot, c.ID)
	}
	return m.listCollections(ctx, n, f.root)
}

func (m *Main) listCollections(ctx context.Context, n *node.Node, root string) error {
	cs, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: &root})
	if err != nil {
		return err
	}
	tw := m.Table("ID\tALIAS\tTITLE\tMEDIA TYPES")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Alias, c.Title, strings.Join(c.MediaTypes, ","))
	}
	tw.Flush()
	return nil
}

// collectionAmber prints, narrows (--to) or widens again (--everyone)
// where the node's TLP:AMBER in a collection goes.
func (m *Main) collectionAmber(ctx context.Context, n *node.Node, ref string, f *collectionFlags) error {
	c, err := n.FindCollection(ctx, f.root, ref)
	if err != nil {
		return err
	}
	var to []string
	switch {
	case f.everyone:
		err = n.SetAmberAudience(ctx, c.ID, nil)
	case f.to != "":
		if to, err = resolveOrgs(n.Registry(), node.SplitList(f.to), "--to", trust.RoleNationalCSIRT); err != nil {
			return m.Usagef("%v", err)
		}
		err = n.SetAmberAudience(ctx, c.ID, to)
	default:
		to, err = n.AmberAudience(ctx, c.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, n.AmberAudienceText(ctx, c, to))
	return nil
}
