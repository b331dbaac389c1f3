package node

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// RegistryRequest is one thing "rampart registry" does offline to a trust
// registry file: Op is init, add, revoke, sign, verify or show; the other
// fields are those Op reads.
type RegistryRequest struct {
	Op, Path string
	// Threshold, Authorities (NAME=FILE.pub) and Expires make a registry (init).
	Threshold   int
	Authorities []string
	Expires     time.Duration
	// Entry is the organisation add records or changes.
	Entry trust.RegistryEntry
	// Revoke takes the keys to revoke from KID or from the key file
	// KeysFile, Reason and Since.
	KID, KeysFile, Reason string
	Since                 time.Time
	// KeyFile holds an authority member's private keys (sign).
	KeyFile string
	// Trusted (a trusted registry file) or Fingerprint (of the authority)
	// is what verify checks against; neither checks the file against its
	// own authority only.
	Trusted, Fingerprint string
	// Now is the time of the change; zero is time.Now.
	Now time.Time
}

// Check refuses a request that lacks what its Op needs, or whose values do
// not go together, with a ConfigError naming the flags.
func (r *RegistryRequest) Check() error {
	switch r.Op {
	case "init":
		if len(r.Authorities) == 0 || r.Threshold < 1 {
			return configErrorf("registry init needs --threshold K and at least one --authority NAME=FILE.pub")
		}
		for _, a := range r.Authorities {
			if name, file, ok := strings.Cut(a, "="); !ok || name == "" || file == "" {
				return configErrorf("--authority %q is not NAME=FILE.pub", a)
			}
		}
	case "add":
		if r.Entry.ID == "" {
			return configErrorf("registry add needs --org IDENTITY")
		}
	case "revoke":
		if (r.KID == "") == (r.KeysFile == "") {
			return configErrorf("registry revoke needs --kid KID or --keys FILE.pub")
		}
	case "sign":
		if r.KeyFile == "" {
			return configErrorf("registry sign needs --key FILE (an authority member's private keys)")
		}
	case "verify":
		if r.Trusted != "" && r.Fingerprint != "" {
			return configErrorf("give --trusted or --fingerprint, not both")
		}
	case "show":
	default:
		return configErrorf("unknown registry command %q", r.Op)
	}
	return nil
}

// RegistryChange is what a RegistryRequest did, to be printed.
type RegistryChange struct {
	Op, Path string
	Doc      *trust.RegistryDocument
	// Addition is what add recorded; Revoked the keys revoke revoked.
	Addition *trust.RegistryAddition
	Revoked  []string
	Reason   string
	// Quorum is the registry the document makes once signed by a quorum
	// of its authority (sign), nil with QuorumErr saying what it lacks.
	Quorum    *trust.Registry
	QuorumErr error
	// Check is what verify found.
	Check *trust.RegistryCheck
}

