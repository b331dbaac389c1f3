package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart/internal/cli"
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
var userCommands = cli.Subcommands{Cmd: "user", Usage: userUsage, Names: "add, list, grant, org, token, passwd or delete", Args: map[string]cli.Arity{
	"add": cli.Exactly(1, "NAME"), "token": cli.Exactly(1, "NAME"), "passwd": cli.Exactly(1, "NAME"), "delete": cli.Exactly(1, "NAME"),
	"grant": cli.Exactly(2, "NAME and COLLECTION"), "org": cli.Exactly(2, "NAME and IDENTITY"), "list": cli.Exactly(0, "no arguments"),
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
		tok, id, err := n.CreateToken(ctx, pos[0], f.label)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s\n", tok)
		fmt.Fprintf(m.Stderr, "rampart: created a bearer token for %q (ID %s); it is shown only once\n", pos[0], id)
		return nil
	case "grant":
		return n.SetGrant(ctx, pos[0], f.apiRoot, pos[1], f.read, f.write, f.revoke)
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

func (m *Main) listUsers(ctx context.Context, n *node.Node) error {
	accts, err := n.AccountSummaries(ctx)
	if err != nil {
		return err
	}
	tw := m.Table("NAME\tADMIN\tORGANISATION\tGRANTS")
	for _, a := range accts {
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", a.Name, a.Admin, a.Organization, cli.Dash(strings.Join(a.Grants, " ")))
	}
	return tw.Flush()
}

// password reads a password from standard input, or generates one.
func (m *Main) password(fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return rand.Text(), true, nil
	}
	password, err = m.ReadLine("password")
	return password, false, err
}
