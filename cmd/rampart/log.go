package main

import (
	"context"
	json "encoding/json/v2"
	"flag"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var logUsage = helpText("log-usage.txt")

type logFlags struct {
	store                             storeFlags
	query                             node.LogQuery
	proof                             node.LogProofFiles
	hash, registry, keys, fingerprint string
	unpinned                          bool
}

func (f *logFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	q, p := &f.query, &f.proof
	for name, v := range map[string]map[string]*string{
		"log proof": {"object": &q.ObjectFile, "id": &q.ID, "hash": &f.hash, "consistency": &q.HeadFile},
		"log verify": {"inclusion": &p.Inclusion, "object": &p.Object, "head": &p.Head, "consistency": &p.Consistency,
			"registry": &f.registry, "registry-fingerprint": &f.fingerprint, "keys": &f.keys},
	}[fs.Name()] {
		fs.StringVar(v, name, "", "")
	}
	if fs.Name() == "log verify" {
		fs.BoolVar(&f.unpinned, "insecure-unpinned", false, "")
	} else {
		f.store.register(fs, getenv)
	}
}

var logCommands = cli.Subcommands{Cmd: "log", Usage: logUsage, Names: "head, proof or verify", Args: map[string]cli.Arity{
	"head": cli.Exactly(0, "no arguments"), "proof": cli.Exactly(0, "no arguments"), "verify": cli.Exactly(0, "no arguments"),
}}

func (m *Main) runLog(ctx context.Context, args []string) error {
	var f logFlags
	sub, _, _, err := m.parseSubcommand(logCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "verify" {
		return m.verifyLog(&f)
	}
	q := &f.query
	if sub == "proof" {
		if err := q.Check(f.hash); err != nil {
			return m.configError(err)
		}
	}
	if err := q.ReadFiles(); err != nil {
		return err
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	var out any
	if sub == "head" {
		out, err = n.Log.SignedHead(ctx)
	} else {
		out, err = n.LogProof(ctx, q)
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(out, json.Deterministic(true))
	if err == nil {
		m.PrintLine(b)
	}
	return err
}

// verifyLog is "log verify": offline, from files only.
func (m *Main) verifyLog(f *logFlags) error {
	if err := f.proof.Check(f.registry, f.keys); err != nil {
		return m.configError(err)
	}
	var reg *trust.Registry
	if f.registry != "" {
		var err error
		if reg, err = m.readPinnedRegistry(f.registry, f.fingerprint, f.unpinned); err != nil {
			return err
		}
	}
	v, err := node.LogVerifier(reg, f.keys)
	if err != nil {
		return err
	}
	c, err := node.CheckLogProof(v, f.proof)
	if err != nil {
		return err
	}
	return c.WriteText(m.Stdout, f.proof.Object)
}
