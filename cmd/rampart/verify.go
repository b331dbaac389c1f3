package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var verifyUsage = helpText("verify-usage.txt")

func (m *Main) runVerify(ctx context.Context, args []string) error {
	fs := newFlagSet("verify", verifyUsage)
	regPath, fingerprint := fs.String("registry", "", ""), fs.String("registry-fingerprint", "", "")
	unpinned := fs.Bool("insecure-unpinned", false, "")
	policy, keyPath := fs.String("policy", "default", ""), fs.String("key", "", "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if *regPath == "" || fs.NArg() == 0 {
		m.errorf("verify needs --registry REGISTRY and at least one FILE")
		m.hintf("rampart verify --registry registry.json --registry-fingerprint SHA256:... bundle.json")
		return errUsage
	}
	if *fingerprint != "" && *unpinned {
		return m.usagef("give --registry-fingerprint or --insecure-unpinned, not both")
	}
	pol := trust.DefaultPolicy()
	if *policy != "default" {
		p, err := trust.ParseProfile(*policy)
		if err != nil {
			return m.usagef("--policy: %v (or \"default\")", err)
		}
		pol = trust.PolicyFor(p)
	}
	reg, err := m.readPinnedRegistry(*regPath, *fingerprint, *unpinned)
	if err != nil {
		return err
	}
	var id *trust.Identity
	if *keyPath != "" {
		if id, err = trust.ReadIdentityFile(*keyPath); err != nil {
			return err
		}
	}
	total, refused, err := m.verifyFiles(ctx, trust.NewVerifier(reg, pol), id, fs.Args())
	if err != nil {
		return err
	}
	if refused > 0 {
		m.errorf("%d of %d objects refused", refused, total)
		return errReported
	}
	fmt.Fprintf(m.Stdout, "%d objects verified against registry version %d\n", total, reg.Version())
	return nil
}

// verifyFiles prints a line for each object of the files, and for each
// object inside a sealed envelope id opens, and counts the objects of
// the files and those refused.
func (m *Main) verifyFiles(ctx context.Context, v *trust.Verifier, id *trust.Identity, paths []string) (total, refused int, err error) {
	w := m.table("")
	defer w.Flush()
	for _, path := range paths {
		checks, err := node.CheckObjectFile(ctx, v, id, path)
		if err != nil {
			return total, refused, err
		}
		for _, c := range checks {
			if c.Envelope == "" && !c.NotOpened {
				total++
			}
			if c.Refused() {
				refused++
			}
			fmt.Fprintln(w, c.Line())
		}
	}
	return total, refused, nil
}
