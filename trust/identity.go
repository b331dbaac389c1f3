package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hpke"
	"crypto/mldsa"
	"crypto/rand"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/atomicfile"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/stix"
)

// MaxIdentityBytes is the largest identity file ReadIdentityFile reads.
const MaxIdentityBytes = 64 << 10

// Identity is the private keys of one organisation's node (or of one
// registry authority member): an ML-DSA and an ECDSA signing key and an HPKE
// key that receives sealed objects, all of one Profile.
//
// Identity guarantees that the keys never leave it in text meant for people:
// its String, Format and LogValue print the profile, organisation and key
// ids only, so logging an Identity or an error that mentions one leaks
// nothing. Marshal is the one way to get the private keys out, for writing
// to a file readable by its owner only (WriteIdentityFile does that).
//
// An Identity is immutable and safe for concurrent use.
type Identity struct {
	profile      Profile
	organization string
	// created is when the keys were generated (zero for files written
	// before it was recorded): the earliest time they can have signed.
	created time.Time
	pub     [3]*PublicKey
	// keys is a pointer so that even reflection-based printing of an
	// Identity nested in another value shows an address, not key material.
	keys *privateKeys
}

type privateKeys struct {
	pq  jws.Signer
	ec  jws.Signer
	kem hpke.PrivateKey
	jwk [3]*jws.JWK // private JWKs: ML-DSA, ECDSA, KEM
}

// GenerateIdentity returns fresh keys of profile p for organization (a STIX
// identity id, or "" for a registry authority member, whose keys sign
// registries only).
func GenerateIdentity(p Profile, organization string) (*Identity, error) {
	if _, err := ParseProfile(string(p)); err != nil {
		return nil, err
	}
	if organization != "" {
		if typ, _, err := stix.ParseID(organization); err != nil || typ != "identity" {
			return nil, fmt.Errorf("organization must be a STIX identity id \"identity--UUID\" (got %q)", organization)
		}
	}
	params, curve, kem := mldsa.MLDSA65(), elliptic.P256(), hpke.MLKEM768X25519()
	if p == EUPQHigh {
		params, curve, kem = mldsa.MLDSA87(), elliptic.P384(), hpke.MLKEM1024P384()
	}
	pq, err := mldsa.GenerateKey(params)
	if err != nil {
		return nil, err
	}
	ec, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, err
	}
	k, err := kem.GenerateKey()
	if err != nil {
		return nil, err
	}
	var keys [3]*jws.JWK
	for i, key := range []any{pq, ec, k} {
		if keys[i], err = jws.NewJWK(key); err != nil {
			return nil, err
		}
	}
	id, err := newIdentity(p, organization, keys)
	if err != nil {
		return nil, err
	}
	id.created = time.Now().UTC().Truncate(time.Second)
	return id, nil
}

func newIdentity(p Profile, org string, keys [3]*jws.JWK) (*Identity, error) {
	id := &Identity{profile: p, organization: org, keys: &privateKeys{jwk: keys}}
	var pubs []*PublicKey
	for i, k := range keys {
		priv, err := k.PrivateKey()
		if err != nil {
			return nil, err
		}
		pub, err := k.PublicKey()
		if err != nil {
			return nil, err
		}
		id.pub[i] = &PublicKey{jwk: *k.Public(), key: pub}
		pubs = append(pubs, id.pub[i])
		switch priv := priv.(type) {
		case *mldsa.PrivateKey:
			id.keys.pq, err = jws.NewSigner(priv, k.Kid)
		case *ecdsa.PrivateKey:
			id.keys.ec, err = jws.NewSigner(priv, k.Kid)
		case hpke.PrivateKey:
			id.keys.kem = priv
		}
		if err != nil {
			return nil, err
		}
	}
	if err := checkKeys(p, pubs); err != nil {
		return nil, err
	}
	return id, nil
}

// identityFile is the private key file: a JWK Set (RFC 7517 §5) whose keys
// carry their private members, with the profile and organisation.
type identityFile struct {
	Profile      Profile    `json:"profile"`
	Organization string     `json:"organization,omitempty"`
	Created      time.Time  `json:"created,omitzero"`
	Keys         []*jws.JWK `json:"keys"`
}

