package trust

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/atomicfile"
)

// This file holds the registry authority's work on registry files: making
// a first version, adding organisations and keys, revoking keys, signing,
// and checking a version before publishing or accepting it.

// ReadRegistryDocumentFile reads a registry to edit, signed or not; a
// parse error names the file.
func ReadRegistryDocumentFile(path string) (*RegistryDocument, error) {
	return parseFile(path, "", ParseRegistryDocument)
}

// ReadRegistryFile reads a registry signed by a quorum of its own
// authority; an error names the file ("registry FILE: ..."). It does not
// show that the authority is the right one: see TrustRegistry.
func ReadRegistryFile(path string) (*Registry, error) {
	return parseFile(path, "registry ", ParseRegistry)
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

// WriteFile writes the registry file (Marshal) to path, replacing any file
// there at once, never leaving half a file; mode 0644, as a registry is
// public.
func (d *RegistryDocument) WriteFile(path string) error {
	data, err := d.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Replace(path, append(data, '\n'), 0o644)
}

// EditRegistryFile reads the registry file path, lets edit change it, and
// writes it back; it returns the registry as written. Nothing is written
// when edit fails.
func EditRegistryFile(path string, edit func(*RegistryDocument) error) (*RegistryDocument, error) {
	d, err := ReadRegistryDocumentFile(path)
	if err != nil {
		return nil, err
	}
	if err := edit(d); err != nil {
		return nil, err
	}
	return d, d.WriteFile(path)
}

// AuthorityKeys names an authority member and the file of its public keys.
type AuthorityKeys struct {
	Name, File string
}

// RegistryInit is what the first version of a registry is made with.
type RegistryInit struct {
	// Threshold is how many of the authority members must sign (k of n).
	Threshold   int
	Authorities []AuthorityKeys
	// Expires is how long a version is accepted after it is issued; 0
	// for ever.
	Expires time.Duration
}

// CreateRegistryFile writes version 1 of a registry, unsigned, with no
// organisations, to path, which must not exist. It returns the document
// written; errors name the key file or the registry file concerned.
func CreateRegistryFile(path string, in RegistryInit, now time.Time) (*RegistryDocument, error) {
	var members []*AuthorityMember
	for _, a := range in.Authorities {
		ks, err := ReadKeySetFile(a.File)
		if err != nil {
			return nil, err
		}
		members = append(members, &AuthorityMember{Name: a.Name, Keys: ks.SigningKeys()})
	}
	d, err := NewRegistryDocument(in.Threshold, members, now)
	if err != nil {
		return nil, err
	}
	if in.Expires > 0 {
		d.Expires = d.Issued.Add(in.Expires)
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%q already exists", path)
	}
	return d, d.WriteFile(path)
}

// ErrIncompleteOrganization is AddEntry's error for an organisation the
// registry does not list yet, given without its name, country, role or
// keys.
var ErrIncompleteOrganization = errors.New("a new organisation needs a name, a country, a role and keys")

// RegistryEntry is what the registry authority says about an
// organisation: new, or listed already (then empty fields keep their
// value, nodes and keys are added to those listed).
type RegistryEntry struct {
	ID, Name, Country string
	Role              Role
	Nodes             []string
	// KeysFile is a file of public keys to add (ReadKeySetFile), "" for
	// none. The keys must be the organisation's, when the file says whose
	// they are.
	KeysFile string
	// ValidFrom is when the keys become valid; when zero, now, or when
	// the keys were generated if that was earlier, so that what the
	// organisation signed before its admission verifies.
	ValidFrom time.Time
	// ValidFor is how long the keys are valid; 0 for no end.
	ValidFor time.Duration
}

// RegistryAddition is what AddEntry did: the organisation as the
// registry now lists it, how many keys were new, and from when they are
// valid.
type RegistryAddition struct {
	Organization *Organization
	Added        int
	From         time.Time
}

// AddEntry adds the organisation e describes, or changes the one listed
// with its id. It returns ErrIncompleteOrganization for a new
// organisation without a name, country, role or keys, and the registry's
// own errors (which name the field) for a bad value; d is unchanged on
// error.
func (d *RegistryDocument) AddEntry(e RegistryEntry, now time.Time) (*RegistryAddition, error) {
	o := d.Organization(e.ID)
	if o == nil {
		if e.Name == "" || e.Country == "" || e.Role == "" || e.KeysFile == "" {
			return nil, ErrIncompleteOrganization
		}
		o = &Organization{ID: e.ID}
	} else {
		o = o.Clone()
	}
	if e.Name != "" {
		o.Name = e.Name
	}
	if e.Country != "" {
		o.Country = e.Country
	}
	if e.Role != "" {
		o.Role = e.Role
	}
	o.AddNodes(e.Nodes...)
	a := &RegistryAddition{Organization: o, From: e.ValidFrom}
	if a.From.IsZero() {
		a.From = now.UTC().Truncate(time.Second)
	}
	if e.KeysFile != "" {
		ks, err := ReadKeySetFile(e.KeysFile)
		if err != nil {
			return nil, err
		}
		if ks.Organization != "" && ks.Organization != e.ID {
			return nil, fmt.Errorf("%s holds keys of %q, not of %q", e.KeysFile, ks.Organization, e.ID)
		}
		if e.ValidFrom.IsZero() && !ks.Created.IsZero() && ks.Created.Before(a.From) {
			a.From = ks.Created
		}
		var until time.Time
		if e.ValidFor > 0 {
			until = a.From.Add(e.ValidFor)
		}
		a.Added = o.AddKeys(ks.WithValidity(a.From, until)...)
	}
	return a, d.SetOrganization(o, now)
}

// RevokeKeys records the revocation of every key in kids, as Revoke does
// for one; it stops at the first that fails.
func (d *RegistryDocument) RevokeKeys(kids []string, since time.Time, reason string, now time.Time) error {
	for _, k := range kids {
		if err := d.Revoke(k, since, reason, now); err != nil {
			return err
		}
	}
	return nil
}

// Quorum returns the document as a registry signed by a quorum of its own
// authority, or the error that says which signatures are missing or
// wrong.
func (d *RegistryDocument) Quorum() (*Registry, error) {
	raw, err := d.Marshal()
	if err != nil {
		return nil, err
	}
	return ParseRegistry(raw)
}

// RegistryCheck is how a registry file was accepted by CheckRegistryFile.
type RegistryCheck struct {
	Registry *Registry
	// Trusted is the trusted version the file was accepted as an update
	// of, nil when none was given.
	Trusted *Registry
	// Pinned reports that the authority fingerprint matched the one
	// given. Without Trusted or Pinned, nothing shows the authority is the
	// right one, only that a quorum of it signed.
	Pinned bool
}

// String says, for people, how the registry was accepted and who signed
// it; for a registry checked against its own authority only, on a second
// line, its authority fingerprint, to compare with one obtained out of
// band.
func (c *RegistryCheck) String() string {
	reg, signers := c.Registry, strings.Join(c.Registry.Signers(), ", ")
	switch {
	case c.Trusted != nil:
		return fmt.Sprintf("registry version %d accepted: newer than the trusted version %d and signed by %s (%d required)", reg.Version(), c.Trusted.Version(), signers, c.Trusted.Threshold())
	case c.Pinned:
		return fmt.Sprintf("registry version %d accepted: authority fingerprint matches; signed by %s (%d required)", reg.Version(), signers, reg.Threshold())
	}
	return fmt.Sprintf("registry version %d is signed by %s (%d required) of its own authority\nauthority fingerprint %s", reg.Version(), signers, reg.Threshold(), reg.AuthorityFingerprint())
}

// CheckRegistryFile reads the registry file path and checks it: as an
// update of the trusted registry in the file trusted (Registry.Update),
// or against an authority fingerprint (TrustRegistry), or, with neither,
// against its own authority only (ParseRegistry). It does not check
// expiry (Registry.Expired).
func CheckRegistryFile(path, trusted, fingerprint string) (*RegistryCheck, error) {
	if trusted != "" && fingerprint != "" {
		return nil, errors.New("check registry: give a trusted registry or a fingerprint, not both")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c RegistryCheck
	switch {
	case trusted != "":
		var old []byte
		if old, err = os.ReadFile(trusted); err != nil {
			return nil, err
		}
		if c.Trusted, err = ParseRegistry(old); err != nil {
			return nil, fmt.Errorf("trusted registry %s: %v", trusted, err)
		}
		c.Registry, err = c.Trusted.Update(data)
	case fingerprint != "":
		c.Registry, err = TrustRegistry(data, fingerprint)
		c.Pinned = true
	default:
		c.Registry, err = ParseRegistry(data)
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ErrNotPinned is ReadPinnedRegistry's error for a registry read with no
// fingerprint to check its authority against, unpinned not being asked
// for.
var ErrNotPinned = errors.New("registry is not pinned: nothing shows that its authority is the one you trust")

// ReadPinnedRegistry reads the registry file path, accepting it only when
// its authority fingerprint is fingerprint or, with unpinned, whatever
// authority signed it. Without either it returns ErrNotPinned (and
// nothing else is checked); errors name the file.
func ReadPinnedRegistry(path, fingerprint string, unpinned bool) (*Registry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var reg *Registry
	switch {
	case fingerprint != "":
		reg, err = TrustRegistry(data, fingerprint)
	case unpinned:
		reg, err = ParseRegistry(data)
	default:
		return nil, ErrNotPinned
	}
	if err != nil {
		return nil, fmt.Errorf("registry %s: %v", path, err)
	}
	return reg, nil
}