// ChangeRegistry checks r and does it: it writes the registry file for
// init, add, revoke and sign, and only reads it for verify and show.
// Errors a person fixes by changing the flags are ConfigErrors; verify
// does not check expiry (see RegistryChange.Expired).
func ChangeRegistry(r RegistryRequest) (*RegistryChange, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	c := &RegistryChange{Op: r.Op, Path: r.Path, Reason: r.Reason}
	var err error
	switch r.Op {
	case "init":
		c.Doc, err = r.create()
	case "add":
		c.Doc, err = trust.EditRegistryFile(r.Path, func(doc *trust.RegistryDocument) (err error) {
			c.Addition, err = doc.AddEntry(r.Entry, r.Now)
			return err
		})
		if errors.Is(err, trust.ErrIncompleteOrganization) {
			return nil, configErrorf("a new organisation needs --name, --country, --role and --keys")
		}
	case "revoke":
		c.Doc, c.Revoked, err = r.revoke()
	case "sign":
		c.Doc, err = r.sign()
		if err == nil {
			c.Quorum, c.QuorumErr = c.Doc.Quorum()
		}
	case "verify":
		c.Check, err = trust.CheckRegistryFile(r.Path, r.Trusted, r.Fingerprint)
	case "show":
		c.Doc, err = trust.ReadRegistryDocumentFile(r.Path)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (r *RegistryRequest) create() (*trust.RegistryDocument, error) {
	in := trust.RegistryInit{Threshold: r.Threshold, Expires: r.Expires}
	for _, a := range r.Authorities {
		name, file, _ := strings.Cut(a, "=")
		in.Authorities = append(in.Authorities, trust.AuthorityKeys{Name: name, File: file})
	}
	return trust.CreateRegistryFile(r.Path, in, r.Now)
}

func (r *RegistryRequest) revoke() (*trust.RegistryDocument, []string, error) {
	kids := []string{r.KID}
	if r.KeysFile != "" {
		ks, err := trust.ReadKeySetFile(r.KeysFile)
		if err != nil {
			return nil, nil, err
		}
		kids = ks.KeyIDs()
	}
	doc, err := trust.EditRegistryFile(r.Path, func(doc *trust.RegistryDocument) error {
		return doc.RevokeKeys(kids, r.Since, r.Reason, r.Now)
	})
	return doc, kids, err
}

func (r *RegistryRequest) sign() (*trust.RegistryDocument, error) {
	id, err := trust.ReadIdentityFile(r.KeyFile)
	if err != nil {
		return nil, err
	}
	return trust.EditRegistryFile(r.Path, func(doc *trust.RegistryDocument) error { return doc.Sign(id) })
}

// Unconfirmed reports whether a verified registry was checked against its
// own authority only: nothing then shows that the authority is the right
// one.
func (c *RegistryChange) Unconfirmed() bool {
	return c.Check != nil && c.Check.Trusted == nil && !c.Check.Pinned
}

// Expired returns an error naming the version and the time when the
// registry verify checked has expired at now, nil otherwise.
func (c *RegistryChange) Expired(now time.Time) error {
	if c.Check == nil || !c.Check.Registry.Expired(now) {
		return nil
	}
	reg := c.Check.Registry
	return fmt.Errorf("registry version %d expired at %s", reg.Version(), reg.Expires().Format(time.RFC3339))
}

// JSON returns the registry document show read, as its file holds it.
func (c *RegistryChange) JSON() ([]byte, error) { return c.Doc.JSON() }

// WriteText writes what the change did, as "rampart registry" prints it.
func (c *RegistryChange) WriteText(w io.Writer) error {
	var err error
	switch c.Op {
	case "init":
		_, err = fmt.Fprintf(w, "registry version 1 written to %s: %d authority members, %d signatures required\nauthority fingerprint %s\n",
			c.Path, len(c.Doc.Authorities), c.Doc.Threshold, c.Doc.AuthorityFingerprint())
	case "add":
		a, from := c.Addition, ""
		if a.Added > 0 {
			from = ", valid from " + a.From.Format(time.RFC3339)
		}
		_, err = fmt.Fprintf(w, "%s (%s) in registry version %d with %d keys (%d new%s); the version is unsigned\n",
			a.Organization.Name, a.Organization.ID, c.Doc.Version, len(a.Organization.Keys), a.Added, from)
	case "revoke":
		for _, k := range c.Revoked {
			fmt.Fprintf(w, "key %s revoked (%s) in registry version %d\n", k, c.Reason, c.Doc.Version)
		}
		_, err = fmt.Fprintf(w, "registry version %d is unsigned\n", c.Doc.Version)
	case "sign":
		if c.Quorum != nil {
			s := c.Quorum.Signers()
			_, err = fmt.Fprintf(w, "registry version %d signed; complete: %d of %d required (%s)\n", c.Doc.Version, len(s), c.Doc.Threshold, strings.Join(s, ", "))
		} else {
			_, err = fmt.Fprintf(w, "registry version %d signed; more signatures needed: %v\n", c.Doc.Version, c.QuorumErr)
		}
	case "verify":
		_, err = fmt.Fprintln(w, c.Check)
	case "show":
		err = c.Doc.WriteText(w)
	}
	return err
}

// ReadRegistryFile reads a registry signed by a quorum of its authority
// (trust.ReadRegistryFile).
func ReadRegistryFile(path string) (*trust.Registry, error) { return trust.ReadRegistryFile(path) }

// ReadPinnedRegistry reads the registry at path, accepting it only when
// its authority fingerprint is fingerprint, or, with unpinned, whatever
// authority signed it; then warning says that its authority was not
// checked. Neither is a ConfigError whose hint names the file's
// fingerprint, to be compared with one obtained out of band.
func ReadPinnedRegistry(path, fingerprint string, unpinned bool) (reg *trust.Registry, warning string, err error) {
	reg, err = trust.ReadPinnedRegistry(path, fingerprint, unpinned)
	if errors.Is(err, trust.ErrNotPinned) {
		fp := "out of band"
		if doc, err := trust.ReadRegistryDocumentFile(path); err == nil {
			fp += "; this file's is " + doc.AuthorityFingerprint() + " (compare it, do not copy it),"
		} else {
			fp += ","
		}
		return nil, "", &ConfigError{
			Msg:  fmt.Sprintf("registry %s is not pinned: nothing shows that its authority is the one you trust", path),
			Hint: fmt.Sprintf("give --registry-fingerprint FP, the authority fingerprint obtained %s or --insecure-unpinned for a trial", fp),
		}
	}
	if err == nil && unpinned && fingerprint == "" {
		warning = fmt.Sprintf("registry %s accepted without checking its authority (--insecure-unpinned): its authority fingerprint is %s", path, reg.AuthorityFingerprint())
	}
	return reg, warning, err
}

// ResolveOrganizations turns the organisations a flag names into identity
// ids: with a registry, identity ids of its members, country codes (the
// member state's national CSIRT) and names, as
// trust.Registry.ResolveOrganizations does (role, when set, is the role
// every one must have); without one, identity ids only. Errors name the
// flag.
func ResolveOrganizations(reg *trust.Registry, items []string, flag string, role trust.Role) ([]string, error) {
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
