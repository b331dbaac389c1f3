package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

// coordFlags are the flags every coordination command shares.
type coordFlags struct {
	store         storeFlags
	key, registry string
	// now, when set, is the clock of the node's coordination service and
	// early warning (the commands' --now flag).
	now func() time.Time
}

func (cf *coordFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	cf.store.register(fs, getenv)
	fs.StringVar(&cf.key, "key", "", "")
	fs.StringVar(&cf.registry, "registry", "", "")
}

// coordEnv is what a coordination command works with: the node, its
// coordination service, and its organisation's keys and registry (the
// ones its settings name, or the command's --key and --registry).
type coordEnv struct {
	n   *node.Node
	svc *coord.Service
	id  *trust.Identity // nil without keys
	reg *trust.Registry // nil without a registry
}

// openCoordination opens the node, with the keys and registry the flags
// name in place of its own.
func (m *Main) openCoordination(ctx context.Context, cf *coordFlags) (*coordEnv, error) {
	cfg := cf.store.config()
	cfg.IdentityFile, cfg.RegistryFile, cfg.Now = cf.key, cf.registry, cf.now
	n, err := m.open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &coordEnv{n: n, svc: n.Coord, id: n.Identity, reg: n.Registry()}, nil
}

// write prints r on stdout for a person or, when asJSON and r has a JSON
// form, as JSON lines; it returns err instead when there is one.
func (m *Main) write(r interface{ WriteText(io.Writer) error }, err error, asJSON bool) error {
	if err != nil {
		return err
	}
	if j, ok := r.(interface{ WriteJSON(io.Writer) error }); ok && asJSON {
		return j.WriteJSON(m.Stdout)
	}
	return r.WriteText(m.Stdout)
}
