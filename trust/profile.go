package trust

import (
	"crypto/hpke"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
)

// Profile is a named set of algorithms a node uses for everything it signs,
// seals and connects with. Both profiles are hybrid: a lattice algorithm
// (ML-DSA, ML-KEM) next to a classical one (ECDSA, X25519 or P-384), so that
// either one alone being broken breaks nothing.
type Profile string

// The profiles Rampart knows.
const (
	// EUPQBase signs with ML-DSA-65 and ECDSA P-256 (ES256), seals with
	// HPKE MLKEM768-X25519 (X-Wing), HKDF-SHA256 and AES-256-GCM, and
	// connects with TLS 1.3 X25519MLKEM768.
	EUPQBase Profile = "eu-pq-base"
	// EUPQHigh signs with ML-DSA-87 and ECDSA P-384 (ES384), seals with
	// HPKE MLKEM1024-P384, HKDF-SHA384 and AES-256-GCM, and connects with
	// TLS 1.3 SecP384r1MLKEM1024.
	EUPQHigh Profile = "eu-pq-high"
)

// ParseProfile returns the profile named s.
func ParseProfile(s string) (Profile, error) {
	switch p := Profile(s); p {
	case EUPQBase, EUPQHigh:
		return p, nil
	}
	return "", fmt.Errorf("unknown profile %q (want %q or %q)", s, EUPQBase, EUPQHigh)
}

func (p Profile) String() string { return string(p) }

// SignatureAlgorithms returns the JWS algorithms of the profile's two
// signatures: the ML-DSA one first, then the ECDSA one.
func (p Profile) SignatureAlgorithms() [2]string {
	if p == EUPQHigh {
		return [2]string{jws.MLDSA87, jws.ES384}
	}
	return [2]string{jws.MLDSA65, jws.ES256}
}

// KEM returns the name of the profile's HPKE KEM.
func (p Profile) KEM() string {
	if p == EUPQHigh {
		return jws.KEMMLKEM1024P384
	}
	return jws.KEMMLKEM768X25519
}

// TLSGroups returns the key exchange groups the profile accepts, all hybrid.
// eu-pq-base accepts either hybrid group, so that it can talk to eu-pq-high
// nodes; eu-pq-high accepts only SecP384r1MLKEM1024.
func (p Profile) TLSGroups() []tls.CurveID {
	if p == EUPQHigh {
		return []tls.CurveID{tls.SecP384r1MLKEM1024}
	}
	return []tls.CurveID{tls.X25519MLKEM768, tls.SecP384r1MLKEM1024}
}

// suite is an HPKE ciphersuite: a KEM with the KDF and AEAD the profile
// pairs with it.
type suite struct {
	name string // as written in sealed envelopes
	kem  hpke.KEM
	kdf  hpke.KDF
	aead hpke.AEAD
}

// suiteForKEM returns the HPKE ciphersuite for a recipient key's KEM. The
// suite follows the recipient's key, so a sender of either profile can seal
// to recipients of both.
func suiteForKEM(kem string) (suite, bool) {
	switch kem {
	case jws.KEMMLKEM768X25519:
		return suite{"HPKE-MLKEM768-X25519-HKDF-SHA256-AES-256-GCM", hpke.MLKEM768X25519(), hpke.HKDFSHA256(), hpke.AES256GCM()}, true
	case jws.KEMMLKEM1024P384:
		return suite{"HPKE-MLKEM1024-P384-HKDF-SHA384-AES-256-GCM", hpke.MLKEM1024P384(), hpke.HKDFSHA384(), hpke.AES256GCM()}, true
	}
	return suite{}, false
}

// Policy says what a verifier accepts. The zero Policy accepts nothing; start
// from DefaultPolicy or PolicyFor.
type Policy struct {
	// Algorithms lists the JWS algorithms accepted. A signed object needs
	// exactly one ML-DSA and one ECDSA signature, each by an algorithm in
	// this list; a signature by any other algorithm is refused, naming it.
	Algorithms []string
	// MaxClockSkew is how far in the future an object's modified time (or
	// a registry's issue time) may lie before it is refused.
	MaxClockSkew time.Duration
}

// DefaultPolicy accepts both profiles: ML-DSA-65 or ML-DSA-87 together with
// ES256 or ES384, and five minutes of clock skew.
func DefaultPolicy() Policy {
	return Policy{
		Algorithms:   []string{jws.MLDSA65, jws.MLDSA87, jws.ES256, jws.ES384},
		MaxClockSkew: 5 * time.Minute,
	}
}

// PolicyFor accepts only the signature algorithms of profile p (a node that
// wants eu-pq-high from every peer uses PolicyFor(EUPQHigh)).
func PolicyFor(p Profile) Policy {
	a := p.SignatureAlgorithms()
	return Policy{Algorithms: a[:], MaxClockSkew: 5 * time.Minute}
}

func (p *Policy) allows(alg string) bool {
	for _, a := range p.Algorithms {
		if a == alg {
			return true
		}
	}
	return false
}

// isPQ reports whether alg is a lattice (ML-DSA) signature algorithm.
func isPQ(alg string) bool { return alg == jws.MLDSA65 || alg == jws.MLDSA87 }

// isClassical reports whether alg is an ECDSA signature algorithm.
func isClassical(alg string) bool { return alg == jws.ES256 || alg == jws.ES384 }
