package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hpke"
	"crypto/mldsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
)

// HPKE KEM names used as the "alg" of "AKP" keys that encrypt. They are the
// KEM names of draft-ietf-hpke-pq; JOSE has no registered value for them yet,
// so Rampart uses these, and the "use" member is "enc".
const (
	KEMMLKEM768X25519 = "MLKEM768-X25519"
	KEMMLKEM1024P384  = "MLKEM1024-P384"
)

// MaxJWKBytes is the largest JWK ParseJWK accepts.
const MaxJWKBytes = 16 << 10

// JWK is a JSON Web Key (RFC 7517) of one of the types Rampart uses: "EC"
// (RFC 7518 §6.2) for ECDSA P-256 and P-384, and "AKP" (RFC 9964) for
// ML-DSA-65, ML-DSA-87 and the HPKE KEMs. Private keys carry "d" (EC) or
// "priv" (AKP: the 32-byte seed, never an expanded key). Binary members are
// base64url strings, as on the wire.
type JWK struct {
	Kty  string `json:"kty"`
	Alg  string `json:"alg,omitempty"`
	Use  string `json:"use,omitempty"`
	Kid  string `json:"kid,omitempty"`
	Crv  string `json:"crv,omitempty"`
	X    string `json:"x,omitempty"`
	Y    string `json:"y,omitempty"`
	D    string `json:"d,omitempty"`
	Pub  string `json:"pub,omitempty"`
	Priv string `json:"priv,omitempty"`
}

// ParseJWK reads one JWK and checks it: a known key type and algorithm, key
// material that decodes to a valid key, a private part that matches the
// public one, and a "kid", when present, equal to the RFC 7638 thumbprint.
func ParseJWK(data []byte) (*JWK, error) {
	if len(data) > MaxJWKBytes {
		return nil, fmt.Errorf("jwk: larger than MaxJWKBytes (%d)", MaxJWKBytes)
	}
	var k JWK
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("jwk: %v", trimJSONError(err))
	}
	if err := k.Check(); err != nil {
		return nil, err
	}
	return &k, nil
}

// Check validates k as ParseJWK does.
func (k *JWK) Check() error {
	if _, err := k.PublicKey(); err != nil {
		return err
	}
	if k.IsPrivate() {
		if _, err := k.PrivateKey(); err != nil {
			return err
		}
	}
	if k.Kid != "" {
		if tp := k.Thumbprint(); k.Kid != tp {
			return fmt.Errorf("jwk: kid %q is not the key's RFC 7638 thumbprint %q", k.Kid, tp)
		}
	}
	return nil
}

// IsPrivate reports whether k holds private key material.
func (k *JWK) IsPrivate() bool { return k.D != "" || k.Priv != "" }

// Public returns a copy of k without its private members.
func (k *JWK) Public() *JWK {
	p := *k
	p.D, p.Priv = "", ""
	return &p
}

// Algorithm returns the key's algorithm: "alg" when set, else (for EC keys)
// the one its curve implies.
func (k *JWK) Algorithm() string {
	if k.Alg != "" || k.Kty != "EC" {
		return k.Alg
	}
	switch k.Crv {
	case "P-256":
		return ES256
	case "P-384":
		return ES384
	}
	return ""
}

// Thumbprint returns the key's RFC 7638 thumbprint (SHA-256, base64url) over
// the required members of its type: crv, kty, x, y for "EC"; alg, kty, pub
// for "AKP" (RFC 9964 §6).
func (k *JWK) Thumbprint() string {
	switch k.Kty {
	case "EC":
		return Thumbprint(map[string]string{"crv": k.Crv, "kty": k.Kty, "x": k.X, "y": k.Y})
	case "AKP":
		return Thumbprint(map[string]string{"alg": k.Alg, "kty": k.Kty, "pub": k.Pub})
	}
	return Thumbprint(map[string]string{"kty": k.Kty})
}

// Thumbprint returns the RFC 7638 thumbprint of a key given its required
// members: SHA-256 over the JSON object of those members, sorted by name,
// without whitespace, then base64url.
func Thumbprint(members map[string]string) string {
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	b := []byte{'{'}
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, n)
		b = append(b, ':')
		b, _ = jsontext.AppendQuote(b, members[n])
	}
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return Encode(sum[:])
}

