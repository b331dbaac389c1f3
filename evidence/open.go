package evidence

import (
	"archive/tar"
	"bytes"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Opened is the content of a package as the authority reads it.
type Opened struct {
	Report   *Report
	Manifest *Manifest
	// ManifestJSON is the manifest as sealed, whose SHA-256 the cover
	// signs.
	ManifestJSON []byte
	// Files are the members, in the manifest's order.
	Files []File
}

// Open verifies the package (Verify with opt), opens the seal with the
// authority's keys id, and checks the manifest against the cover and every
// member against the manifest: name, size and SHA-256, none missing, none
// added. The error wraps ErrInvalid and names the member that failed, or
// trust's reason when the seal does not open with id.
func Open(p *Package, id *trust.Identity, opt VerifyOptions) (*Opened, error) {
	c := &p.Cover
	if c.To.Keys != nil && c.To.Keys.EncryptionKey() != nil {
		if enc, mine := c.To.Keys.EncryptionKey().ID(), id.KeyIDs()[2]; mine != enc {
			return nil, fmt.Errorf("open: the package is sealed to %s, HPKE key %s; these keys hold HPKE key %s", c.To, enc, mine)
		}
	}
	rep, err := Verify(p, opt)
	if err != nil {
		return nil, err
	}
	plain, err := id.OpenPayload(sealInfo(c.ID), p.Sealed)
	if err != nil {
		return nil, invalid("sealed content: %v", err)
	}
	if len(plain) > MaxContentBytes+1<<20 {
		return nil, invalid("sealed content: %d bytes, more than MaxContentBytes (%d)", len(plain), MaxContentBytes)
	}
	tr := tar.NewReader(bytes.NewReader(plain))
	next := func() (*tar.Header, []byte, error) {
		h, err := tr.Next()
		if err != nil {
			return nil, nil, err
		}
		if h.Typeflag != tar.TypeReg {
			return nil, nil, invalid("content: %q is not a regular file", h.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, nil, invalid("content: %q: %v", h.Name, err)
		}
		return h, data, nil
	}
	h, manifest, err := next()
	if err != nil || h.Name != manifestName {
		return nil, invalid("content: the archive does not begin with %s", manifestName)
	}
	if d := digest(manifest); d != c.ManifestSHA256 {
		return nil, invalid("manifest: SHA-256 %s, the signed cover says %s", d, c.ManifestSHA256)
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m, json.RejectUnknownMembers(true)); err != nil {
		return nil, invalid("manifest: %v", err)
	}
	switch {
	case m.Package != c.ID:
		return nil, invalid("manifest: package %q is not the cover's %q", m.Package, c.ID)
	case m.Incident != c.Incident:
		return nil, invalid("manifest: incident %q is not the cover's %q", m.Incident, c.Incident)
	case m.Marking != stix.TLPRedID:
		return nil, invalid("manifest: marking %q is not TLP:RED", m.Marking)
	case len(m.Members) != c.Members || len(m.Members) > MaxMembers:
		return nil, invalid("manifest: %d members, the cover says %d", len(m.Members), c.Members)
	}
	out := &Opened{Report: rep, Manifest: &m, ManifestJSON: manifest}
	for i, want := range m.Members {
		if err := checkName(want.Name); err != nil {
			return nil, invalid("manifest: member %d: %v", i+1, err)
		}
		h, data, err := next()
		if errors.Is(err, io.EOF) {
			return nil, invalid("member %q: missing from the content", want.Name)
		}
		if err != nil {
			return nil, invalid("member %q: %v", want.Name, err)
		}
		if h.Name != want.Name {
			return nil, invalid("member %d: the content holds %q where the manifest lists %q", i+1, h.Name, want.Name)
		}
		if int64(len(data)) != want.Size {
			return nil, invalid("member %q: %d bytes, the manifest says %d", want.Name, len(data), want.Size)
		}
		if d := digest(data); d != want.SHA256 {
			return nil, invalid("member %q: SHA-256 %s, the manifest says %s", want.Name, d, want.SHA256)
		}
		out.Files = append(out.Files, File{Name: want.Name, Kind: want.Kind, Source: want.Source, Data: data})
	}
	if h, _, err := next(); !errors.Is(err, io.EOF) {
		name := "?"
		if h != nil {
			name = h.Name
		}
		return nil, invalid("content: %q is not in the manifest", name)
	}
	return out, nil
}

// WriteDir writes the manifest and the members into dir, which must not
// exist or be empty; files are readable by their owner only, as TLP:RED
// demands.
func (o *Opened) WriteDir(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; give a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	write := func(name string, data []byte) error {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		return os.WriteFile(path, data, 0o600)
	}
	if err := write(manifestName, o.ManifestJSON); err != nil {
		return err
	}
	for _, f := range o.Files {
		if err := write(f.Name, f.Data); err != nil {
			return err
		}
	}
	return nil
}
