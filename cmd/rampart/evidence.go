package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/evidence"
	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var evidenceUsage = helpText("evidence-usage.txt")

type evidenceFlags struct {
	coord                                             coordFlags
	incident, to, name, purpose, in, out, fingerprint string
	unpinned                                          bool
	artefacts, attribution                            repeatedFlag
}

func (f *evidenceFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	for name, p := range map[string]*string{"incident": &f.incident, "to": &f.to, "name": &f.name, "purpose": &f.purpose, "in": &f.in, "out": &f.out, "registry-fingerprint": &f.fingerprint} {
		fs.StringVar(p, name, "", "")
	}
	fs.BoolVar(&f.unpinned, "insecure-unpinned", false, "")
	fs.Var(&f.artefacts, "artefact", "")
	fs.Var(&f.attribution, "attribution", "")
}

var evidenceCommands = cli.Subcommands{Cmd: "evidence", Usage: evidenceUsage, Names: "package, hand-over, receive, verify or open", Args: map[string]cli.Arity{
	"package": cli.Exactly(0, "no arguments"), "hand-over": cli.Exactly(0, "no arguments"), "receive": cli.Exactly(0, "no arguments"),
	"verify": cli.Exactly(0, "no arguments"), "open": cli.Exactly(0, "no arguments"),
}}

func (m *Main) runEvidence(ctx context.Context, args []string) error {
	var f evidenceFlags
	sub, _, fs, err := m.parseSubcommand(evidenceCommands, args, &f)
	if err != nil {
		return err
	}
	if err := node.CheckEvidenceFlags(sub, func(name string) bool { return cli.FlagGiven(fs, name) }, f.coord.key != ""); err != nil {
		return m.configError(err)
	}
	switch sub {
	case "package":
		return m.evidencePackage(ctx, &f)
	case "verify":
		reg, err := m.evidenceRegistry(&f)
		if err != nil {
			return err
		}
		rep, err := node.VerifyEvidenceFile(f.in, reg)
		if err = m.evidenceUnverified(err, ""); err != nil {
			return err
		}
		m.printReport(rep)
		fmt.Fprintln(m.Stdout, "verified")
		return nil
	}
	id, reg, err := m.evidenceKeys(ctx, &f)
	if err != nil {
		return err
	}
	if sub == "open" {
		o, err := node.OpenEvidence(f.in, f.out, id, reg)
		if err != nil {
			return err
		}
		m.printReport(o.Report)
		fmt.Fprintf(m.Stdout, "opened into %s (TLP:RED, files readable by you only):\n", f.out)
		return o.Manifest.WriteText(m.Stdout)
	}
	req := node.CustodyRequest{In: f.in, Out: f.out, Identity: id, Registry: reg, Purpose: f.purpose}
	if sub == "hand-over" {
		if err := req.HandTo(f.to, f.name); err != nil {
			return m.configError(err)
		}
	}
	rec, err := node.PassEvidence(req)
	if err = m.evidenceUnverified(err, "a package that does not verify must not be handed on or received; keep it aside and report it"); err != nil {
		return err
	}
	return node.WriteCustodyText(m.Stdout, rec, f.out)
}

// evidenceUnverified prints a package that does not verify (with hint, when
// given) as a reported failure; other errors it returns as they are.
func (m *Main) evidenceUnverified(err error, hint string) error {
	bad, ok := errors.AsType[*node.UnverifiedPackageError](err)
	if !ok {
		return err
	}
	m.Errorf("%v", bad)
	if hint != "" {
		m.Hintf("%s", hint)
	}
	return cli.ErrReported
}

// evidenceKeys returns the keys that sign or open: --key's, or the node's
// (with its registry); the registry is --registry's when given.
func (m *Main) evidenceKeys(ctx context.Context, f *evidenceFlags) (*trust.Identity, *trust.Registry, error) {
	if f.coord.key != "" {
		reg, err := m.evidenceRegistry(f)
		if err != nil {
			return nil, nil, err
		}
		id, err := node.ReadKeys(f.coord.key)
		return id, reg, err
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return nil, nil, err
	}
	if env.id == nil {
		return nil, nil, errors.New("no keys: give --key FILE, or --data DIR of a node that has keys")
	}
	return env.id, env.reg, nil
}

// evidenceRegistry reads --registry, pinned by --registry-fingerprint
// (or not, with --insecure-unpinned), as "rampart verify" does; nil
// without --registry.
func (m *Main) evidenceRegistry(f *evidenceFlags) (*trust.Registry, error) {
	if f.coord.registry == "" {
		return nil, nil
	}
	return m.readPinnedRegistry(f.coord.registry, f.fingerprint, f.unpinned)
}

func (m *Main) evidencePackage(ctx context.Context, f *evidenceFlags) error {
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	p, man, err := env.n.CreateEvidence(ctx, node.EvidenceRequest{
		Incident: f.incident, To: f.to, Artefacts: f.artefacts, Attribution: f.attribution, Purpose: f.purpose,
	})
	if err != nil {
		return err
	}
	if err := node.WriteEvidenceFile(f.out, p); err != nil {
		return err
	}
	return node.WritePackageText(m.Stdout, p, man, f.out)
}

// printReport prints what verify found, with its notes on stderr.
func (m *Main) printReport(rep *evidence.Report) {
	rep.WriteText(m.Stdout)
	for _, n := range rep.Notes {
		fmt.Fprintf(m.Stderr, "rampart: note: %s\n", n)
	}
}