// PublicKey returns the public key: *mldsa.PublicKey, *ecdsa.PublicKey or
// hpke.PublicKey.
func (k *JWK) PublicKey() (any, error) {
	switch k.Kty {
	case "EC":
		curve, alg, err := k.curve()
		if err != nil {
			return nil, err
		}
		x, errx := Decode(k.X)
		y, erry := Decode(k.Y)
		n := ecSize(alg)
		if errx != nil || erry != nil || len(x) != n || len(y) != n {
			return nil, fmt.Errorf("jwk: %s key: x and y must be %d-byte base64url values", k.Crv, n)
		}
		pt := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
		if err != nil {
			return nil, fmt.Errorf("jwk: %s key: the point is not on the curve", k.Crv)
		}
		return pub, nil
	case "AKP":
		pub, err := Decode(k.Pub)
		if err != nil {
			return nil, fmt.Errorf(`jwk: %s key: "pub" is %v`, k.Alg, err)
		}
		if p, ok := mldsaParams(k.Alg); ok {
			key, err := mldsa.NewPublicKey(p, pub)
			if err != nil {
				return nil, fmt.Errorf(`jwk: %s key: "pub" is not a %s public key (%d bytes, want %d)`, k.Alg, k.Alg, len(pub), p.PublicKeySize())
			}
			return key, nil
		}
		if kem, ok := kemFor(k.Alg); ok {
			key, err := kem.NewPublicKey(pub)
			if err != nil {
				return nil, fmt.Errorf(`jwk: %s key: "pub" is not a valid public key (%d bytes)`, k.Alg, len(pub))
			}
			return key, nil
		}
		return nil, fmt.Errorf("jwk: unsupported AKP algorithm %q (want %s, %s, %s or %s)", k.Alg, MLDSA65, MLDSA87, KEMMLKEM768X25519, KEMMLKEM1024P384)
	case "":
		return nil, errors.New(`jwk: "kty" is required`)
	}
	return nil, fmt.Errorf(`jwk: unsupported key type %q (want "EC" or "AKP")`, k.Kty)
}

// PrivateKey returns the private key (*mldsa.PrivateKey, *ecdsa.PrivateKey or
// hpke.PrivateKey) after checking that it matches the public members (RFC
// 9964 §7.4: mismatched parameters must not be used).
func (k *JWK) PrivateKey() (any, error) {
	pub, err := k.PublicKey()
	if err != nil {
		return nil, err
	}
	switch k.Kty {
	case "EC":
		curve, alg, _ := k.curve()
		d, err := Decode(k.D)
		if err != nil || len(d) != ecSize(alg) {
			return nil, fmt.Errorf(`jwk: %s key: "d" must be a %d-byte base64url value`, k.Crv, ecSize(alg))
		}
		priv, err := ecdsa.ParseRawPrivateKey(curve, d)
		if err != nil {
			return nil, fmt.Errorf(`jwk: %s key: "d" is not a valid private key`, k.Crv)
		}
		if !priv.PublicKey.Equal(pub) {
			return nil, fmt.Errorf(`jwk: %s key: "d" does not match "x" and "y"`, k.Crv)
		}
		return priv, nil
	case "AKP":
		seed, err := Decode(k.Priv)
		if err != nil || len(seed) != 32 {
			return nil, fmt.Errorf(`jwk: %s key: "priv" must be the 32-byte seed in base64url`, k.Alg)
		}
		if p, ok := mldsaParams(k.Alg); ok {
			priv, err := mldsa.NewPrivateKey(p, seed)
			if err != nil {
				return nil, fmt.Errorf("jwk: %s key: %v", k.Alg, err)
			}
			if !priv.PublicKey().Equal(pub) {
				return nil, fmt.Errorf(`jwk: %s key: "priv" does not match "pub"`, k.Alg)
			}
			return priv, nil
		}
		kem, _ := kemFor(k.Alg)
		priv, err := kem.NewPrivateKey(seed)
		if err != nil {
			return nil, fmt.Errorf("jwk: %s key: %v", k.Alg, err)
		}
		if subtle.ConstantTimeCompare(priv.PublicKey().Bytes(), pub.(hpke.PublicKey).Bytes()) != 1 {
			return nil, fmt.Errorf(`jwk: %s key: "priv" does not match "pub"`, k.Alg)
		}
		return priv, nil
	}
	return nil, fmt.Errorf("jwk: unsupported key type %q", k.Kty)
}

