package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

var registryUsage = helpText("registry-usage.txt")

func (m *Main) runRegistry(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, registryUsage)
	if err != nil {
		return err
	}
	run := map[string]func([]string) error{
		"init": m.runRegistryInit, "add": m.runRegistryAdd, "revoke": m.runRegistryRevoke,
		"sign": m.runRegistrySign, "verify": m.runRegistryVerify, "show": m.runRegistryShow,
	}[sub]
	if run == nil {
		return m.unknownSubcommand("registry", sub, "init, add, revoke, sign, verify or show")
	}
	return run(args)
}

// repeatedFlag collects a repeatable string flag.
type repeatedFlag []string

func (l *repeatedFlag) String() string     { return strings.Join(*l, ",") }
func (l *repeatedFlag) Set(s string) error { *l = append(*l, s); return nil }

// parseRegistryCommand parses the flags of a registry command and returns
// its one REGISTRY file argument.
func (m *Main) parseRegistryCommand(fs *flag.FlagSet, args []string) (string, error) {
	if err := m.parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		m.errorf("%s needs one REGISTRY file argument (after the flags)", fs.Name())
		m.hintf(`run "rampart registry -h" for examples`)
		return "", errUsage
	}
	return fs.Arg(0), nil
}

// parseTime parses an RFC 3339 time flag; "" is the zero time.
func (m *Main) parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, m.usagef("--%s %q is not an RFC 3339 time (2026-01-02T15:04:05Z)", name, v)
	}
	return t, nil
}

