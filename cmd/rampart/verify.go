package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

const verifyUsage = `Usage: rampart verify --registry REGISTRY [--policy NAME] [--key FILE] FILE...

Checks, offline, the signatures of the STIX objects in each FILE (a bundle,
a TAXII envelope or one object) against the trust registry: each object
needs an ML-DSA and an ECDSA signature by keys the registry binds to the
organisation in its created_by_ref, valid at its modified time and not
revoked. Prints one line per object and exits 1 if any is refused.

Sealed envelopes (x-rampart-sealed) are checked like any object; with --key,
those addressed to the key's organisation are also opened and the object
inside is checked.

Flags:
    --registry FILE  the trust registry; it must be signed by a quorum of
                     its own authority (check it first with "rampart
                     registry verify")
    --policy NAME    default (both profiles), eu-pq-base or eu-pq-high
    --key FILE       private keys to open sealed envelopes with

Examples:
    rampart verify --registry registry.json bundle.json
    rampart verify --registry registry.json --policy eu-pq-high --key cert-fr.key inbox/*.json
`

func (m *Main) runVerify(ctx context.Context, args []string) error {
	fs := newFlagSet("verify", verifyUsage)
	regPath := fs.String("registry", "", "")
	policy := fs.String("policy", "default", "")
	keyPath := fs.String("key", "", "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if *regPath == "" || fs.NArg() == 0 {
		m.errorf("verify needs --registry REGISTRY and at least one FILE")
		m.hintf("rampart verify --registry registry.json bundle.json")
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
	reg, err := readRegistryFile(*regPath)
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
		objs, _, _, err := readSignedInput(path)
		var bad *inputError
		if errors.As(err, &bad) {
			for _, oe := range bad.bad.Errors {
				total++
				refused++
				fmt.Fprintf(w, "refused\t%s\t%s: %v\n", orUnknown(oe.ID), path, oe)
			}
		} else if err != nil {
			w.Flush()
			return err
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
	}
	w.Flush()
	if refused > 0 {
		m.errorf("%d of %d objects refused", refused, total)
		return errReported
	}
	fmt.Fprintf(m.Stdout, "%d objects verified against registry version %d\n", total, reg.Version())
	return nil
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
