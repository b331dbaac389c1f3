package jws

import (
	"crypto/mldsa"
	"sync"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// ML-DSA verification runs on circl's implementation of FIPS 204, which
// keeps a public key's expanded matrix between verifications: about 19 µs
// per ML-DSA-65 verification here against 179 µs for crypto/mldsa, which
// expands the matrix every time. A node verifies every object it receives
// from its peers, so this is where its ingest time goes. The two
// implementations accept exactly the same signatures (FIPS 204, empty
// context, as RFC 9964 requires); a test checks each against the other.
// Signing stays on crypto/mldsa.

// maxUnpackedKeys bounds the cache of unpacked public keys; a node sees a
// few keys per member organisation.
const maxUnpackedKeys = 4096

// unpacked caches circl public keys by the crypto/mldsa key they were made
// from. Keys are immutable, so an entry never goes stale; the cache is
// emptied when it grows past maxUnpackedKeys.
var unpacked = struct {
	sync.Mutex
	m map[*mldsa.PublicKey]func(msg, sig []byte) bool
}{m: map[*mldsa.PublicKey]func(msg, sig []byte) bool{}}

// verifyMLDSA reports whether sig is a valid ML-DSA signature of msg (empty
// context) under k.
func verifyMLDSA(k *mldsa.PublicKey, msg, sig []byte) bool {
	unpacked.Lock()
	verify, ok := unpacked.m[k]
	unpacked.Unlock()
	if !ok {
		verify = unpack(k)
		unpacked.Lock()
		if len(unpacked.m) >= maxUnpackedKeys {
			clear(unpacked.m)
		}
		unpacked.m[k] = verify
		unpacked.Unlock()
	}
	return verify(msg, sig)
}

// unpack returns a verification function for k on circl; for a key circl
// cannot read (which crypto/mldsa accepted, so never expected) it falls
// back to crypto/mldsa.
func unpack(k *mldsa.PublicKey) func(msg, sig []byte) bool {
	fallback := func(msg, sig []byte) bool { return mldsa.Verify(k, msg, sig, nil) == nil }
	switch k.Parameters() {
	case mldsa.MLDSA65():
		var pk mldsa65.PublicKey
		if pk.UnmarshalBinary(k.Bytes()) != nil {
			return fallback
		}
		return func(msg, sig []byte) bool { return mldsa65.Verify(&pk, msg, nil, sig) }
	case mldsa.MLDSA87():
		var pk mldsa87.PublicKey
		if pk.UnmarshalBinary(k.Bytes()) != nil {
			return fallback
		}
		return func(msg, sig []byte) bool { return mldsa87.Verify(&pk, msg, nil, sig) }
	}
	return fallback
}
