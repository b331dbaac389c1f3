package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/mldsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
)

// JWS algorithm names (RFC 7518 §3.4, RFC 9964 §5).
const (
	MLDSA65 = "ML-DSA-65"
	MLDSA87 = "ML-DSA-87"
	ES256   = "ES256"
	ES384   = "ES384"
)

// ErrVerification reports a signature that does not verify.
var ErrVerification = errors.New("signature does not verify")

// A Signer makes JWS signatures with one private key.
type Signer interface {
	// Algorithm returns the JWS "alg" of the signatures.
	Algorithm() string
	// KeyID returns the "kid" written into the protected header.
	KeyID() string
	// Sign returns the signature of the JWS signing input, in its JWS
	// encoding (before base64url).
	Sign(input []byte) ([]byte, error)
}

// NewSigner returns a Signer for an *mldsa.PrivateKey (ML-DSA-65 or
// ML-DSA-87, signing with an empty context as RFC 9964 requires) or an
// *ecdsa.PrivateKey on P-256 (ES256) or P-384 (ES384).
func NewSigner(key crypto.Signer, kid string) (Signer, error) {
	switch k := key.(type) {
	case *mldsa.PrivateKey:
		alg, err := mldsaAlg(k.PublicKey().Parameters())
		if err != nil {
			return nil, err
		}
		return &mldsaSigner{k, alg, kid}, nil
	case *ecdsa.PrivateKey:
		alg, err := ecAlg(k.Curve)
		if err != nil {
			return nil, err
		}
		return &ecdsaSigner{k, alg, kid}, nil
	}
	return nil, fmt.Errorf("jws: unsupported signing key type %T", key)
}

type mldsaSigner struct {
	key      *mldsa.PrivateKey
	alg, kid string
}

func (s *mldsaSigner) Algorithm() string { return s.alg }
func (s *mldsaSigner) KeyID() string     { return s.kid }

// Sign uses hedged (randomised) ML-DSA signing, FIPS 204's default.
func (s *mldsaSigner) Sign(input []byte) ([]byte, error) {
	return s.key.Sign(rand.Reader, input, nil)
}

type ecdsaSigner struct {
	key      *ecdsa.PrivateKey
	alg, kid string
}

func (s *ecdsaSigner) Algorithm() string { return s.alg }
func (s *ecdsaSigner) KeyID() string     { return s.kid }

// Sign returns R || S, each padded to the curve's size (RFC 7518 §3.4), not
// the ASN.1 form.
func (s *ecdsaSigner) Sign(input []byte) ([]byte, error) {
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, ecHash(s.alg, input))
	if err != nil {
		return nil, err
	}
	n := ecSize(s.alg)
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	sv.FillBytes(out[n:])
	return out, nil
}

// VerifySignature checks sig over input with pub under alg. pub must be an
// *mldsa.PublicKey of the parameter set alg names, or an *ecdsa.PublicKey on
// the curve alg names; any other combination is an error, never a silent
// downgrade. A signature that does not verify gives an error wrapping
// ErrVerification.
func VerifySignature(alg string, pub any, input, sig []byte) error {
	switch alg {
	case MLDSA65, MLDSA87:
		k, ok := pub.(*mldsa.PublicKey)
		if !ok {
			return fmt.Errorf("jws: %s needs an ML-DSA key, not %T", alg, pub)
		}
		if got, _ := mldsaAlg(k.Parameters()); got != alg {
			return fmt.Errorf("jws: %s signature but the key is %s", alg, got)
		}
		if len(sig) != k.Parameters().SignatureSize() {
			return fmt.Errorf("jws: %s signature is %d bytes, want %d: %w", alg, len(sig), k.Parameters().SignatureSize(), ErrVerification)
		}
		if !verifyMLDSA(k, input, sig) {
			return fmt.Errorf("jws: %s: %w", alg, ErrVerification)
		}
		return nil
	case ES256, ES384:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("jws: %s needs an ECDSA key, not %T", alg, pub)
		}
		if got, _ := ecAlg(k.Curve); got != alg {
			return fmt.Errorf("jws: %s signature but the key is for %s", alg, got)
		}
		n := ecSize(alg)
		if len(sig) != 2*n {
			return fmt.Errorf("jws: %s signature is %d bytes, want %d: %w", alg, len(sig), 2*n, ErrVerification)
		}
		r := new(big.Int).SetBytes(sig[:n])
		s := new(big.Int).SetBytes(sig[n:])
		if !ecdsa.Verify(k, ecHash(alg, input), r, s) {
			return fmt.Errorf("jws: %s: %w", alg, ErrVerification)
		}
		return nil
	}
	return fmt.Errorf("jws: unsupported algorithm %q", alg)
}

func mldsaAlg(p mldsa.Parameters) (string, error) {
	switch p {
	case mldsa.MLDSA65():
		return MLDSA65, nil
	case mldsa.MLDSA87():
		return MLDSA87, nil
	}
	return "", fmt.Errorf("jws: unsupported ML-DSA parameter set %s", p)
}

func mldsaParams(alg string) (mldsa.Parameters, bool) {
	switch alg {
	case MLDSA65:
		return mldsa.MLDSA65(), true
	case MLDSA87:
		return mldsa.MLDSA87(), true
	}
	return mldsa.Parameters{}, false
}

func ecAlg(c elliptic.Curve) (string, error) {
	switch c {
	case elliptic.P256():
		return ES256, nil
	case elliptic.P384():
		return ES384, nil
	}
	return "", fmt.Errorf("jws: unsupported ECDSA curve %s", c.Params().Name)
}

func ecSize(alg string) int {
	if alg == ES384 {
		return 48
	}
	return 32
}

func ecHash(alg string, input []byte) []byte {
	if alg == ES384 {
		h := sha512.Sum384(input)
		return h[:]
	}
	h := sha256.Sum256(input)
	return h[:]
}