// ParseIdentity reads an identity written by Marshal. The error never
// quotes key material.
func ParseIdentity(data []byte) (*Identity, error) {
	var f identityFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, errors.New("identity: not a Rampart identity file (a JSON key set with \"profile\" and \"keys\")")
	}
	if _, err := ParseProfile(string(f.Profile)); err != nil {
		return nil, fmt.Errorf("identity: %v", err)
	}
	if len(f.Keys) != 3 {
		return nil, fmt.Errorf("identity: %s needs 3 keys (ML-DSA, ECDSA, HPKE), found %d", f.Profile, len(f.Keys))
	}
	var keys [3]*jws.JWK
	algs := f.Profile.SignatureAlgorithms()
	for _, k := range f.Keys {
		if !k.IsPrivate() {
			return nil, fmt.Errorf("identity: key %q has no private part; this looks like a public key set", k.Kid)
		}
		if err := k.Check(); err != nil {
			return nil, fmt.Errorf("identity: %v", err)
		}
		i := -1
		switch k.Algorithm() {
		case algs[0]:
			i = 0
		case algs[1]:
			i = 1
		case f.Profile.KEM():
			i = 2
		}
		if i < 0 || keys[i] != nil {
			return nil, fmt.Errorf("identity: profile %s needs one %s, one %s and one %s key (got %s key %q)", f.Profile, algs[0], algs[1], f.Profile.KEM(), k.Algorithm(), k.Kid)
		}
		if k.Kid == "" {
			k.Kid = k.Thumbprint()
		}
		keys[i] = k
	}
	if f.Organization != "" {
		if typ, _, err := stix.ParseID(f.Organization); err != nil || typ != "identity" {
			return nil, fmt.Errorf("identity: organization must be \"identity--UUID\" (got %q)", f.Organization)
		}
	}
	id, err := newIdentity(f.Profile, f.Organization, keys)
	if err != nil {
		return nil, err
	}
	id.created = f.Created
	return id, nil
}

// Marshal returns the identity with its private keys as JSON. Write it only
// where its owner alone can read it (WriteIdentityFile).
func (id *Identity) Marshal() ([]byte, error) {
	return json.Marshal(identityFile{id.profile, id.organization, id.created, id.keys.jwk[:]}, json.Deterministic(true), jsontext.WithIndent("  "))
}

// WriteIdentityFile writes id to a new file at path with mode 0600. It
// refuses to overwrite an existing file.
func WriteIdentityFile(path string, id *Identity) error {
	data, err := id.Marshal()
	if err != nil {
		return err
	}
	if err := atomicfile.Create(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write identity: %w", err)
	}
	return nil
}

// ReadIdentityFile reads an identity from path. It refuses a file that
// others than its owner may read or write (mode bits 0077), as ssh does,
// since the keys in it may already have leaked.
func ReadIdentityFile(path string) (*Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read identity: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read identity: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("read identity %q: permissions %04o let others read or change the private keys; run chmod 600 %q", path, perm, path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read identity %q: not a regular file", path)
	}
	if st.Size() > MaxIdentityBytes {
		return nil, fmt.Errorf("read identity %q: larger than MaxIdentityBytes (%d)", path, MaxIdentityBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxIdentityBytes))
	if err != nil {
		return nil, fmt.Errorf("read identity: %w", err)
	}
	id, err := ParseIdentity(data)
	if err != nil {
		return nil, fmt.Errorf("read identity %q: %v", path, err)
	}
	return id, nil
}

// Profile returns the identity's profile.
func (id *Identity) Profile() Profile { return id.profile }

// Organization returns the STIX identity id of the organisation the keys
// belong to, "" for an authority member.
func (id *Identity) Organization() string { return id.organization }

// KeyIDs returns the ids of the ML-DSA, ECDSA and HPKE keys, in that order.
func (id Identity) KeyIDs() []string {
	return []string{id.pub[0].ID(), id.pub[1].ID(), id.pub[2].ID()}
}

// Created returns when the keys were generated; zero if the file that
// holds them predates the record.
func (id *Identity) Created() time.Time { return id.created }

// KeySet returns the public keys, for the registry authority.
func (id *Identity) KeySet() *KeySet {
	return &KeySet{Profile: id.profile, Organization: id.organization, Created: id.created, Keys: id.pub[:]}
}

// String returns the profile, organisation and key ids; never key material.
func (id Identity) String() string {
	org := id.organization
	if org == "" {
		org = "authority"
	}
	return fmt.Sprintf("identity(%s %s keys %s)", id.profile, org, strings.Join(id.KeyIDs(), ","))
}

// GoString is String, so that %#v prints no key material either.
func (id Identity) GoString() string { return id.String() }

// Format prints String for every verb, so that no fmt verb (%v, %+v, %#v,
// %x, ...) reaches the private keys.
func (id Identity) Format(f fmt.State, verb rune) { fmt.Fprint(f, id.String()) }

// LogValue makes slog log the identity as its String.
func (id Identity) LogValue() slog.Value { return slog.StringValue(id.String()) }
