package trust

import (
	"errors"
	"strings"
	"testing"
	"time"

	json "encoding/json/v2"

	"github.com/rampart-cti/rampart/internal/jws"
)

func TestRegistryQuorum(t *testing.T) {
	f := newTestFed(t)
	if got := f.reg.Signers(); strings.Join(got, ",") != "authority-1,authority-2" {
		t.Errorf("signers = %v", got)
	}
	// A draft signed by one member of a 2-of-3 authority is refused.
	f.doc.edit(t0)
	one := f.sign(t, f.auth[2])
	_, err := ParseRegistry(one)
	if !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "1 of the 2 authority members") || !strings.Contains(err.Error(), "authority-3") {
		t.Errorf("one signer: err = %v", err)
	}
	// Half a member (only its ML-DSA signature) does not count.
	f.doc.edit(t0)
	d, _ := ParseRegistryDocument(f.sign(t, f.auth[0]))
	d.signatures = append(d.signatures, one2sigs(t, f, 1)[:1]...)
	half, _ := json.Marshal(registryFile{d.payload, d.signatures})
	if _, err := ParseRegistry(half); !errors.Is(err, ErrQuorum) {
		t.Errorf("one and a half signers: err = %v", err)
	}
}

// one2sigs returns authority member i's two signatures over the current
// document.
func one2sigs(t *testing.T, f *testFed, i int) []jws.Signature {
	t.Helper()
	d, _ := ParseRegistryDocument(f.sign(t))
	if err := d.Sign(f.auth[i]); err != nil {
		t.Fatal(err)
	}
	return d.signatures[len(d.signatures)-2:]
}

func TestRegistryUpdate(t *testing.T) {
	f := newTestFed(t)
	v1 := f.reg
	v1raw := f.raw

	// v2 adds an organisation, signed by authority-2 and authority-3.
	newOrg, _ := GenerateIdentity(EUPQBase, orgOut)
	if err := f.doc.SetOrganization(&Organization{ID: orgOut, Name: "CERT-NL", Country: "NL", Role: RoleNationalCSIRT, Keys: newOrg.KeySet().Keys}, t0); err != nil {
		t.Fatal(err)
	}
	v2raw := f.sign(t, f.auth[1], f.auth[2])
	v2, err := v1.Update(v2raw)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version() != 2 || v2.Organization(orgOut) == nil {
		t.Errorf("v2: version %d, CERT-NL %v", v2.Version(), v2.Organization(orgOut))
	}
	// Replaying v1 (or v2 again) is refused.
	for _, raw := range [][]byte{v1raw, v2raw} {
		if _, err := v2.Update(raw); !errors.Is(err, ErrStaleRegistry) {
			t.Errorf("replay: err = %v, want ErrStaleRegistry", err)
		}
	}

	// v3 signed by a single authority member is refused.
	f.doc.edit(t0.Add(time.Hour))
	if _, err := v2.Update(f.sign(t, f.auth[0])); !errors.Is(err, ErrQuorum) {
		t.Errorf("one signer: err = %v, want ErrQuorum", err)
	}

	// A thief with one authority key writes a registry with an authority
	// of his own: it is self-consistent but not signed by the trusted
	// authority.
	var evil []*Identity
	var members []*AuthorityMember
	for i := range 2 {
		e, _ := GenerateIdentity(EUPQBase, "")
		evil = append(evil, e)
		members = append(members, &AuthorityMember{Name: []string{"x", "y"}[i], Keys: e.KeySet().Keys[:2]})
	}
	members = append(members, f.doc.Authorities[0])
	forged := *f.doc
	forged.Authorities = members
	forged.signatures, forged.payload = nil, ""
	forged.Sign(evil[0])
	forged.Sign(evil[1])
	forged.Sign(f.auth[0])
	raw, _ := forged.Marshal()
	if _, err := ParseRegistry(raw); err != nil {
		t.Fatalf("forged registry should be self-consistent: %v", err)
	}
	_, err = v2.Update(raw)
	if !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "trusted version 2") {
		t.Errorf("forged authority: err = %v, want ErrQuorum", err)
	}

	// A genuine authority rotation: authority-3 is replaced; the old
	// quorum and the new one both sign.
	successor, _ := GenerateIdentity(EUPQBase, "")
	f.doc.Authorities[2] = &AuthorityMember{Name: "authority-4", Keys: successor.KeySet().Keys[:2]}
	f.doc.edit(t0.Add(2 * time.Hour))
	v3, err := v2.Update(f.sign(t, f.auth[0], f.auth[1], successor))
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if v3.AuthorityFingerprint() == v2.AuthorityFingerprint() {
		t.Error("fingerprint did not change with the authority")
	}
	// From now on the retired member's signature no longer counts.
	f.doc.edit(t0.Add(3 * time.Hour))
	if err := f.doc.Sign(f.auth[2]); err == nil {
		t.Error("retired member signed")
	}
	d, _ := ParseRegistryDocument(f.sign(t, f.auth[0]))
	payload, _ := jws.Decode(d.payload)
	g, _ := jws.Sign(payload, typRegistry, f.auth[2].keys.pq, f.auth[2].keys.ec)
	d.signatures = append(d.signatures, g.Signatures...)
	raw, _ = json.Marshal(registryFile{d.payload, d.signatures})
	if _, err := v3.Update(raw); !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "not a trusted authority key") {
		t.Errorf("retired member: err = %v, want ErrQuorum", err)
	}
}

