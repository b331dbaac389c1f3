package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/evidence"
	"github.com/rampart-cti/rampart/internal/atomicfile"
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

func (m *Main) runEvidence(ctx context.Context, args []string) error {
	var f evidenceFlags
	sub, _, fs, err := m.parseSubcommand(evidenceCommands, args, &f)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	need := map[string][]string{
		"package": {"incident", "to", "out"}, "hand-over": {"in", "to", "purpose", "out"},
		"receive": {"in", "out"}, "verify": {"in"}, "open": {"in", "out"},
	}[sub]
	for _, n := range need {
		if !set[n] {
			return m.usagef("evidence %s needs --%s", sub, n)
		}
	}
	allowed := map[string][]string{
		"package":   {"artefact", "attribution", "purpose"},
		"hand-over": {"name"},
	}[sub]
	for _, n := range []string{"incident", "artefact", "attribution", "name", "purpose", "to"} {
		if set[n] && !slices.Contains(need, n) && !slices.Contains(allowed, n) {
			return m.usagef("evidence %s does not take --%s", sub, n)
		}
	}
	if (set["registry-fingerprint"] || set["insecure-unpinned"]) && sub != "verify" && f.coord.key == "" {
		return m.usagef("--registry-fingerprint and --insecure-unpinned go with --key FILE (or verify); the node's keys come with its own registry")
	}
	switch sub {
	case "package":
		return m.evidencePackage(ctx, &f)
	case "verify":
		return m.evidenceVerify(&f)
	}
	id, reg, err := m.evidenceKeys(ctx, &f, set)
	if err != nil {
		return err
	}
	p, err := evidence.ReadFile(f.in)
	if err != nil {
		return err
	}
	opt := evidence.VerifyOptions{Registry: reg}
	if sub == "open" {
		o, err := evidence.Open(p, id, opt)
		if err != nil {
			return err
		}
		if err := o.WriteDir(f.out); err != nil {
			return err
		}
		m.printReport(o.Report)
		fmt.Fprintf(m.Stdout, "opened into %s (TLP:RED, files readable by you only):\n", f.out)
		for _, f := range o.Manifest.Members {
			fmt.Fprintf(m.Stdout, "  %-12s %10d  %s  %s\n", f.Kind, f.Size, f.SHA256, f.Name)
		}
		return nil
	}
	// Refuse to sign for a package that does not verify.
	if _, err := evidence.Verify(p, opt); err != nil {
		m.errorf("%s: %v", f.in, err)
		m.hintf("a package that does not verify must not be handed on or received; keep it aside and report it")
		return errReported
	}
	now := time.Now()
	var rec *evidence.Record
	if sub == "hand-over" {
		to, err := evidence.ResolveParty(f.to, f.name, reg, now)
		if err != nil {
			return m.usagef("--to: %v", err)
		}
		if rec, err = p.HandOver(id, to, f.purpose, now); err != nil {
			return err
		}
	} else if rec, err = p.Receive(id, now); err != nil {
		return err
	}
	if err := m.writeEvidence(f.out, p); err != nil {
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
func (m *Main) evidenceKeys(ctx context.Context, f *evidenceFlags, set map[string]bool) (*trust.Identity, *trust.Registry, error) {
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
	if err := m.writeEvidence(f.out, p); err != nil {
		return err
	}
	c := p.Cover
	fmt.Fprintf(m.Stdout, "evidence package %s for %s\n", c.ID, c.Incident)
	fmt.Fprintf(m.Stdout, "  made by   %s\n  sealed to %s (%s), TLP:RED\n", c.CreatedBy, c.To, c.Encryption)
	for _, mem := range man.Members {
		fmt.Fprintf(m.Stdout, "  %-12s %10d  %s  %s\n", mem.Kind, mem.Size, mem.SHA256, mem.Name)
	}
	fmt.Fprintf(m.Stdout, "  sealed content %d bytes, SHA-256 %s\nwritten to %s; hand it over with \"rampart evidence hand-over\"\n", c.SealedSize, c.SealedSHA256, f.out)
	return nil
}

func (m *Main) evidenceVerify(f *evidenceFlags) error {
	reg, err := m.evidenceRegistry(f)
	if err != nil {
		return err
	}
	p, err := evidence.ReadFile(f.in)
	if err != nil {
		return err
	}
	rep, err := evidence.Verify(p, evidence.VerifyOptions{Registry: reg})
	if err != nil {
		m.errorf("%s: %v", f.in, err)
		return errReported
	}
	m.printReport(rep)
	fmt.Fprintln(m.Stdout, "verified")
	return nil
}

// printReport prints what verify found: the cover and the chain.
func (m *Main) printReport(rep *evidence.Report) {
	c := rep.Cover
	w := m.Stdout
	fmt.Fprintf(w, "package   %s\nincident  %s\nmade      %s by %s\nsealed to %s, TLP:RED; content %d bytes, SHA-256 %s, %d members\n",
		c.ID, c.Incident, c.Created.Format(time.RFC3339), c.CreatedBy, c.To, c.SealedSize, c.SealedSHA256, c.Members)
	if c.Purpose != "" {
		fmt.Fprintf(w, "purpose   %s\n", c.Purpose)
	}
	for _, r := range rep.Custody {
		recv := "not received yet"
		if r.Received() {
			recv = "received " + r.ReceivedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "custody %d  %s  %s -> %s  (%s)  %s\n", r.Seq, r.HandedAt.Format(time.RFC3339), r.From, r.To, r.Purpose, recv)
	}
	state := "held by"
	if rep.Pending {
		state = "in transit from"
	}
	fmt.Fprintf(w, "%s %s\n", state, rep.Holder)
	for _, n := range rep.Notes {
		fmt.Fprintf(m.Stderr, "rampart: note: %s\n", n)
	}
}

func (m *Main) writeEvidence(path string, p *evidence.Package) error {
	data, err := p.Marshal()
	if err != nil {
		return err
	}
	if err := atomicfile.Create(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %v", path, strings.TrimPrefix(err.Error(), "open "+path+": "))
	}
	return nil
}
