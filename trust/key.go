package trust

import (
	"crypto/hpke"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
)

// Key uses, as in the JWK "use" member.
const (
	UseSig = "sig" // signs objects, registry documents and node proofs
	UseEnc = "enc" // receives sealed objects (HPKE)
)

// PublicKey is one public key as the registry lists it: a JWK (RFC 7517;
// "AKP" for ML-DSA and the HPKE KEMs, "EC" for ECDSA) whose "kid" is its
// RFC 7638 thumbprint, with the period in which it may be used. It always
// names its algorithm.
//
// A PublicKey is immutable once parsed and safe for concurrent use.
type PublicKey struct {
	jwk jws.JWK
	key any // *mldsa.PublicKey, *ecdsa.PublicKey or hpke.PublicKey
	// NotBefore and NotAfter bound the key's validity; zero means unbounded.
	// An object verifies only if its modified time lies in [NotBefore,
	// NotAfter).
	NotBefore time.Time
	NotAfter  time.Time
}

// ID returns the key id: the RFC 7638 thumbprint of the key.
func (k *PublicKey) ID() string { return k.jwk.Kid }

// Algorithm returns the key's algorithm: "ML-DSA-65", "ML-DSA-87", "ES256",
// "ES384", "MLKEM768-X25519" or "MLKEM1024-P384".
func (k *PublicKey) Algorithm() string { return k.jwk.Algorithm() }

// Use returns UseSig or UseEnc.
func (k *PublicKey) Use() string { return k.jwk.Use }

// ValidAt reports whether t lies in the key's validity period.
func (k *PublicKey) ValidAt(t time.Time) bool {
	if !k.NotBefore.IsZero() && t.Before(k.NotBefore) {
		return false
	}
	return k.NotAfter.IsZero() || t.Before(k.NotAfter)
}

// String returns "ALG KID".
func (k *PublicKey) String() string { return k.Algorithm() + " " + k.ID() }

// withValidity returns a copy of k valid from nb to na.
func (k *PublicKey) withValidity(nb, na time.Time) *PublicKey {
	c := *k
	c.NotBefore, c.NotAfter = nb, na
	if !nb.IsZero() {
		c.NotBefore = nb.UTC()
	}
	if !na.IsZero() {
		c.NotAfter = na.UTC()
	}
	return &c
}

// publicKeyJSON is the wire form: the JWK's members with the validity
// period beside them, as RFC 7517 §4 allows.
type publicKeyJSON struct {
	jws.JWK
	NotBefore time.Time `json:"not_before,omitzero"`
	NotAfter  time.Time `json:"not_after,omitzero"`
}

// MarshalJSON encodes the key as a public JWK with "not_before" and
// "not_after" members when set.
func (k *PublicKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(publicKeyJSON{k.jwk, k.NotBefore, k.NotAfter}, json.Deterministic(true))
}

// UnmarshalJSON reads a public JWK. It refuses private members, keys whose
// "kid" is not their thumbprint, a missing "use", and a "use" that does not
// fit the algorithm.
func (k *PublicKey) UnmarshalJSON(data []byte) error {
	if len(data) > jws.MaxJWKBytes {
		return fmt.Errorf("key: larger than %d bytes", jws.MaxJWKBytes)
	}
	var w publicKeyJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("key: %v", err)
	}
	if w.IsPrivate() {
		return errors.New("key: a public key must not hold private members (\"d\" or \"priv\")")
	}
	if w.Kid == "" {
		return errors.New(`key: "kid" is required (the key's RFC 7638 thumbprint)`)
	}
	if err := w.JWK.Check(); err != nil {
		return err
	}
	pub, _ := w.JWK.PublicKey()
	want := UseSig
	if _, ok := pub.(hpke.PublicKey); ok {
		want = UseEnc
	}
	if w.Use != want {
		return fmt.Errorf("key %q: %s key must have \"use\": %q (got %q)", w.Kid, w.JWK.Algorithm(), want, w.Use)
	}
	if !w.NotBefore.IsZero() && !w.NotAfter.IsZero() && !w.NotAfter.After(w.NotBefore) {
		return fmt.Errorf("key %q: not_after (%s) must be later than not_before (%s)", w.Kid, w.NotAfter.Format(time.RFC3339), w.NotBefore.Format(time.RFC3339))
	}
	*k = PublicKey{jwk: w.JWK, key: pub, NotBefore: w.NotBefore, NotAfter: w.NotAfter}
	return nil
}

// KeySet is the public half of an Identity: what an organisation hands to
// the registry authority, and what the registry lists for it. It is written
// as a JWK Set (RFC 7517 §5) with "profile" and "organization" members.
type KeySet struct {
	Profile      Profile `json:"profile"`
	Organization string  `json:"organization,omitempty"`
	// Created is when the keys were generated, if known: the registry
	// authority makes them valid from then by default, so that what the
	// organisation signed between generating its keys and being admitted
	// verifies.
	Created time.Time    `json:"created,omitzero"`
	Keys    []*PublicKey `json:"keys"`
}

// ParseKeySet reads a KeySet and checks that it holds one ML-DSA and one
// ECDSA signing key of its profile and at most one encryption key.
func ParseKeySet(data []byte) (*KeySet, error) {
	var s KeySet
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("key set: %v", err)
	}
	if _, err := ParseProfile(string(s.Profile)); err != nil {
		return nil, fmt.Errorf("key set: %v", err)
	}
	if err := checkKeys(s.Profile, s.Keys); err != nil {
		return nil, fmt.Errorf("key set: %v", err)
	}
	return &s, nil
}

// Marshal returns the key set as indented JSON.
func (s *KeySet) Marshal() ([]byte, error) {
	return json.Marshal(s, json.Deterministic(true), jsontext.WithIndent("  "))
}

// checkKeys checks that keys hold the hybrid signing pair of profile p and
// at most one encryption key of its KEM.
func checkKeys(p Profile, keys []*PublicKey) error {
	algs := p.SignatureAlgorithms()
	var n [3]int
	for _, k := range keys {
		switch k.Algorithm() {
		case algs[0]:
			n[0]++
		case algs[1]:
			n[1]++
		case p.KEM():
			n[2]++
		default:
			return fmt.Errorf("key %q is %s, which profile %s does not use", k.ID(), k.Algorithm(), p)
		}
	}
	if n[0] != 1 || n[1] != 1 || n[2] > 1 {
		return fmt.Errorf("profile %s needs one %s key, one %s key and at most one %s key (got %d, %d, %d)", p, algs[0], algs[1], p.KEM(), n[0], n[1], n[2])
	}
	return nil
}

// WithValidity returns copies of the set's keys valid from notBefore until
// notAfter (zero for no bound), as the registry lists them.
func (s *KeySet) WithValidity(notBefore, notAfter time.Time) []*PublicKey {
	out := make([]*PublicKey, len(s.Keys))
	for i, k := range s.Keys {
		out[i] = k.withValidity(notBefore, notAfter)
	}
	return out
}

// SigningKeys returns the set's ML-DSA and ECDSA keys, those an authority
// member signs registries with.
func (s *KeySet) SigningKeys() []*PublicKey {
	var out []*PublicKey
	for _, k := range s.Keys {
		if k.Use() == UseSig {
			out = append(out, k)
		}
	}
	return out
}