// TestRegistryTamper: changing the payload of a signed registry breaks it.
func TestRegistryTamper(t *testing.T) {
	f := newTestFed(t)
	d, err := ParseRegistryDocument(f.raw)
	if err != nil {
		t.Fatal(err)
	}
	sigs := d.signatures
	d.Organizations[0].Role = RoleHub
	d.syncPayload()
	d.signatures = sigs
	raw, _ := json.Marshal(registryFile{d.payload, d.signatures})
	if _, err := ParseRegistry(raw); !errors.Is(err, ErrQuorum) || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("err = %v", err)
	}
}

func TestTrustRegistry(t *testing.T) {
	f := newTestFed(t)
	fp := f.reg.AuthorityFingerprint()
	if !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("fingerprint %q", fp)
	}
	if _, err := TrustRegistry(f.raw, fp); err != nil {
		t.Error(err)
	}
	if _, err := TrustRegistry(f.raw, "SHA256:AAAA"); err == nil || !strings.Contains(err.Error(), "not the expected") {
		t.Errorf("wrong fingerprint: err = %v", err)
	}
}

func TestRegistryDocumentChecks(t *testing.T) {
	f := newTestFed(t)
	id := f.ids[orgFR]
	for _, tc := range []struct {
		name string
		edit func(d *RegistryDocument)
		want string
	}{
		{"threshold", func(d *RegistryDocument) { d.Threshold = 4 }, "threshold must be between 1 and the 3"},
		{"country", func(d *RegistryDocument) { d.Organizations[0].Country = "fr" }, `country must be an ISO 3166-1 alpha-2 code in upper case or "EU" (got "fr")`},
		{"role", func(d *RegistryDocument) { d.Organizations[0].Role = "relay" }, `role must be`},
		{"id", func(d *RegistryDocument) { d.Organizations[0].ID = "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" }, `organisation id must be "identity--UUID"`},
		{"node", func(d *RegistryDocument) { d.Organizations[0].Nodes = []string{"http://fr.example/"} }, "node URL must be https"},
		{"duplicate key", func(d *RegistryDocument) {
			d.Organizations[1].Keys = append(d.Organizations[1].Keys, id.KeySet().Keys[0])
		}, "is listed twice"},
		{"duplicate org", func(d *RegistryDocument) { d.Organizations[1].ID = d.Organizations[0].ID }, "listed twice"},
		{"half authority", func(d *RegistryDocument) { d.Authorities[0].Keys = d.Authorities[0].Keys[:1] }, "one ML-DSA and one ECDSA key"},
		{"expires", func(d *RegistryDocument) { d.Expires = d.Issued }, "expires"},
	} {
		d, _ := ParseRegistryDocument(f.raw)
		tc.edit(d)
		_, err := d.Marshal()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	d, _ := ParseRegistryDocument(f.raw)
	if err := d.Revoke("nope", time.Time{}, ReasonKeyCompromise, t0); err == nil || !strings.Contains(err.Error(), "not in registry") {
		t.Errorf("revoke unknown: %v", err)
	}
	if err := d.Revoke(id.KeyIDs()[0], time.Time{}, "lost", t0); err == nil || !strings.Contains(err.Error(), "unknown reason") {
		t.Errorf("revoke reason: %v", err)
	}
	if err := d.Sign(f.ids[orgDE]); err == nil || !strings.Contains(err.Error(), "not those of an authority member") {
		t.Errorf("sign by non-authority: %v", err)
	}
}

func TestPublicKeyJSON(t *testing.T) {
	id, _ := GenerateIdentity(EUPQBase, orgFR)
	k := id.KeySet().Keys[2].withValidity(t0, t0.AddDate(1, 0, 0))
	data, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var k2 PublicKey
	if err := json.Unmarshal(data, &k2); err != nil {
		t.Fatal(err)
	}
	if k2.ID() != k.ID() || k2.Use() != UseEnc || !k2.NotBefore.Equal(t0) || k2.Algorithm() != "MLKEM768-X25519" {
		t.Errorf("round trip = %s %s %s %s", k2.ID(), k2.Use(), k2.NotBefore, k2.Algorithm())
	}
	for _, tc := range []struct {
		edit func(m map[string]any)
		want string
	}{
		{func(m map[string]any) { m["priv"] = "AAAA" }, "must not hold private members"},
		{func(m map[string]any) { delete(m, "kid") }, `"kid" is required`},
		{func(m map[string]any) { m["use"] = "sig" }, `must have "use": "enc"`},
		{func(m map[string]any) { m["not_after"] = "2020-01-01T00:00:00Z" }, "not_after"},
	} {
		var m map[string]any
		json.Unmarshal(data, &m)
		tc.edit(m)
		b, _ := json.Marshal(m)
		var k3 PublicKey
		if err := json.Unmarshal(b, &k3); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

func FuzzParseRegistryDocument(f *testing.F) {
	fed := newTestFed(f)
	f.Add(fed.raw)
	f.Add([]byte(`{"payload":"e30","signatures":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseRegistryDocument(data)
		if err != nil {
			return
		}
		out, err := d.Marshal()
		if err != nil {
			t.Fatalf("accepted document does not marshal: %v", err)
		}
		d2, err := ParseRegistryDocument(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if d2.Version != d.Version || len(d2.Organizations) != len(d.Organizations) {
			t.Fatal("round trip changed the document")
		}
		ParseRegistry(data)
	})
}
