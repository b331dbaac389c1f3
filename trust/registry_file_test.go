package trust

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// writeKeys writes the public keys of a new identity of org to a file in
// dir and returns the identity and the file.
func writeKeys(t *testing.T, dir, name, org string) (*Identity, string) {
	t.Helper()
	id, err := GenerateIdentity(EUPQBase, org)
	if err != nil {
		t.Fatal(err)
	}
	data, err := id.KeySet().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return id, path
}

// TestRegistryFileLifecycle walks a registry file through the authority's
// steps: made, an organisation added, signed by a quorum, checked, a key
// revoked (a new, unsigned version).
func TestRegistryFileLifecycle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "registry.json")
	a1, f1 := writeKeys(t, dir, "a1.pub", "")
	a2, f2 := writeKeys(t, dir, "a2.pub", "")
	doc, err := CreateRegistryFile(path, RegistryInit{Threshold: 2, Authorities: []AuthorityKeys{{"a1", f1}, {"a2", f2}}, Expires: 90 * 24 * time.Hour}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Expires.Sub(doc.Issued), 90*24*time.Hour; got != want {
		t.Errorf("expires %s after issue, want %s", got, want)
	}
	if _, err := CreateRegistryFile(path, RegistryInit{Threshold: 1, Authorities: []AuthorityKeys{{"a1", f1}}}, t0); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second CreateRegistryFile: got %v, want an error saying the file exists", err)
	}

	fr, frKeys := writeKeys(t, dir, "fr.pub", orgFR)
	var add *RegistryAddition
	if _, err := EditRegistryFile(path, func(d *RegistryDocument) (err error) {
		add, err = d.AddEntry(RegistryEntry{ID: orgFR, Name: "CERT-FR", Country: "FR", Role: RoleNationalCSIRT, KeysFile: frKeys, ValidFor: 24 * time.Hour, Nodes: []string{"https://fr.example/"}}, t0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if add.Added != 3 || len(add.Organization.Keys) != 3 {
		t.Errorf("added %d keys, organisation has %d; want 3 and 3", add.Added, len(add.Organization.Keys))
	}
	// The keys were generated just now, after t0: they are valid from t0.
	if !add.From.Equal(t0) {
		t.Errorf("keys valid from %s, want %s", add.From, t0)
	}
	if k := add.Organization.Keys[0]; !k.NotAfter.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("keys valid until %s, want a day after %s", k.NotAfter, t0)
	}

	for _, a := range []*Identity{a1, a2} {
		if _, err := EditRegistryFile(path, func(d *RegistryDocument) error { return d.Sign(a) }); err != nil {
			t.Fatal(err)
		}
	}
	c, err := CheckRegistryFile(path, "", "")
	if err != nil {
		t.Fatalf("signed by both: %v", err)
	}
	if got := strings.Join(c.Registry.Signers(), ","); got != "a1,a2" || c.Pinned || c.Trusted != nil {
		t.Errorf("check: signers %q, pinned %v, trusted %v; want a1,a2 unpinned and untrusted", got, c.Pinned, c.Trusted)
	}
	if got, want := c.String(), "registry version 1 is signed by a1, a2 (2 required) of its own authority\nauthority fingerprint "+c.Registry.AuthorityFingerprint(); got != want {
		t.Errorf("check says %q, want %q", got, want)
	}
	trusted := filepath.Join(dir, "trusted.json")
	if err := os.WriteFile(trusted, c.Registry.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := CheckRegistryFile(path, "", c.Registry.AuthorityFingerprint()); err != nil || !c.Pinned || c.String() != "registry version 1 accepted: authority fingerprint matches; signed by a1, a2 (2 required)" {
		t.Errorf("check with the right fingerprint: %v, pinned %v, says %v", err, c != nil && c.Pinned, c)
	}
	if _, err := CheckRegistryFile(path, "", "SHA256:AAAA"); err == nil {
		t.Error("check with a wrong fingerprint: accepted")
	}

	doc, err = EditRegistryFile(path, func(d *RegistryDocument) error {
		return d.RevokeKeys(fr.KeySet().KeyIDs(), time.Time{}, ReasonKeyCompromise, t0.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != 2 || len(doc.Revocations) != 3 {
		t.Errorf("after revoking: version %d with %d revocations, want version 2 with 3", doc.Version, len(doc.Revocations))
	}
	if _, err := doc.Quorum(); !errors.Is(err, ErrQuorum) {
		t.Errorf("Quorum of the unsigned version 2: got %v, want ErrQuorum", err)
	}
	if _, err := CheckRegistryFile(path, trusted, ""); !errors.Is(err, ErrQuorum) {
		t.Errorf("unsigned version 2 as an update of version 1: got %v, want ErrQuorum", err)
	}
}

// TestAddEntry checks what "registry add" refuses and keeps.
func TestAddEntry(t *testing.T) {
	dir := t.TempDir()
	_, frKeys := writeKeys(t, dir, "fr.pub", orgFR)
	_, deKeys := writeKeys(t, dir, "de.pub", orgDE)
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		e       RegistryEntry
		wantErr string
		is      error
	}{
		{"new without keys", RegistryEntry{ID: orgOut, Name: "X", Country: "FR", Role: RoleObserver}, "", ErrIncompleteOrganization},
		{"new without name", RegistryEntry{ID: orgOut, Country: "FR", Role: RoleObserver, KeysFile: frKeys}, "", ErrIncompleteOrganization},
		{"another's keys", RegistryEntry{ID: orgFR, KeysFile: deKeys}, `holds keys of "` + orgDE + `"`, nil},
		{"bad country", RegistryEntry{ID: orgFR, Country: "France"}, "country must be", nil},
		{"missing keys file", RegistryEntry{ID: orgFR, KeysFile: filepath.Join(dir, "none.pub")}, "no such file", nil},
		{"new name", RegistryEntry{ID: orgFR, Name: "CERT-FR 2"}, "", nil},
		{"keys from a time", RegistryEntry{ID: orgFR, KeysFile: frKeys, ValidFrom: from}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestFed(t)
			before := len(f.doc.Organization(orgFR).Keys)
			a, err := f.doc.AddEntry(tc.e, t0)
			switch {
			case tc.is != nil:
				if !errors.Is(err, tc.is) {
					t.Fatalf("got %v, want %v", err, tc.is)
				}
				return
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			o := f.doc.Organization(orgFR)
			if o != a.Organization {
				t.Error("the registry does not list the organisation returned")
			}
			if tc.e.Name != "" && o.Name != tc.e.Name || o.Country != "FR" {
				t.Errorf("organisation %q in %q, want the name changed and the country kept", o.Name, o.Country)
			}
			if tc.e.KeysFile != "" {
				if a.Added != 3 || len(o.Keys) != before+3 || !a.From.Equal(from) || !o.Keys[before].NotBefore.Equal(from) {
					t.Errorf("added %d (now %d, was %d) from %s; want 3 new keys valid from %s", a.Added, len(o.Keys), before, a.From, from)
				}
			}
		})
	}
}

func TestReadPinnedRegistry(t *testing.T) {
	f := newTestFed(t)
	path := filepath.Join(t.TempDir(), "registry.json")
	if err := os.WriteFile(path, f.raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPinnedRegistry(path, "", false); !errors.Is(err, ErrNotPinned) {
		t.Errorf("neither pinned nor unpinned: got %v, want ErrNotPinned", err)
	}
	if reg, err := ReadPinnedRegistry(path, f.reg.AuthorityFingerprint(), false); err != nil || reg.Version() != f.reg.Version() {
		t.Errorf("pinned by its fingerprint: %v", err)
	}
	if _, err := ReadPinnedRegistry(path, "", true); err != nil {
		t.Errorf("unpinned: %v", err)
	}
	_, err := ReadPinnedRegistry(path, "SHA256:AAAA", false)
	if err == nil || !strings.HasPrefix(err.Error(), "registry "+path+": ") {
		t.Errorf("wrong fingerprint: got %v, want an error naming the file", err)
	}
}

// oneSpace collapses runs of spaces, which depend on the widest column.
var oneSpace = regexp.MustCompile(` +`)

func TestRegistryWriteText(t *testing.T) {
	f := newTestFed(t)
	var b bytes.Buffer
	if err := f.doc.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := oneSpace.ReplaceAllString(b.String(), " ")
	for _, want := range []string{
		"\nstatus signed by a quorum of its authority (authority-1, authority-2)\n",
		"\nauthority 2 of 3; fingerprint " + f.doc.AuthorityFingerprint() + "\n",
		"\norganisations 5\n",
		"\n CERT-FR " + orgFR + " FR national-csirt https://FR.node.example/\n",
		" sig " + t0.AddDate(-1, 0, 0).Format(time.RFC3339) + " .. " + t0.AddDate(1, 0, 0).Format(time.RFC3339) + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if err := f.doc.RevokeKeys(f.ids[orgDE].KeySet().KeyIDs()[:1], time.Time{}, ReasonSuperseded, t0); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := f.doc.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text = oneSpace.ReplaceAllString(b.String(), " ")
	for _, want := range []string{"\nstatus NOT signed by a quorum: ", "\nrevocations 1\n", "superseded, all times"} {
		if !strings.Contains(text, want) {
			t.Errorf("text after an edit lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fr.key")
	id, err := GenerateIdentity(EUPQHigh, orgFR)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFiles(path, id); err != nil {
		t.Fatal(err)
	}
	for file, mode := range map[string]os.FileMode{path: 0o600, path + ".pub": 0o644} {
		if st, err := os.Stat(file); err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %04o", file, st.Mode().Perm(), err, mode)
		}
	}
	back, err := ReadIdentityFile(path)
	if err != nil || back.Organization() != orgFR {
		t.Errorf("private keys read back: %v, %v", back, err)
	}
	ks, err := ReadKeySetFile(path + ".pub")
	if err != nil || ks.Organization != orgFR || ks.Profile != EUPQHigh || strings.Join(ks.KeyIDs(), ",") != strings.Join(id.KeyIDs(), ",") {
		t.Errorf("public keys read back: %+v, %v; want %v of %s", ks, err, id.KeyIDs(), orgFR)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFiles(path, id); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("over an existing public key file: %v, want refused", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the private keys were written although the public key file exists")
	}
}
