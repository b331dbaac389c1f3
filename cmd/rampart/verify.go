package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

var verifyUsage = helpText("verify-usage.txt")

func (m *Main) runVerify(ctx context.Context, args []string) error {
	fs := newFlagSet("verify", verifyUsage)
	regPath := fs.String("registry", "", "")
	fingerprint := fs.String("registry-fingerprint", "", "")
	unpinned := fs.Bool("insecure-unpinned", false, "")
	policy := fs.String("policy", "default", "")
	keyPath := fs.String("key", "", "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if *regPath == "" || fs.NArg() == 0 {
		m.errorf("verify needs --registry REGISTRY and at least one FILE")
		m.hintf("rampart verify --registry registry.json --registry-fingerprint SHA256:... bundle.json")
		return errUsage
	}
	if *fingerprint != "" && *unpinned {
		m.errorf("give --registry-fingerprint or --insecure-unpinned, not both")
		return errUsage
	}
	pol := trust.DefaultPolicy()
	if *policy != "default" {
		p, err := trust.ParseProfile(*policy)
		if err != nil {
			m.errorf("--policy: %v (or \"default\")", err)
			return errUsage
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
	v := trust.NewVerifier(reg, pol)
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	var total, refused int
	for _, path := range fs.Args() {
		t, r, err := m.verifyFile(ctx, w, v, id, path)
		total, refused = total+t, refused+r
		if err != nil {
			w.Flush()
			return err
		}
	}
	w.Flush()
	if refused > 0 {
		m.errorf("%d of %d objects refused", refused, total)
		return errReported
	}
	fmt.Fprintf(m.Stdout, "%d objects verified against registry version %d\n", total, reg.Version())
	return nil
}

// verifyFile verifies the objects of one file, writing a line for each to
// w, and returns how many it checked and refused; with id, the sealed
// objects are opened and their contents verified too.
func (m *Main) verifyFile(ctx context.Context, w *tabwriter.Writer, v *trust.Verifier, id *trust.Identity, path string) (total, refused int, err error) {
	objs, _, _, err := readSignedInput(path)
	var bad *inputError
	if errors.As(err, &bad) {
		for _, oe := range bad.bad.Errors {
			total++
			refused++
			fmt.Fprintf(w, "refused\t%s\t%s: %v\n", orUnknown(oe.ID), path, oe)
		}
	} else if err != nil {
		return total, refused, err
	}
	for i, r := range v.VerifyObjects(ctx, objs) {
		total++
		o := objs[i]
		if r.Err != nil {
			refused++
			fmt.Fprintf(w, "refused\t%s\t%v\n", o.ID, r.Err)
			continue
		}
		fmt.Fprintf(w, "ok\t%s\t%s (%s) %s+%s\n", o.ID, r.Signed.Organization.Name, r.Signed.Organization.ID, r.Signed.Algorithms[0], r.Signed.Algorithms[1])
		if o.Type == trust.SealedType && id != nil {
			refused += m.verifySealed(w, v, id, o)
		}
	}
	return total, refused, nil
}

// readPinnedRegistry reads the registry at path, accepting it only when
// its authority fingerprint is fingerprint, or, with unpinned, whatever
// authority signed it (with a warning on stderr). Neither is a usage
// error whose hint names the file's fingerprint, to be compared with one
// obtained out of band.
func (m *Main) readPinnedRegistry(path, fingerprint string, unpinned bool) (*trust.Registry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch {
	case fingerprint != "":
		reg, err := trust.TrustRegistry(data, fingerprint)
		if err != nil {
			return nil, fmt.Errorf("registry %s: %v", path, err)
		}
		return reg, nil
	case unpinned:
		reg, err := trust.ParseRegistry(data)
		if err != nil {
			return nil, fmt.Errorf("registry %s: %v", path, err)
		}
		m.warnf("registry %s accepted without checking its authority (--insecure-unpinned): its authority fingerprint is %s", path, reg.AuthorityFingerprint())
		return reg, nil
	}
	m.errorf("registry %s is not pinned: nothing shows that its authority is the one you trust", path)
	if doc, err := trust.ParseRegistryDocument(data); err == nil {
		m.hintf("give --registry-fingerprint FP, the authority fingerprint obtained out of band; this file's is %s (compare it, do not copy it), or --insecure-unpinned for a trial", doc.AuthorityFingerprint())
	} else {
		m.hintf("give --registry-fingerprint FP, the authority fingerprint obtained out of band, or --insecure-unpinned for a trial")
	}
	return nil, errUsage
}

func orUnknown(id string) string {
	if id == "" {
		return "(no id)"
	}
	return id
}

// verifySealed opens an envelope addressed to id and verifies the objects
// inside; it returns how many fail.
func (m *Main) verifySealed(w *tabwriter.Writer, v *trust.Verifier, id *trust.Identity, env *stix.Object) int {
	objs, err := id.Open(env)
	if err != nil {
		fmt.Fprintf(w, "  sealed\t%s\tnot opened: %v\n", env.ID, err)
		return 0
	}
	refused := 0
	for _, inner := range objs {
		s, err := v.Verify(inner)
		if err != nil {
			fmt.Fprintf(w, "  refused\t%s\t(inside %s) %v\n", inner.ID, env.ID, err)
			refused++
			continue
		}
		fmt.Fprintf(w, "  ok\t%s\t(inside %s) %s (%s) %s+%s\n", inner.ID, env.ID, s.Organization.Name, s.Organization.ID, s.Algorithms[0], s.Algorithms[1])
	}
	return refused
}
