package node

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// KeyFiles are the key files of an organisation GenerateKeyFiles wrote.
type KeyFiles struct {
	// Path holds the private keys (mode 0600), Path+".pub" the public ones.
	Path     string
	Identity *trust.Identity
}

// GenerateKeyFiles generates fresh keys of profile p for the organisation
// org (a STIX identity id, or "" for keys of no organisation yet) and
// writes them to path and path+".pub". It refuses to overwrite either
// file, and writes nothing when the keys cannot be made.
func GenerateKeyFiles(p trust.Profile, org, path string) (*KeyFiles, error) {
	id, err := trust.GenerateIdentity(p, org)
	if err != nil {
		return nil, err
	}
	pub := path + ".pub"
	if _, err := os.Stat(pub); err == nil {
		return nil, fmt.Errorf("%q already exists; choose another -o FILE or remove it", pub)
	}
	if err := trust.WriteKeyFiles(path, id); err != nil {
		return nil, err
	}
	return &KeyFiles{Path: path, Identity: id}, nil
}

// WriteText names the files and lists the keys, one a line with its
// algorithm and key id.
func (k *KeyFiles) WriteText(w io.Writer) error {
	p := k.Identity.Profile()
	kids, algs := k.Identity.KeyIDs(), p.SignatureAlgorithms()
	_, err := fmt.Fprintf(w, "%s keys written to %s (private, mode 0600) and %s.pub (public)\n  %-16s %s\n  %-16s %s\n  %-16s %s\n",
		p, k.Path, k.Path, algs[0], kids[0], algs[1], kids[1], p.KEM(), kids[2])
	return err
}

// ReadKeys reads an organisation's private keys (trust.ReadIdentityFile).
func ReadKeys(path string) (*trust.Identity, error) { return trust.ReadIdentityFile(path) }

// Warning says, when some objects were modified before the keys were
// generated, that peers refuse their signatures unless the registry makes
// the keys valid from then; "" otherwise.
func (r *SignResult) Warning() string {
	if r.Early == 0 {
		return ""
	}
	return fmt.Sprintf("%d objects (%s %q the first) have a modified time before these keys were generated (%s): peers refuse their signatures unless the registry authority made the keys valid from then (--valid-from); check with --registry FILE",
		r.Early, r.First.Type, r.First.ID, r.Identity.Created().Format(time.RFC3339))
}

// Address reads the registry file registry ("" for none) into r.Registry
// and resolves the organisations to, named as ResolveOrganizations reads
// them, into r.Recipients. to nil leaves the objects unaddressed; to
// empty but not nil (a --to that names nothing) and a name that resolves
// to no organisation are ConfigErrors naming --to; an unreadable registry
// names its file.
func (r *SignRequest) Address(registry string, to []string) error {
	if registry != "" {
		reg, err := trust.ReadRegistryFile(registry)
		if err != nil {
			return err
		}
		r.Registry = reg
	}
	if to == nil {
		return nil
	}
	ids, err := ResolveOrganizations(r.Registry, to, "--to", "")
	if err != nil {
		return configErrorf("%v", err)
	}
	r.Recipients = ids
	return nil
}
