package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rampart-cti/rampart"
)

const userUsage = `Usage: rampart user <add|list|grant|token|passwd|delete> [flags] [arguments]

Manages the node's accounts. Passwords and tokens are stored only as hashes.

    user add NAME [--admin] [--password-stdin]
        Creates an account. Without --password-stdin a password is generated
        and printed once.
    user list
        Lists accounts and their grants.
    user grant NAME COLLECTION [--read] [--write] [--api-root NAME]
        Sets the account's access to a collection (id or alias). With neither
        --read nor --write the collection stays visible to the account
        without access; --revoke removes the grant.
    user token NAME [--label TEXT]
        Creates a bearer token and prints it once.
    user passwd NAME [--password-stdin]
        Replaces the password (generated and printed when not read).
    user delete NAME
        Deletes the account, its grants and tokens.

Every subcommand takes the store flags --data and --postgres.

Examples:
    rampart user add analyst
    echo 'correct horse battery staple' | rampart user add soc-feed --password-stdin
    rampart user grant soc-feed default --read
    rampart user token soc-feed --label "SIEM pull"
    rampart user list
`

func (m *Main) runUser(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, userUsage)
	if err != nil {
		return err
	}
	fs := newFlagSet("user "+sub, userUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	admin := fs.Bool("admin", false, "make the account an administrator")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	read := fs.Bool("read", false, "grant read access")
	write := fs.Bool("write", false, "grant write access")
	revoke := fs.Bool("revoke", false, "remove the grant")
	apiRoot := fs.String("api-root", defaultAPIRoot, "API root `name` of the collection")
	label := fs.String("label", "", "token label")
	var nargs int
	switch sub {
	case "add", "token", "passwd", "delete":
		nargs = 1
	case "grant":
		nargs = 2
	case "list":
		nargs = 0
	default:
		return m.unknownSubcommand("user", sub, "add, list, grant, token, passwd or delete")
	}
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		return m.wrongArgs("user "+sub, []string{"no arguments", "NAME", "NAME and COLLECTION"}[nargs], pos)
	}
	n, err := m.openAndBootstrap(ctx, &sf)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		password, generated, err := m.password(*passwordStdin)
		if err != nil {
			return err
		}
		if err := n.accounts.CreateAccount(ctx, &rampart.Account{Name: pos[0], Admin: *admin}, password); err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(m.Stdout, "%s\n", password)
			fmt.Fprintf(m.Stderr, "rampart: created account %q; its password (above) is shown only once\n", pos[0])
		} else {
			fmt.Fprintf(m.Stderr, "rampart: created account %q\n", pos[0])
		}
	case "passwd":
		password, generated, err := m.password(*passwordStdin)
		if err != nil {
			return err
		}
		if err := n.accounts.SetPassword(ctx, pos[0], password); err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(m.Stdout, "%s\n", password)
		}
	case "delete":
		if err := n.accounts.DeleteAccount(ctx, pos[0]); err != nil {
			return err
		}
	case "token":
		tok, err := n.accounts.CreateToken(ctx, pos[0], *label)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s\n", tok)
		fmt.Fprintf(m.Stderr, "rampart: created a bearer token for %q; it is shown only once\n", pos[0])
	case "grant":
		c, err := findCollection(ctx, n, *apiRoot, pos[1])
		if err != nil {
			return err
		}
		if *revoke {
			err = n.accounts.DeleteGrant(ctx, pos[0], c.ID)
		} else {
			err = n.accounts.SetGrant(ctx, pos[0], rampart.Grant{CollectionID: c.ID, Read: *read, Write: *write})
		}
		if err != nil {
			return err
		}
	case "list":
		accts, err := n.accounts.FindAccounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tADMIN\tGRANTS")
		for _, a := range accts {
			var gs []string
			for _, g := range a.Grants {
				gs = append(gs, g.CollectionID+":"+access(g))
			}
			fmt.Fprintf(tw, "%s\t%v\t%s\n", a.Name, a.Admin, strings.Join(gs, " "))
		}
		tw.Flush()
	}
	return nil
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
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("read password: %v", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, fmt.Errorf("no password on standard input")
	}
	return line, false, nil
}