func (m *Main) runRegistryInit(args []string) error {
	fs := newFlagSet("registry init", registryUsage)
	var in trust.RegistryInit
	fs.IntVar(&in.Threshold, "threshold", 0, "")
	var auth repeatedFlag
	fs.Var(&auth, "authority", "")
	expires := fs.String("expires", "90d", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if len(auth) == 0 || in.Threshold < 1 {
		return m.usagef("registry init needs --threshold K and at least one --authority NAME=FILE.pub")
	}
	if in.Expires, err = parseDays(*expires); err != nil {
		return m.usagef("--expires: %v", err)
	}
	for _, a := range auth {
		name, file, ok := strings.Cut(a, "=")
		if !ok || name == "" || file == "" {
			return m.usagef("--authority %q is not NAME=FILE.pub", a)
		}
		in.Authorities = append(in.Authorities, trust.AuthorityKeys{Name: name, File: file})
	}
	doc, err := trust.CreateRegistryFile(path, in, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "registry version 1 written to %s: %d authority members, %d signatures required\n", path, len(auth), in.Threshold)
	fmt.Fprintf(m.Stdout, "authority fingerprint %s\n", doc.AuthorityFingerprint())
	return nil
}

func (m *Main) runRegistryAdd(args []string) error {
	fs := newFlagSet("registry add", registryUsage)
	var e trust.RegistryEntry
	var role, validFor, validFrom string
	for name, p := range map[string]*string{"org": &e.ID, "name": &e.Name, "country": &e.Country, "role": &role, "keys": &e.KeysFile, "valid-from": &validFrom} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&validFor, "valid-for", "730d", "")
	fs.Var((*repeatedFlag)(&e.Nodes), "node", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if e.ID == "" {
		return m.usagef("registry add needs --org IDENTITY")
	}
	e.Role = trust.Role(role)
	if e.ValidFor, err = parseDays(validFor); err != nil {
		return m.usagef("--valid-for: %v", err)
	}
	if e.ValidFrom, err = m.parseTime("valid-from", validFrom); err != nil {
		return err
	}
	var a *trust.RegistryAddition
	doc, err := trust.EditRegistryFile(path, func(doc *trust.RegistryDocument) (err error) {
		a, err = doc.AddEntry(e, time.Now())
		return err
	})
	if errors.Is(err, trust.ErrIncompleteOrganization) {
		return m.usagef("a new organisation needs --name, --country, --role and --keys")
	} else if err != nil {
		return err
	}
	o, from := a.Organization, ""
	if a.Added > 0 {
		from = ", valid from " + a.From.Format(time.RFC3339)
	}
	fmt.Fprintf(m.Stdout, "%s (%s) in registry version %d with %d keys (%d new%s); the version is unsigned\n", o.Name, o.ID, doc.Version, len(o.Keys), a.Added, from)
	return nil
}

func (m *Main) runRegistryRevoke(args []string) error {
	fs := newFlagSet("registry revoke", registryUsage)
	kid, keys := fs.String("kid", "", ""), fs.String("keys", "", "")
	reason := fs.String("reason", trust.ReasonKeyCompromise, "")
	since := fs.String("since", "", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if (*kid == "") == (*keys == "") {
		return m.usagef("registry revoke needs --kid KID or --keys FILE.pub")
	}
	kids := []string{*kid}
	if *keys != "" {
		ks, err := trust.ReadKeySetFile(*keys)
		if err != nil {
			return err
		}
		kids = ks.KeyIDs()
	}
	t, err := m.parseTime("since", *since)
	if err != nil {
		return err
	}
	doc, err := trust.EditRegistryFile(path, func(doc *trust.RegistryDocument) error {
		return doc.RevokeKeys(kids, t, *reason, time.Now())
	})
	if err != nil {
		return err
	}
	for _, k := range kids {
		fmt.Fprintf(m.Stdout, "key %s revoked (%s) in registry version %d\n", k, *reason, doc.Version)
	}
	fmt.Fprintf(m.Stdout, "registry version %d is unsigned\n", doc.Version)
	return nil
}

func (m *Main) runRegistrySign(args []string) error {
	fs := newFlagSet("registry sign", registryUsage)
	key := fs.String("key", "", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if *key == "" {
		return m.usagef("registry sign needs --key FILE (an authority member's private keys)")
	}
	id, err := trust.ReadIdentityFile(*key)
	if err != nil {
		return err
	}
	doc, err := trust.EditRegistryFile(path, func(doc *trust.RegistryDocument) error { return doc.Sign(id) })
	if err != nil {
		return err
	}
	if reg, err := doc.Quorum(); err == nil {
		fmt.Fprintf(m.Stdout, "registry version %d signed; complete: %d of %d required (%s)\n", doc.Version, len(reg.Signers()), doc.Threshold, strings.Join(reg.Signers(), ", "))
	} else {
		fmt.Fprintf(m.Stdout, "registry version %d signed; more signatures needed: %v\n", doc.Version, err)
	}
	return nil
}

func (m *Main) runRegistryVerify(args []string) error {
	fs := newFlagSet("registry verify", registryUsage)
	trusted, fingerprint := fs.String("trusted", "", ""), fs.String("fingerprint", "", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if *trusted != "" && *fingerprint != "" {
		return m.usagef("give --trusted or --fingerprint, not both")
	}
	c, err := trust.CheckRegistryFile(path, *trusted, *fingerprint)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, c)
	if c.Trusted == nil && !c.Pinned {
		m.hintf("this alone does not show that the authority is the right one: compare the fingerprint with one obtained out of band, or use --trusted")
	}
	reg := c.Registry
	if reg.Expired(time.Now()) {
		m.errorf("registry version %d expired at %s", reg.Version(), reg.Expires().Format(time.RFC3339))
		return errReported
	}
	return nil
}

func (m *Main) runRegistryShow(args []string) error {
	fs := newFlagSet("registry show", registryUsage)
	asJSON := fs.Bool("json", false, "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	doc, err := trust.ReadRegistryDocumentFile(path)
	if err != nil {
		return err
	}
	if !*asJSON {
		return doc.WriteText(m.Stdout)
	}
	data, err := doc.JSON()
	if err != nil {
		return err
	}
	m.printLine(data)
	return nil
}

// readRegistryFile reads a registry signed by a quorum of its authority.
func readRegistryFile(path string) (*trust.Registry, error) { return trust.ReadRegistryFile(path) }

// readPinnedRegistry reads the registry at path, accepting it only when
// its authority fingerprint is fingerprint, or, with unpinned, whatever
// authority signed it (with a warning on stderr). Neither is a usage
// error whose hint names the file's fingerprint, to be compared with one
// obtained out of band.
func (m *Main) readPinnedRegistry(path, fingerprint string, unpinned bool) (*trust.Registry, error) {
	reg, err := trust.ReadPinnedRegistry(path, fingerprint, unpinned)
	if errors.Is(err, trust.ErrNotPinned) {
		m.errorf("registry %s is not pinned: nothing shows that its authority is the one you trust", path)
		fp := "out of band"
		if doc, err := trust.ReadRegistryDocumentFile(path); err == nil {
			fp += "; this file's is " + doc.AuthorityFingerprint() + " (compare it, do not copy it),"
		} else {
			fp += ","
		}
		m.hintf("give --registry-fingerprint FP, the authority fingerprint obtained %s or --insecure-unpinned for a trial", fp)
		return nil, errUsage
	}
	if err == nil && unpinned && fingerprint == "" {
		m.warnf("registry %s accepted without checking its authority (--insecure-unpinned): its authority fingerprint is %s", path, reg.AuthorityFingerprint())
	}
	return reg, err
}

// resolveOrgs turns the organisations a flag names into identity ids: with
// a registry, identity ids of its members, country codes (the member
// state's national CSIRT) and names, as trust.Registry.ResolveOrganizations
// does (role, when set, is the role every one must have); without one,
// identity ids only.
func resolveOrgs(reg *trust.Registry, items []string, flag string, role trust.Role) ([]string, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("%s names no organisation", flag)
	}
	if reg == nil {
		for _, it := range items {
			if !strings.HasPrefix(it, "identity--") {
				return nil, fmt.Errorf("%s: %q is not an identity id; give --registry FILE to name organisations by country or name", flag, it)
			}
		}
		return items, nil
	}
	ids, err := reg.ResolveOrganizations(items, role)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", flag, err)
	}
	return ids, nil
}
