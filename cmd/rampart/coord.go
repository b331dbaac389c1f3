package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

// coordFlags are the flags every coordination command shares.
type coordFlags struct {
	store    storeFlags
	key      string
	registry string
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

// parseTimeFlag reads an RFC 3339 time or "now".
func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "now" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: give an RFC 3339 time such as 2026-03-10T09:30:00Z, or now", name, v)
	}
	return t.UTC(), nil
}

// changeFlag is a flag that, once given, points *p at its value, read by
// parse: the field of a change (coord.IncidentChange) that a command sets
// only when its flag is given.
type changeFlag[T any] struct {
	p      **T
	parse  func(string) (T, error)
	isBool bool
}

func (f changeFlag[T]) String() string   { return "" }
func (f changeFlag[T]) IsBoolFlag() bool { return f.isBool }

func (f changeFlag[T]) Set(s string) error {
	v, err := f.parse(s)
	if err == nil {
		*f.p = &v
	}
	return err
}

// changeOf is a changeFlag for a value that any text makes.
func changeOf[T any](p **T, parse func(string) T) changeFlag[T] {
	return changeFlag[T]{p: p, parse: func(s string) (T, error) { return parse(s), nil }}
}

// changeBool is a changeFlag for a switch ("--significant",
// "--significant=false").
func changeBool(p **bool) changeFlag[bool] {
	return changeFlag[bool]{p: p, parse: strconv.ParseBool, isBool: true}
}
