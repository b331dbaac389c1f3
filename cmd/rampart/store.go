package main

import (
	"context"
	"flag"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/node"
)

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

// config is the node configuration the flags give.
func (sf *storeFlags) config() node.Config {
	cfg := node.Config{DataDir: sf.dataDir, PostgresURL: sf.postgres}
	if cfg.PostgresURL == "" && sf.getenv != nil {
		cfg.PostgresURL = sf.getenv("RAMPART_POSTGRES")
	}
	return cfg
}

// openNode opens the node the flags name; it refuses to make one where
// there is none. The node is closed by m.Close.
func (m *Main) openNode(ctx context.Context, sf *storeFlags) (*node.Node, error) {
	return m.open(ctx, sf.config())
}

// createNode opens the node the flags name, making it when there is none
// with the first administrator's password from $RAMPART_ADMIN_PASSWORD.
func (m *Main) createNode(ctx context.Context, sf *storeFlags) (*node.Node, error) {
	cfg := sf.config()
	cfg.Create = true
	cfg.AdminPassword = m.Getenv("RAMPART_ADMIN_PASSWORD")
	return m.open(ctx, cfg)
}

// open opens a node, with its notices on stderr; m.Close closes it.
func (m *Main) open(ctx context.Context, cfg node.Config) (*node.Node, error) {
	if cfg.Notices == nil {
		cfg.Notices = m.Stderr
	}
	n, err := node.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.closers = append(m.closers, n)
	return n, nil
}

// openCollection opens the node the flags name and finds a collection of
// it by id or alias ("" for the default collection).
func (m *Main) openCollection(ctx context.Context, sf *storeFlags, root, ref string) (*node.Node, *rampart.Collection, error) {
	n, err := m.openNode(ctx, sf)
	if err != nil {
		return nil, nil, err
	}
	c, err := n.FindCollection(ctx, root, ref)
	if err != nil {
		return nil, nil, err
	}
	return n, c, nil
}
