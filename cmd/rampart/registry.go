package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/atomicfile"

	"github.com/rampart-cti/rampart/trust"
)

var registryUsage = helpText("registry-usage.txt")

func (m *Main) runRegistry(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, registryUsage)
	if err != nil {
		return err
	}
	run := map[string]func([]string) error{
		"init":   m.runRegistryInit,
		"add":    m.runRegistryAdd,
		"revoke": m.runRegistryRevoke,
		"sign":   m.runRegistrySign,
		"verify": m.runRegistryVerify,
		"show":   m.runRegistryShow,
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

func (m *Main) runRegistryInit(args []string) error {
	fs := newFlagSet("registry init", registryUsage)
	threshold := fs.Int("threshold", 0, "")
	var auth repeatedFlag
	fs.Var(&auth, "authority", "")
	expires := fs.String("expires", "90d", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if len(auth) == 0 || *threshold < 1 {
		return m.usagef("registry init needs --threshold K and at least one --authority NAME=FILE.pub")
	}
	exp, err := parseDays(*expires)
	if err != nil {
		return m.usagef("--expires: %v", err)
	}
	var members []*trust.AuthorityMember
	for _, a := range auth {
		name, file, ok := strings.Cut(a, "=")
		if !ok || name == "" || file == "" {
			return m.usagef("--authority %q is not NAME=FILE.pub", a)
		}
		ks, err := readKeySetFile(file)
		if err != nil {
			return err
		}
		members = append(members, &trust.AuthorityMember{Name: name, Keys: ks.SigningKeys()})
	}
	now := time.Now()
	doc, err := trust.NewRegistryDocument(*threshold, members, now)
	if err != nil {
		return err
	}
	if exp > 0 {
		doc.Expires = doc.Issued.Add(exp)
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%q already exists", path)
	}
	if err := m.saveRegistryFile(path, doc); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "registry version 1 written to %s: %d authority members, %d signatures required\n", path, len(members), *threshold)
	fmt.Fprintf(m.Stdout, "authority fingerprint %s\n", doc.AuthorityFingerprint())
	return nil
}

// registryAddFlags are the flags of "registry add".
type registryAddFlags struct {
	org, name, country, role, keys, validFor, validFrom string
	nodes                                               repeatedFlag
}

func (m *Main) runRegistryAdd(args []string) error {
	fs := newFlagSet("registry add", registryUsage)
	var f registryAddFlags
	for name, p := range map[string]*string{"org": &f.org, "name": &f.name, "country": &f.country, "role": &f.role, "keys": &f.keys, "valid-from": &f.validFrom} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&f.validFor, "valid-for", "730d", "")
	fs.Var(&f.nodes, "node", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if f.org == "" {
		return m.usagef("registry add needs --org IDENTITY")
	}
	valid, err := parseDays(f.validFor)
	if err != nil {
		return m.usagef("--valid-for: %v", err)
	}
	from := time.Now().UTC().Truncate(time.Second)
	if f.validFrom != "" {
		if from, err = time.Parse(time.RFC3339, f.validFrom); err != nil {
			return m.usagef("--valid-from %q is not an RFC 3339 time (2026-01-02T15:04:05Z)", f.validFrom)
		}
	}
	var o *trust.Organization
	added := 0
	doc, err := m.editRegistry(path, func(doc *trust.RegistryDocument) (err error) {
		if o, err = m.registryOrganization(doc, &f); err != nil {
			return err
		}
		if added, from, err = addRegistryKeys(o, &f, from, valid); err != nil {
			return err
		}
		return doc.SetOrganization(o, time.Now())
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s (%s) in registry version %d with %d keys (%d new", o.Name, o.ID, doc.Version, len(o.Keys), added)
	if added > 0 {
		fmt.Fprintf(m.Stdout, ", valid from %s", from.Format(time.RFC3339))
	}
	fmt.Fprintf(m.Stdout, "); the version is unsigned\n")
	return nil
}

// registryOrganization returns the organisation "registry add" writes: a
// copy of the one the registry lists, or a new one, with the name,
// country, role and nodes the flags give.
func (m *Main) registryOrganization(doc *trust.RegistryDocument, f *registryAddFlags) (*trust.Organization, error) {
	o := doc.Organization(f.org)
	if o == nil {
		if f.name == "" || f.country == "" || f.role == "" || f.keys == "" {
			return nil, m.usagef("a new organisation needs --name, --country, --role and --keys")
		}
		o = &trust.Organization{ID: f.org}
	} else {
		o = o.Clone()
	}
	if f.name != "" {
		o.Name = f.name
	}
	if f.country != "" {
		o.Country = f.country
	}
	if f.role != "" {
		o.Role = trust.Role(f.role)
	}
	o.AddNodes(f.nodes...)
	return o, nil
}

// addRegistryKeys adds to o the keys of the --keys file, valid from from
// (or from when they were generated, when earlier and --valid-from is not
// given) for valid (0: with no end). It returns how many keys were new
// and the time they are valid from.
func addRegistryKeys(o *trust.Organization, f *registryAddFlags, from time.Time, valid time.Duration) (int, time.Time, error) {
	if f.keys == "" {
		return 0, from, nil
	}
	ks, err := readKeySetFile(f.keys)
	if err != nil {
		return 0, from, err
	}
	if ks.Organization != "" && ks.Organization != f.org {
		return 0, from, fmt.Errorf("%s holds keys of %q, not of %q", f.keys, ks.Organization, f.org)
	}
	if f.validFrom == "" && !ks.Created.IsZero() && ks.Created.Before(from) {
		from = ks.Created
	}
	var until time.Time
	if valid > 0 {
		until = from.Add(valid)
	}
	return o.AddKeys(ks.WithValidity(from, until)...), from, nil
}

func (m *Main) runRegistryRevoke(args []string) error {
	fs := newFlagSet("registry revoke", registryUsage)
	kid := fs.String("kid", "", "")
	keys := fs.String("keys", "", "")
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
		ks, err := readKeySetFile(*keys)
		if err != nil {
			return err
		}
		kids = nil
		for _, k := range ks.Keys {
			kids = append(kids, k.ID())
		}
	}
	var t time.Time
	if *since != "" {
		if t, err = time.Parse(time.RFC3339, *since); err != nil {
			return m.usagef("--since %q is not an RFC 3339 time (2026-01-02T15:04:05Z)", *since)
		}
	}
	doc, err := m.editRegistry(path, func(doc *trust.RegistryDocument) error {
		for _, k := range kids {
			if err := doc.Revoke(k, t, *reason, time.Now()); err != nil {
				return err
			}
		}
		return nil
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
	doc, err := m.editRegistry(path, func(doc *trust.RegistryDocument) error { return doc.Sign(id) })
	if err != nil {
		return err
	}
	raw, _ := doc.Marshal()
	if reg, err := trust.ParseRegistry(raw); err == nil {
		fmt.Fprintf(m.Stdout, "registry version %d signed; complete: %s of %d required (%s)\n", doc.Version, strconv.Itoa(len(reg.Signers())), doc.Threshold, strings.Join(reg.Signers(), ", "))
	} else {
		fmt.Fprintf(m.Stdout, "registry version %d signed; more signatures needed: %v\n", doc.Version, err)
	}
	return nil
}

func (m *Main) runRegistryVerify(args []string) error {
	fs := newFlagSet("registry verify", registryUsage)
	trusted := fs.String("trusted", "", "")
	fingerprint := fs.String("fingerprint", "", "")
	path, err := m.parseRegistryCommand(fs, args)
	if err != nil {
		return err
	}
	if *trusted != "" && *fingerprint != "" {
		return m.usagef("give --trusted or --fingerprint, not both")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var reg *trust.Registry
	switch {
	case *trusted != "":
		old, err := os.ReadFile(*trusted)
		if err != nil {
			return err
		}
		cur, err := trust.ParseRegistry(old)
		if err != nil {
			return fmt.Errorf("trusted registry %s: %v", *trusted, err)
		}
		if reg, err = cur.Update(data); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "registry version %d accepted: newer than the trusted version %d and signed by %s (%d required)\n", reg.Version(), cur.Version(), strings.Join(reg.Signers(), ", "), cur.Threshold())
	case *fingerprint != "":
		if reg, err = trust.TrustRegistry(data, *fingerprint); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "registry version %d accepted: authority fingerprint matches; signed by %s (%d required)\n", reg.Version(), strings.Join(reg.Signers(), ", "), reg.Threshold())
	default:
		if reg, err = trust.ParseRegistry(data); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "registry version %d is signed by %s (%d required) of its own authority\n", reg.Version(), strings.Join(reg.Signers(), ", "), reg.Threshold())
		fmt.Fprintf(m.Stdout, "authority fingerprint %s\n", reg.AuthorityFingerprint())
		m.hintf("this alone does not show that the authority is the right one: compare the fingerprint with one obtained out of band, or use --trusted")
	}
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
	doc, err := loadRegistryFile(path)
	if err != nil {
		return err
	}
	if *asJSON {
		data, err := doc.JSON()
		if err != nil {
			return err
		}
		_, err = m.Stdout.Write(append(data, '\n'))
		return err
	}
	raw, _ := os.ReadFile(path)
	status := "signed by a quorum of its authority"
	if reg, err := trust.ParseRegistry(raw); err != nil {
		status = "NOT signed by a quorum: " + err.Error()
	} else {
		status += " (" + strings.Join(reg.Signers(), ", ") + ")"
	}
	w := m.table("")
	fmt.Fprintf(w, "version\t%d\n", doc.Version)
	fmt.Fprintf(w, "issued\t%s\n", doc.Issued.Format(time.RFC3339))
	if !doc.Expires.IsZero() {
		fmt.Fprintf(w, "expires\t%s\n", doc.Expires.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "status\t%s\n", status)
	fmt.Fprintf(w, "authority\t%d of %d; fingerprint %s\n", doc.Threshold, len(doc.Authorities), doc.AuthorityFingerprint())
	for _, a := range doc.Authorities {
		fmt.Fprintf(w, "  %s\t%s\n", a.Name, keyListText(a.Keys))
	}
	fmt.Fprintf(w, "organisations\t%d\n", len(doc.Organizations))
	for _, o := range doc.Organizations {
		fmt.Fprintf(w, "  %s\t%s %s %s %s\n", o.Name, o.ID, o.Country, o.Role, strings.Join(o.Nodes, " "))
		for _, k := range o.Keys {
			fmt.Fprintf(w, "    %s\t%s %s %s\n", k.Algorithm(), k.ID(), k.Use(), validityText(k))
		}
	}
	if len(doc.Revocations) > 0 {
		fmt.Fprintf(w, "revocations\t%d\n", len(doc.Revocations))
		for _, r := range doc.Revocations {
			since := "all times"
			if !r.Since.IsZero() {
				since = "since " + r.Since.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "  %s\t%s, %s (recorded %s)\n", r.KeyID, r.Reason, since, r.Date.Format(time.RFC3339))
		}
	}
	return w.Flush()
}

func keyListText(keys []*trust.PublicKey) string {
	var s []string
	for _, k := range keys {
		s = append(s, k.String())
	}
	return strings.Join(s, ", ")
}

func validityText(k *trust.PublicKey) string {
	from, to := "-", "-"
	if !k.NotBefore.IsZero() {
		from = k.NotBefore.Format(time.RFC3339)
	}
	if !k.NotAfter.IsZero() {
		to = k.NotAfter.Format(time.RFC3339)
	}
	return from + " .. " + to
}

func readKeySetFile(path string) (*trust.KeySet, error) {
	return parseFile(path, "", trust.ParseKeySet)
}

// loadRegistryFile reads a registry to edit, whether signed or not.
func loadRegistryFile(path string) (*trust.RegistryDocument, error) {
	return parseFile(path, "", trust.ParseRegistryDocument)
}

// editRegistry reads the registry file path, lets edit change it, and
// writes it back; it returns the registry as written.
func (m *Main) editRegistry(path string, edit func(*trust.RegistryDocument) error) (*trust.RegistryDocument, error) {
	doc, err := loadRegistryFile(path)
	if err != nil {
		return nil, err
	}
	if err := edit(doc); err != nil {
		return nil, err
	}
	return doc, m.saveRegistryFile(path, doc)
}

func (m *Main) saveRegistryFile(path string, doc *trust.RegistryDocument) error {
	data, err := doc.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Replace(path, append(data, '\n'), 0o644)
}

// readRegistryFile reads a registry signed by a quorum of its authority.
func readRegistryFile(path string) (*trust.Registry, error) {
	return parseFile(path, "registry ", trust.ParseRegistry)
}

// parseFile reads the file path and parses it; a parse error names the
// file, after prefix.
func parseFile[T any](path, prefix string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, err
	}
	v, err := parse(data)
	if err != nil {
		return zero, fmt.Errorf("%s%s: %v", prefix, path, err)
	}
	return v, nil
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
