package main

import (
	"context"
	json "encoding/json/v2"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

var logUsage = helpText("log-usage.txt")

type logFlags struct {
	store             storeFlags
	query             node.LogQuery
	proof             node.LogProofFiles
	hash, registry    string
	keys, fingerprint string
	unpinned          bool
}

func (f *logFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	if fs.Name() != "log verify" {
		f.store.register(fs, getenv)
	}
	if fs.Name() == "log proof" {
		for name, p := range map[string]*string{"object": &f.query.ObjectFile, "id": &f.query.ID, "hash": &f.hash, "consistency": &f.query.HeadFile} {
			fs.StringVar(p, name, "", "")
		}
	}
	if fs.Name() == "log verify" {
		for name, p := range map[string]*string{"inclusion": &f.proof.Inclusion, "object": &f.proof.Object, "head": &f.proof.Head, "consistency": &f.proof.Consistency,
			"registry": &f.registry, "registry-fingerprint": &f.fingerprint, "keys": &f.keys} {
			fs.StringVar(p, name, "", "")
		}
		fs.BoolVar(&f.unpinned, "insecure-unpinned", false, "")
	}
}

var logCommands = subcommands{cmd: "log", usage: logUsage, names: "head, proof or verify", args: map[string]arity{
	"head": exactly(0, "no arguments"), "proof": exactly(0, "no arguments"), "verify": exactly(0, "no arguments"),
}}

func (m *Main) runLog(ctx context.Context, args []string) error {
	var f logFlags
	sub, _, fs, err := m.parseSubcommand(logCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "verify" {
		return m.verifyLog(&f)
	}
	q := &f.query
	given := 0
	for _, s := range []string{q.ObjectFile, q.ID, f.hash, q.HeadFile} {
		if s != "" {
			given++
		}
	}
	if sub == "proof" && given != 1 {
		return m.usagef("log proof: give one of --object FILE, --id ID, --hash LEAF_HASH or --consistency HEAD_FILE")
	}
	if f.hash != "" {
		if q.Leaf, err = translog.ParseHash(f.hash); err != nil {
			return m.usagef("--hash: %v", err)
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
	if fs.Name() == "log head" {
		out, err = n.Log.SignedHead(ctx)
	} else {
		out, err = n.LogProof(ctx, q)
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(out, json.Deterministic(true))
	if err == nil {
		m.printLine(b)
	}
	return err
}

// verifyLog is "log verify": offline, from files only.
func (m *Main) verifyLog(f *logFlags) error {
	if (f.proof.Inclusion == "") == (f.proof.Consistency == "") {
		return m.usagef("log verify: give --inclusion FILE --object FILE, or --consistency FILE")
	}
	if f.proof.Inclusion != "" && f.proof.Object == "" {
		return m.usagef("log verify --inclusion: give the object the proof is for with --object FILE")
	}
	if (f.registry == "") == (f.keys == "") {
		return m.usagef("log verify: give what to check signatures with: --registry FILE (with --registry-fingerprint FP) or --keys FILE.pub")
	}
	var v *trust.Verifier
	if f.registry != "" {
		reg, err := m.readPinnedRegistry(f.registry, f.fingerprint, f.unpinned)
		if err != nil {
			return err
		}
		v = trust.NewVerifier(reg, trust.DefaultPolicy())
	} else {
		var err error
		if v, err = node.PublicKeysFileVerifier(f.keys); err != nil {
			return fmt.Errorf("--keys %v", err)
		}
	}
	c, err := node.CheckLogProof(v, f.proof)
	if err != nil {
		return err
	}
	const layout = "2006-01-02T15:04:05Z"
	if p := c.Consistency; p != nil {
		fmt.Fprintf(m.Stdout, "consistent: the log of %s at size %d (signed %s) is a prefix of the log at size %d (signed %s)\n",
			p.FirstHead.Origin, p.First, p.FirstHead.Timestamp.UTC().Format(layout), p.Second, p.SecondHead.Timestamp.UTC().Format(layout))
		return nil
	}
	fmt.Fprintf(m.Stdout, "included: %s is entry %d of the log of %s at size %d (head signed %s)\n",
		f.proof.Object, c.Inclusion.LeafIndex, c.Head.Origin, c.Head.Size, c.Head.Timestamp.UTC().Format(layout))
	return nil
}
