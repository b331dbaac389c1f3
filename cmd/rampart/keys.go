package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rampart-cti/rampart/internal/atomicfile"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

var keysUsage = helpText("keys-usage.txt")

func (m *Main) runKeys(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, keysUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "generate":
		return m.runKeysGenerate(args)
	case "sign":
		return m.runKeysSign(args)
	}
	return m.unknownSubcommand("keys", sub, "generate or sign")
}

func (m *Main) runKeysGenerate(args []string) error {
	fs := newFlagSet("keys generate", keysUsage)
	profile := fs.String("profile", string(trust.EUPQBase), "")
	org := fs.String("org", "", "")
	out := outputFlag(fs)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		m.errorf("keys generate needs -o FILE and no arguments")
		m.hintf("rampart keys generate --org identity--UUID -o node.key")
		return errUsage
	}
	p, err := trust.ParseProfile(*profile)
	if err != nil {
		return m.usagef("%v", err)
	}
	id, err := trust.GenerateIdentity(p, *org)
	if err != nil {
		return err
	}
	pubPath := *out + ".pub"
	if _, err := os.Stat(pubPath); err == nil {
		return fmt.Errorf("%q already exists; choose another -o FILE or remove it", pubPath)
	}
	if err := trust.WriteIdentityFile(*out, id); err != nil {
		return err
	}
	pub, err := id.KeySet().Marshal()
	if err != nil {
		return err
	}
	if err := atomicfile.Create(pubPath, append(pub, '\n'), 0o644); err != nil {
		return err
	}
	kids := id.KeyIDs()
	algs := p.SignatureAlgorithms()
	fmt.Fprintf(m.Stdout, "%s keys written to %s (private, mode 0600) and %s (public)\n", p, *out, pubPath)
	fmt.Fprintf(m.Stdout, "  %-16s %s\n  %-16s %s\n  %-16s %s\n", algs[0], kids[0], algs[1], kids[1], p.KEM(), kids[2])
	return nil
}

func (m *Main) runKeysSign(args []string) error {
	fs := newFlagSet("keys sign", keysUsage)
	key := fs.String("key", "", "")
	to := fs.String("to", "", "")
	registry := fs.String("registry", "", "")
	out := outputFlag(fs)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if *key == "" || fs.NArg() != 1 {
		return m.usagef("keys sign needs --key FILE and one INPUT")
	}
	var reg *trust.Registry
	if *registry != "" {
		var err error
		if reg, err = readRegistryFile(*registry); err != nil {
			return err
		}
	}
	var recipients []string
	if *to != "" {
		var err error
		if recipients, err = resolveOrgs(reg, splitComma(*to), "--to", ""); err != nil {
			return m.usagef("%v", err)
		}
	}
	id, err := trust.ReadIdentityFile(*key)
	if err != nil {
		return err
	}
	objs, single, bundleID, err := readSignedInput(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := m.signObjects(id, reg, objs, recipients); err != nil {
		return err
	}
	return m.writeSigned(*out, objs, single, bundleID)
}

// signObjects signs objs in place with id's keys, addressed first to the
// recipients when there are any. It refuses a version the registry reg
// (when known) or the peers' clocks would refuse, and warns of versions
// older than keys no registry vouches for.
func (m *Main) signObjects(id *trust.Identity, reg *trust.Registry, objs []*stix.Object, recipients []string) error {
	early, first := 0, (*stix.Object)(nil)
	for i, o := range objs {
		var err error
		if len(recipients) > 0 {
			if o, err = trust.Address(o, recipients...); err != nil {
				return err
			}
		}
		if objs[i], err = id.Sign(o); err != nil {
			return err
		}
		if err := checkKeyValidity(reg, objs[i]); err != nil {
			return err
		}
		if c := id.Created(); reg == nil && !c.IsZero() && o.Version().Time().Before(c) {
			if early == 0 {
				first = o
			}
			early++
		}
	}
	if early > 0 {
		m.warnf("%d objects (%s %q the first) have a modified time before these keys were generated (%s): peers refuse their signatures unless the registry authority made the keys valid from then (--valid-from); check with --registry FILE", early, first.Type, first.ID, id.Created().Format(time.RFC3339))
	}
	return nil
}

// writeSigned writes signed objects to the file out, or to stdout when it
// is empty: one object as it came, several as a bundle with the input
// bundle's id.
func (m *Main) writeSigned(out string, objs []*stix.Object, single bool, bundleID string) error {
	var data []byte
	if single {
		data = objs[0].Raw
	} else {
		b := stix.NewBundle(objs...)
		if bundleID != "" {
			b.ID = bundleID
		}
		var err error
		if data, err = b.MarshalJSON(); err != nil {
			return err
		}
	}
	data = append(data, '\n')
	if out == "" {
		_, err := m.Stdout.Write(data)
		return err
	}
	if err := atomicfile.Replace(out, data, outputMode(objs)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: signed %d objects into %s\n", len(objs), out)
	return nil
}

// checkKeyValidity refuses a signed object that peers would refuse for its
// time: modified too far in the future for their clocks, or, by the
// registry reg if known, outside the validity it gives the keys.
func checkKeyValidity(reg *trust.Registry, o *stix.Object) error {
	policy := trust.DefaultPolicy()
	if at := o.Version().Time(); time.Until(at) > policy.MaxClockSkew {
		return fmt.Errorf("%s %q: modified %s is in the future (peers allow %s of clock skew) and would be refused; give it the time it was made", o.Type, o.ID, at.Format(time.RFC3339Nano), policy.MaxClockSkew)
	}
	if reg == nil {
		return nil
	}
	_, err := trust.NewVerifier(reg, policy).Verify(o)
	if errors.Is(err, trust.ErrKeyNotValid) {
		return fmt.Errorf("%v: give the object a later modified time, or ask the registry authority for an earlier --valid-from", err)
	}
	return nil
}

// readSignedInput reads a bundle (or TAXII envelope) or a single STIX object.
// single reports the latter; bundleID is the bundle's id, if any.
func readSignedInput(path string) (objs []*stix.Object, single bool, bundleID string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, "", err
	}
	b, err := stix.ParseBundle(data)
	if errors.Is(err, stix.ErrNotEnvelope) {
		o, err := stix.ParseObject(data)
		if err != nil {
			return nil, false, "", fmt.Errorf("%s: %v", path, err)
		}
		return []*stix.Object{o}, true, "", nil
	}
	var bad *stix.BundleError
	if errors.As(err, &bad) {
		// The valid objects come back with the error that lists the
		// others, for callers that go on without them.
		return b.Objects, false, b.ID, &inputError{path, bad}
	}
	if err != nil {
		return nil, false, "", fmt.Errorf("%s: %v", path, err)
	}
	return b.Objects, false, b.ID, nil
}

// inputError reports the objects of an input file that could not be read.
type inputError struct {
	path string
	bad  *stix.BundleError
}

func (e *inputError) Error() string { return fmt.Sprintf("%s: %v", e.path, e.bad) }

// outputMode is the mode of a file of objects: readable by its owner only
// when any of them may travel only sealed (TLP:RED, TLP:AMBER+STRICT,
// addressed), since the file holds them in clear; readable by all
// otherwise.
func outputMode(objs []*stix.Object) os.FileMode {
	for _, o := range objs {
		if stix.Restriction(o) >= stix.TLPAmberStrict {
			return 0o600
		}
	}
	return 0o644
}

// outputFlag registers -o and its long form --output, one value.
func outputFlag(fs *flag.FlagSet) *string {
	out := fs.String("o", "", "")
	fs.StringVar(out, "output", "", "")
	return out
}
