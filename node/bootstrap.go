package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/atomicfile"

	"github.com/rampart-cti/rampart"
)

// bootstrap gives a new node what it needs to be useful at once: an
// administrator whose password is Config.AdminPassword or generated and
// written to a file only the owner can read, and an API root with one
// read-write collection. It does nothing to a node that has them already.
func (n *Node) bootstrap(ctx context.Context) error {
	// The administrator first: a password refused leaves no half-made
	// node (without an API root, commands still find none here).
	if err := n.bootstrapAdmin(ctx); err != nil {
		return err
	}
	roots, err := n.Collections.FindAPIRoots(ctx)
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		root := &rampart.APIRoot{Name: DefaultAPIRoot, Title: "Rampart", Description: "The node's default API root."}
		if err := n.Collections.CreateAPIRoot(ctx, root); err != nil {
			return fmt.Errorf("create default API root: %v", err)
		}
		c := &rampart.Collection{
			APIRoot:     DefaultAPIRoot,
			Title:       "Default",
			Description: "The node's default collection.",
			Alias:       DefaultCollection,
			MediaTypes:  []string{"application/stix+json;version=2.1"},
		}
		if err := n.Collections.CreateCollection(ctx, c); err != nil {
			return fmt.Errorf("create default collection: %v", err)
		}
		fmt.Fprintf(n.Config.Notices, "rampart: created API root %q with collection %s (alias %q)\n", DefaultAPIRoot, c.ID, DefaultCollection)
	}
	return nil
}

// bootstrapAdmin makes the first administrator unless the node has one.
func (n *Node) bootstrapAdmin(ctx context.Context) error {
	accounts, err := n.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if a.Admin {
			return nil // a node with an administrator needs none made
		}
	}
	password := n.Config.AdminPassword
	generated := password == ""
	if generated {
		password = rand.Text()
	}
	if err := n.Accounts.CreateAccount(ctx, &rampart.Account{Name: AdminName, Admin: true}, password); err != nil {
		if rampart.ErrorCode(err) == rampart.EINVALID {
			return fmt.Errorf("RAMPART_ADMIN_PASSWORD: %s", rampart.ErrorMessage(err))
		}
		return fmt.Errorf("create administrator: %v", err)
	}
	if !generated {
		fmt.Fprintf(n.Config.Notices, "rampart: created administrator %q with the password from RAMPART_ADMIN_PASSWORD\n", AdminName)
		return nil
	}
	path := filepath.Join(n.Config.DataDir, CredentialsFile)
	text := fmt.Sprintf("# Rampart administrator, created %s\nuser: %s\npassword: %s\n", time.Now().UTC().Format(time.RFC3339), AdminName, password)
	os.Remove(path) // a file left by an administrator deleted since
	if err := atomicfile.Create(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write administrator credentials: %v", err)
	}
	fmt.Fprintf(n.Config.Notices, "rampart: created administrator %q; its password is in %s (readable only by you)\n", AdminName, path)
	return nil
}

// FindCollection resolves a collection given by id or alias in an API
// root; an empty ref means the node's default collection. The error lists
// the collections there are.
func (n *Node) FindCollection(ctx context.Context, root, ref string) (*rampart.Collection, error) {
	if ref == "" {
		ref = DefaultCollection
	}
	cs, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: &root})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == ref || c.Alias == ref {
			return c, nil
		}
	}
	var names []string
	for _, c := range cs {
		name := c.ID
		if c.Alias != "" {
			name += " (" + c.Alias + ")"
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collections", root)
	}
	return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q; it has: %s", root, ref, strings.Join(names, ", "))
}
