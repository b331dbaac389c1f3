package node

import (
	"context"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
)

// AccountSummary is an account as "rampart user list" shows it.
type AccountSummary struct {
	Name  string
	Admin bool
	// Organization names the account's organisation, "(own)" for the
	// node's own.
	Organization string
	// Grants are "COLLECTION:ACCESS", the collection by its alias (its
	// id when it has none), the access r, w, rw or visible.
	Grants []string
}

// AccountSummaries returns every account of the node, organisations and
// collections by name.
func (n *Node) AccountSummaries(ctx context.Context) ([]AccountSummary, error) {
	accts, err := n.Accounts.FindAccounts(ctx)
	if err != nil {
		return nil, err
	}
	colls, err := n.CollectionNames(ctx)
	if err != nil {
		return nil, err
	}
	orgs := n.OrganizationNames(ctx)
	out := make([]AccountSummary, 0, len(accts))
	for _, a := range accts {
		s := AccountSummary{Name: a.Name, Admin: a.Admin, Organization: "(own)"}
		if a.Organization != "" {
			s.Organization = orgs(a.Organization)
		}
		for _, g := range a.Grants {
			s.Grants = append(s.Grants, colls[g.CollectionID]+":"+grantAccess(g))
		}
		out = append(out, s)
	}
	return out, nil
}

// grantAccess says what a grant allows: r, w, rw, or visible (listed,
// not readable).
func grantAccess(g rampart.Grant) string {
	var s strings.Builder
	if g.Read {
		s.WriteString("r")
	}
	if g.Write {
		s.WriteString("w")
	}
	if s.Len() == 0 {
		return "visible"
	}
	return s.String()
}

// SetGrant sets what account name may do in collection ref (an id, alias
// or title) of API root apiRoot: read, write, both, or only see it;
// revoke removes the grant. It returns ENOTFOUND for an unknown account
// or collection.
func (n *Node) SetGrant(ctx context.Context, name, apiRoot, ref string, read, write, revoke bool) error {
	c, err := n.FindCollection(ctx, apiRoot, ref)
	if err != nil {
		return err
	}
	if revoke {
		return n.Accounts.DeleteGrant(ctx, name, c.ID)
	}
	return n.Accounts.SetGrant(ctx, name, rampart.Grant{CollectionID: c.ID, Read: read, Write: write})
}

// CreateToken makes a bearer token for account name, labelled label, and
// returns it with the ID that names it in lists and revocations. Only the
// token's hash is kept: the token cannot be shown again. It returns
// ENOTFOUND for an unknown account.
func (n *Node) CreateToken(ctx context.Context, name, label string) (token, id string, err error) {
	token, err = n.Accounts.CreateToken(ctx, name, label)
	if err != nil {
		return "", "", err
	}
	return token, passhash.TokenID(passhash.HashToken(token)), nil
}
