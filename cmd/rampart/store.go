package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/sqlite"
)

// node is an open store: the domain services every subcommand works on.
type node struct {
	dataDir     string
	objects     rampart.ObjectService
	collections rampart.CollectionService
	accounts    rampart.AccountService
	statuses    rampart.StatusService
	secrets     rampart.SecretService
	peers       rampart.PeerService
}

// storeFlags are the flags that choose a node's store, shared by every
// subcommand that opens one.
type storeFlags struct {
	dataDir  string
	postgres string
	getenv   func(string) string
}

func (sf *storeFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	sf.getenv = getenv
	fs.StringVar(&sf.dataDir, "data", "rampart-data", "data `directory` (SQLite store, keys, credentials)")
	// The default is not shown from the environment: a connection URL may
	// hold a password, which "-h" would print.
	fs.StringVar(&sf.postgres, "postgres", "", "PostgreSQL connection `URL` (default $RAMPART_POSTGRES; the embedded SQLite store when both are empty)")
}

// postgresURL is the PostgreSQL store's URL, "" for the embedded store.
func (sf *storeFlags) postgresURL() string {
	if sf.postgres == "" && sf.getenv != nil {
		return sf.getenv("RAMPART_POSTGRES")
	}
	return sf.postgres
}

// openNode opens the store the flags name, creating the data directory
// (0700) when needed. The store is closed by m.Close.
func (m *Main) openNode(ctx context.Context, sf *storeFlags) (*node, error) {
	if err := os.MkdirAll(sf.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %v", err)
	}
	n := &node{dataDir: sf.dataDir}
	if url := sf.postgresURL(); url != "" {
		db := postgres.NewDB(url)
		if err := db.Open(ctx); err != nil {
			return nil, fmt.Errorf("open PostgreSQL store: %v", err)
		}
		m.closers = append(m.closers, db)
		n.objects = postgres.NewObjectService(db)
		n.collections = postgres.NewCollectionService(db)
		n.accounts = postgres.NewAccountService(db)
		n.statuses = postgres.NewStatusService(db)
		n.secrets = postgres.NewSecretService(db)
		n.peers = postgres.NewPeerService(db)
		return n, nil
	}
	path := filepath.Join(sf.dataDir, "rampart.db")
	db := sqlite.NewDB(path)
	if err := db.Open(ctx); err != nil {
		return nil, fmt.Errorf("open store %q: %v", path, err)
	}
	m.closers = append(m.closers, db)
	n.objects = sqlite.NewObjectService(db)
	n.collections = sqlite.NewCollectionService(db)
	n.accounts = sqlite.NewAccountService(db)
	n.statuses = sqlite.NewStatusService(db)
	n.secrets = sqlite.NewSecretService(db)
	n.peers = sqlite.NewPeerService(db)
	return n, nil
}

// openAndBootstrap opens the store the flags name and gives a new node
// what bootstrap gives it.
func (m *Main) openAndBootstrap(ctx context.Context, sf *storeFlags) (*node, error) {
	n, err := m.openNode(ctx, sf)
	if err != nil {
		return nil, err
	}
	if err := m.bootstrap(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// Names of what a new node starts with.
const (
	defaultAPIRoot    = "cti"
	defaultCollection = "default" // the alias of the first collection
	adminName         = "admin"
	credentialsFile   = "admin-credentials"
)

// bootstrap gives a new node what it needs to be useful at once: an API
// root with one read-write collection, and an administrator whose password
// is $RAMPART_ADMIN_PASSWORD or generated and written to a file only the
// owner can read. It does nothing to a node that has them already.
func (m *Main) bootstrap(ctx context.Context, n *node) error {
	roots, err := n.collections.FindAPIRoots(ctx)
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		root := &rampart.APIRoot{Name: defaultAPIRoot, Title: "Rampart", Description: "The node's default API root."}
		if err := n.collections.CreateAPIRoot(ctx, root); err != nil {
			return fmt.Errorf("create default API root: %v", err)
		}
		c := &rampart.Collection{
			APIRoot:     defaultAPIRoot,
			Title:       "Default",
			Description: "The node's default collection.",
			Alias:       defaultCollection,
			MediaTypes:  []string{"application/stix+json;version=2.1"},
		}
		if err := n.collections.CreateCollection(ctx, c); err != nil {
			return fmt.Errorf("create default collection: %v", err)
		}
		fmt.Fprintf(m.Stderr, "rampart: created API root %q with collection %s (alias %q)\n", defaultAPIRoot, c.ID, defaultCollection)
	}
	_, err = n.accounts.FindAccountByName(ctx, adminName)
	if err == nil {
		return nil
	}
	if rampart.ErrorCode(err) != rampart.ENOTFOUND {
		return err
	}
	password := m.Getenv("RAMPART_ADMIN_PASSWORD")
	generated := password == ""
	if generated {
		password = rand.Text()
	}
	if err := n.accounts.CreateAccount(ctx, &rampart.Account{Name: adminName, Admin: true}, password); err != nil {
		if rampart.ErrorCode(err) == rampart.EINVALID {
			return fmt.Errorf("RAMPART_ADMIN_PASSWORD: %s", rampart.ErrorMessage(err))
		}
		return fmt.Errorf("create administrator: %v", err)
	}
	if !generated {
		fmt.Fprintf(m.Stderr, "rampart: created administrator %q with the password from RAMPART_ADMIN_PASSWORD\n", adminName)
		return nil
	}
	path := filepath.Join(n.dataDir, credentialsFile)
	text := fmt.Sprintf("# Rampart administrator, created %s\nuser: %s\npassword: %s\n", time.Now().UTC().Format(time.RFC3339), adminName, password)
	if err := writeSecretFile(path, []byte(text)); err != nil {
		return fmt.Errorf("write administrator credentials: %v", err)
	}
	fmt.Fprintf(m.Stderr, "rampart: created administrator %q; its password is in %s (readable only by you)\n", adminName, path)
	return nil
}

// writeSecretFile writes a file readable and writable only by its owner,
// refusing to replace one that exists.
func writeSecretFile(path string, data []byte) error {
	return createFileExcl(path, data, 0o600)
}

// findCollection resolves a collection given by id or alias in an API
// root; an empty ref means the node's default collection.
func findCollection(ctx context.Context, n *node, root, ref string) (*rampart.Collection, error) {
	if ref == "" {
		ref = defaultCollection
	}
	cs, err := n.collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: &root})
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
		return nil, fmt.Errorf("API root %q has no collections", root)
	}
	return nil, fmt.Errorf("API root %q has no collection %q; it has: %s", root, ref, strings.Join(names, ", "))
}
