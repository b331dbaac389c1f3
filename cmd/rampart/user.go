package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
)

const userUsage = `Usage: rampart user <add|list|grant|token|passwd|delete> [flags] [arguments]

Manages the node's accounts. Passwords and tokens are stored only as hashes.

    user add NAME [--admin] [--org IDENTITY] [--password-stdin]
        Creates an account, of the node's own organisation or of one
        recorded with "rampart org add". Without --password-stdin a
        password is generated and printed once.
    user list
        Lists accounts, their organisations and their grants.
    user org NAME IDENTITY
        Moves the account to an organisation ("own" for the node's).
    user grant NAME COLLECTION [--read] [--write] [--api-root NAME]
        Sets the account's access to a collection (id or alias). With neither
        --read nor --write the collection stays visible to the account
        without access; --revoke removes the grant.
    user token NAME [--label TEXT]
        Creates a bearer token and prints it once, and its ID on stderr.
        Tokens are what tools (SIEMs, TAXII clients, scripts) should log in
        with: a password is slow to check on purpose, and failed password
        logins are limited per address; tokens are neither.
    user token list NAME
        Lists the account's tokens: ID, creation time and label, never the
        token itself.
    user token revoke NAME ID|LABEL
        Revokes a token, named by its ID or its label; a serving node
        refuses it from its next request.
    user passwd NAME [--password-stdin]
        Replaces the password (generated and printed when not read).
    user delete NAME
        Deletes the account, its grants and tokens.

Every subcommand takes the store flags --data and --postgres.

Examples:
    rampart user add analyst
    rampart user add grid-soc --org identity--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10
    echo 'correct horse battery staple' | rampart user add soc-feed --password-stdin
    rampart user grant soc-feed default --read
    rampart user token soc-feed --label "SIEM pull"
    rampart user token list soc-feed
    rampart user token revoke soc-feed "SIEM pull"
    rampart user list
`

func (m *Main) runUser(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, userUsage)
	if err != nil {
		return err
	}
	if sub == "token" && len(args) > 0 && (args[0] == "list" || args[0] == "revoke") {
		return m.runUserToken(ctx, args[0], args[1:])
	}
	fs := newFlagSet("user "+sub, userUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	admin := fs.Bool("admin", false, "make the account an administrator")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	read := fs.Bool("read", false, "grant read access")
	write := fs.Bool("write", false, "grant write access")
	revoke := fs.Bool("revoke", false, "remove the grant")
	apiRoot := fs.String("api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	label := fs.String("label", "", "token label")
	org := fs.String("org", "", "the account's organisation")
	var nargs int
	switch sub {
	case "add", "token", "passwd", "delete":
		nargs = 1
	case "grant", "org":
		nargs = 2
	case "list":
		nargs = 0
	default:
		return m.unknownSubcommand("user", sub, "add, list, grant, org, token, passwd or delete")
	}
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		want := []string{"no arguments", "NAME", "NAME and COLLECTION"}[nargs]
		if sub == "org" {
			want = "NAME and IDENTITY"
		}
		return m.wrongArgs("user "+sub, want, pos)
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		password, generated, err := m.password(*passwordStdin)
		if err != nil {
			return err
		}
		if err := n.Accounts.CreateAccount(ctx, &rampart.Account{Name: pos[0], Admin: *admin, Organization: *org}, password); err != nil {
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
		if err := n.Accounts.SetPassword(ctx, pos[0], password); err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(m.Stdout, "%s\n", password)
		}
	case "delete":
		if err := n.Accounts.DeleteAccount(ctx, pos[0]); err != nil {
			return err
		}
	case "token":
		tok, err := n.Accounts.CreateToken(ctx, pos[0], *label)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s\n", tok)
		fmt.Fprintf(m.Stderr, "rampart: created a bearer token for %q (ID %s); it is shown only once\n", pos[0], passhash.TokenID(passhash.HashToken(tok)))
	case "grant":
		c, err := n.FindCollection(ctx, *apiRoot, pos[1])
		if err != nil {
			return err
		}
		if *revoke {
			err = n.Accounts.DeleteGrant(ctx, pos[0], c.ID)
		} else {
			err = n.Accounts.SetGrant(ctx, pos[0], rampart.Grant{CollectionID: c.ID, Read: *read, Write: *write})
		}
		if err != nil {
			return err
		}
	case "org":
		to := pos[1]
		if to == "own" {
			to = ""
		}
		if err := n.Accounts.SetOrganization(ctx, pos[0], to); err != nil {
			return err
		}
	case "list":
		return m.listUsers(ctx, n)
	}
	return nil
}

func (m *Main) listUsers(ctx context.Context, n *node.Node) error {
	accts, err := n.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	colls, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, c := range colls {
		names[c.ID] = c.ID
		if c.Alias != "" {
			names[c.ID] = c.Alias
		}
	}
	orgs := map[string]string{"": "(own)"}
	if list, err := n.Organizations.FindOrganizations(ctx); err == nil {
		for _, o := range list {
			orgs[o.ID] = o.Name
		}
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADMIN\tORGANISATION\tGRANTS")
	for _, a := range accts {
		var gs []string
		for _, g := range a.Grants {
			gs = append(gs, names[g.CollectionID]+":"+access(g))
		}
		org := orgs[a.Organization]
		if org == "" {
			org = a.Organization
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
