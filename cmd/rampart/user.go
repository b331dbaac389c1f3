package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
)

var userUsage = helpText("user-usage.txt")

// userFlags are the flags of the user commands, one set for all of them.
type userFlags struct {
	store                                     storeFlags
	admin, passwordStdin, read, write, revoke bool
	apiRoot, label, org                       string
}

func (f *userFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.BoolVar(&f.admin, "admin", false, "make the account an administrator")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input")
	fs.BoolVar(&f.read, "read", false, "grant read access")
	fs.BoolVar(&f.write, "write", false, "grant write access")
	fs.BoolVar(&f.revoke, "revoke", false, "remove the grant")
	fs.StringVar(&f.apiRoot, "api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	fs.StringVar(&f.label, "label", "", "token label")
	fs.StringVar(&f.org, "org", "", "the account's organisation")
}

// userCommands are the user commands and the arguments each takes.
var userCommands = subcommands{cmd: "user", usage: userUsage, names: "add, list, grant, org, token, passwd or delete", args: map[string]arity{
	"add": exactly(1, "NAME"), "token": exactly(1, "NAME"), "passwd": exactly(1, "NAME"), "delete": exactly(1, "NAME"),
	"grant": exactly(2, "NAME and COLLECTION"), "org": exactly(2, "NAME and IDENTITY"), "list": exactly(0, "no arguments"),
}}

func (m *Main) runUser(ctx context.Context, args []string) error {
	if len(args) > 1 && args[0] == "token" && (args[1] == "list" || args[1] == "revoke") {
		return m.runUserToken(ctx, args[1], args[2:])
	}
	var f userFlags
	sub, pos, _, err := m.parseSubcommand(userCommands, args, &f)
	if err != nil {
		return err
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return m.userAdd(ctx, n, pos[0], &f)
	case "passwd":
		return m.userPasswd(ctx, n, pos[0], f.passwordStdin)
	case "delete":
		return n.Accounts.DeleteAccount(ctx, pos[0])
	case "token":
		return m.userToken(ctx, n, pos[0], f.label)
	case "grant":
		return m.userGrant(ctx, n, pos[0], pos[1], &f)
	case "org":
		to := pos[1]
		if to == "own" {
			to = "" // the node's own organisation
		}
		return n.Accounts.SetOrganization(ctx, pos[0], to)
	}
	return m.listUsers(ctx, n)
}

func (m *Main) userAdd(ctx context.Context, n *node.Node, name string, f *userFlags) error {
	password, generated, err := m.password(f.passwordStdin)
	if err != nil {
		return err
	}
	if err := n.Accounts.CreateAccount(ctx, &rampart.Account{Name: name, Admin: f.admin, Organization: f.org}, password); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(m.Stdout, "%s\n", password)
		fmt.Fprintf(m.Stderr, "rampart: created account %q; its password (above) is shown only once\n", name)
	} else {
		fmt.Fprintf(m.Stderr, "rampart: created account %q\n", name)
	}
	return nil
}

func (m *Main) userPasswd(ctx context.Context, n *node.Node, name string, fromStdin bool) error {
	password, generated, err := m.password(fromStdin)
	if err != nil {
		return err
	}
	if err := n.Accounts.SetPassword(ctx, name, password); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(m.Stdout, "%s\n", password)
	}
	return nil
}

func (m *Main) userToken(ctx context.Context, n *node.Node, name, label string) error {
	tok, err := n.Accounts.CreateToken(ctx, name, label)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s\n", tok)
	fmt.Fprintf(m.Stderr, "rampart: created a bearer token for %q (ID %s); it is shown only once\n", name, passhash.TokenID(passhash.HashToken(tok)))
	return nil
}

func (m *Main) userGrant(ctx context.Context, n *node.Node, name, ref string, f *userFlags) error {
	c, err := n.FindCollection(ctx, f.apiRoot, ref)
	if err != nil {
		return err
	}
	if f.revoke {
		return n.Accounts.DeleteGrant(ctx, name, c.ID)
	}
	return n.Accounts.SetGrant(ctx, name, rampart.Grant{CollectionID: c.ID, Read: f.read, Write: f.write})
}

func (m *Main) listUsers(ctx context.Context, n *node.Node) error {
	accts, err := n.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	colls, err := n.CollectionNames(ctx)
	if err != nil {
		return err
	}
	orgs := n.OrganizationNames(ctx)
	tw := m.table("NAME\tADMIN\tORGANISATION\tGRANTS")
	for _, a := range accts {
		var gs []string
		for _, g := range a.Grants {
			gs = append(gs, colls[g.CollectionID]+":"+access(g))
		}
		org := "(own)"
		if a.Organization != "" {
			org = orgs(a.Organization)
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", a.Name, a.Admin, org, dash(strings.Join(gs, " ")))
	}
	return tw.Flush()
}

func access(g rampart.Grant) string {
	switch {
	case g.Read && g.Write:
		return "rw"
	case g.Read:
		return "r"
	case g.Write:
		return "w"
	}
	return "visible"
}

// password reads a password from standard input, or generates one.
func (m *Main) password(fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return rand.Text(), true, nil
	}
	password, err = m.readLine("password")
	return password, false, err
}