func (k *JWK) curve() (elliptic.Curve, string, error) {
	var c elliptic.Curve
	switch k.Crv {
	case "P-256":
		c = elliptic.P256()
	case "P-384":
		c = elliptic.P384()
	default:
		return nil, "", fmt.Errorf(`jwk: unsupported EC curve %q (want "P-256" or "P-384")`, k.Crv)
	}
	alg, _ := ecAlg(c)
	if k.Alg != "" && k.Alg != alg {
		return nil, "", fmt.Errorf("jwk: %s key has alg %q, want %q", k.Crv, k.Alg, alg)
	}
	return c, alg, nil
}

func kemFor(alg string) (hpke.KEM, bool) {
	switch alg {
	case KEMMLKEM768X25519:
		return hpke.MLKEM768X25519(), true
	case KEMMLKEM1024P384:
		return hpke.MLKEM1024P384(), true
	}
	return nil, false
}

// KEMName returns the AKP "alg" for an HPKE KEM, "" for one Rampart does not
// use.
func KEMName(kem hpke.KEM) string {
	switch kem.ID() {
	case hpke.MLKEM768X25519().ID():
		return KEMMLKEM768X25519
	case hpke.MLKEM1024P384().ID():
		return KEMMLKEM1024P384
	}
	return ""
}

// NewJWK returns the JWK of a key, private or public: *mldsa.PrivateKey,
// *mldsa.PublicKey, *ecdsa.PrivateKey, *ecdsa.PublicKey, hpke.PrivateKey or
// hpke.PublicKey of a KEM Rampart uses. The "kid" is set to the thumbprint
// and "use" to "sig" or "enc".
func NewJWK(key any) (*JWK, error) {
	var k JWK
	switch key := key.(type) {
	case *mldsa.PrivateKey:
		pk, err := NewJWK(key.PublicKey())
		if err != nil {
			return nil, err
		}
		k = *pk
		k.Priv = Encode(key.Bytes())
	case *mldsa.PublicKey:
		alg, err := mldsaAlg(key.Parameters())
		if err != nil {
			return nil, err
		}
		k = JWK{Kty: "AKP", Alg: alg, Use: "sig", Pub: Encode(key.Bytes())}
	case *ecdsa.PrivateKey:
		pk, err := NewJWK(&key.PublicKey)
		if err != nil {
			return nil, err
		}
		k = *pk
		d, err := key.Bytes()
		if err != nil {
			return nil, fmt.Errorf("jwk: %v", err)
		}
		k.D = Encode(d)
	case *ecdsa.PublicKey:
		alg, err := ecAlg(key.Curve)
		if err != nil {
			return nil, err
		}
		pt, err := key.Bytes()
		if err != nil {
			return nil, fmt.Errorf("jwk: %v", err)
		}
		n := ecSize(alg)
		k = JWK{Kty: "EC", Alg: alg, Use: "sig", Crv: key.Curve.Params().Name, X: Encode(pt[1 : 1+n]), Y: Encode(pt[1+n:])}
	case hpke.PrivateKey:
		pk, err := NewJWK(key.PublicKey())
		if err != nil {
			return nil, err
		}
		k = *pk
		seed, err := key.Bytes()
		if err != nil {
			return nil, fmt.Errorf("jwk: %v", err)
		}
		k.Priv = Encode(seed)
	case hpke.PublicKey:
		alg := KEMName(key.KEM())
		if alg == "" {
			return nil, fmt.Errorf("jwk: unsupported HPKE KEM 0x%04x", key.KEM().ID())
		}
		k = JWK{Kty: "AKP", Alg: alg, Use: "enc", Pub: Encode(key.Bytes())}
	default:
		return nil, fmt.Errorf("jwk: unsupported key type %T", key)
	}
	k.Kid = k.Thumbprint()
	return &k, nil
}
