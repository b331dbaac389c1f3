package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"time"

	"github.com/rampart-cti/rampart/evidence"
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
	for name, p := range map[string]*string{"incident": &f.incident, "to": &f.to, "name": &f.name, "purpose": &f.purpose, "in": &f.in, "out": &f.out} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&f.fingerprint, "registry-fingerprint", "", "")
	fs.BoolVar(&f.unpinned, "insecure-unpinned", false, "")
	fs.Var(&f.artefacts, "artefact", "")
	fs.Var(&f.attribution, "attribution", "")
}

var evidenceCommands = subcommands{cmd: "evidence", usage: evidenceUsage, names: "package, hand-over, receive, verify or open", args: map[string]arity{
	"package": exactly(0, "no arguments"), "hand-over": exactly(0, "no arguments"), "receive": exactly(0, "no arguments"),
	"verify": exactly(0, "no arguments"), "open": exactly(0, "no arguments"),
}}

// evidenceNeeds are the flags each evidence command needs, and
// evidenceTakes those it may take besides.
var (
	evidenceNeeds = map[string][]string{"package": {"incident", "to", "out"}, "hand-over": {"in", "to", "purpose", "out"},
		"receive": {"in", "out"}, "verify": {"in"}, "open": {"in", "out"}}
	evidenceTakes = map[string][]string{"package": {"artefact", "attribution", "purpose"}, "hand-over": {"name"}}
)

func (m *Main) runEvidence(ctx context.Context, args []string) error {
	var f evidenceFlags
	sub, _, fs, err := m.parseSubcommand(evidenceCommands, args, &f)
	if err != nil {
		return err
	}
	need := evidenceNeeds[sub]
	for _, n := range need {
		if !flagGiven(fs, n) {
			return m.usagef("evidence %s needs --%s", sub, n)
		}
	}
	for _, n := range []string{"incident", "artefact", "attribution", "name", "purpose", "to"} {
		if flagGiven(fs, n) && !slices.Contains(need, n) && !slices.Contains(evidenceTakes[sub], n) {
			return m.usagef("evidence %s does not take --%s", sub, n)
		}
	}
	if (flagGiven(fs, "registry-fingerprint") || flagGiven(fs, "insecure-unpinned")) && sub != "verify" && f.coord.key == "" {
		return m.usagef("--registry-fingerprint and --insecure-unpinned go with --key FILE (or verify); the node's keys come with its own registry")
	}
	switch sub {
	case "package":
		return m.evidencePackage(ctx, &f)
	case "verify":
		return m.evidenceVerify(&f)
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
	return m.evidenceCustody(sub, &f, id, reg)
}

// evidenceCustody hands a package over or receives it.
func (m *Main) evidenceCustody(sub string, f *evidenceFlags, id *trust.Identity, reg *trust.Registry) error {
	req := node.CustodyRequest{In: f.in, Out: f.out, Identity: id, Registry: reg, Purpose: f.purpose, Now: time.Now()}
	if sub == "hand-over" {
		to, err := evidence.ResolveParty(f.to, f.name, reg, req.Now)
		if err != nil {
			return m.usagef("--to: %v", err)
		}
		req.To = &to
	}
	rec, err := node.PassEvidence(req)
	if bad, ok := errors.AsType[*node.UnverifiedPackageError](err); ok {
		m.errorf("%v", bad)
		m.hintf("a package that does not verify must not be handed on or received; keep it aside and report it")
		return errReported
	} else if err != nil {
		return err
	}
	if sub == "hand-over" {
		fmt.Fprintf(m.Stdout, "custody record %d: %s hands the package to %s at %s; signed. The receiver runs \"rampart evidence receive\".\n", rec.Seq, rec.From, rec.To, rec.HandedAt.Format(time.RFC3339))
	} else {
		fmt.Fprintf(m.Stdout, "custody record %d: %s received the package at %s; countersigned.\n", rec.Seq, rec.To, rec.ReceivedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(m.Stdout, "written to %s\n", f.out)
	return nil
}

// evidenceKeys returns the keys that sign or open: --key's, or the node's
// (with its registry); the registry is --registry's when given.
func (m *Main) evidenceKeys(ctx context.Context, f *evidenceFlags) (*trust.Identity, *trust.Registry, error) {
	if f.coord.key != "" {
		reg, err := m.evidenceRegistry(f)
		if err != nil {
			return nil, nil, err
		}
		id, err := trust.ReadIdentityFile(f.coord.key)
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
	c := p.Cover
	fmt.Fprintf(m.Stdout, "evidence package %s for %s\n", c.ID, c.Incident)
	fmt.Fprintf(m.Stdout, "  made by   %s\n  sealed to %s (%s), TLP:RED\n", c.CreatedBy, c.To, c.Encryption)
	man.WriteText(m.Stdout)
	fmt.Fprintf(m.Stdout, "  sealed content %d bytes, SHA-256 %s\nwritten to %s; hand it over with \"rampart evidence hand-over\"\n", c.SealedSize, c.SealedSHA256, f.out)
	return nil
}

func (m *Main) evidenceVerify(f *evidenceFlags) error {
	reg, err := m.evidenceRegistry(f)
	if err != nil {
		return err
	}
	rep, err := node.VerifyEvidenceFile(f.in, reg)
	if bad, ok := errors.AsType[*node.UnverifiedPackageError](err); ok {
		m.errorf("%v", bad)
		return errReported
	} else if err != nil {
		return err
	}
	m.printReport(rep)
	fmt.Fprintln(m.Stdout, "verified")
	return nil
}

// printReport prints what verify found, with its notes on stderr.
func (m *Main) printReport(rep *evidence.Report) {
	rep.WriteText(m.Stdout)
	for _, n := range rep.Notes {
		fmt.Fprintf(m.Stderr, "rampart: note: %s\n", n)
	}
}
