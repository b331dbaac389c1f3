package trust

import (
	"crypto/hpke"
	"fmt"
)

// SealPayload encrypts plaintext to the HPKE key to (RFC 9180 base mode,
// single shot, with the suite that follows the key's KEM: hybrid ML-KEM
// with X25519 or P-384, so a later quantum computer cannot read it) and
// returns the encapsulated key followed by the ciphertext. info binds the
// result to its context: OpenPayload must be given the same info.
//
// It is for files addressed to one holder of a key, such as an evidence
// package to an authority; objects to organisations go through Seal. It
// hides the content but not its length, and says nothing about the
// sender: sign what you seal.
func SealPayload(to *PublicKey, info string, plaintext []byte) ([]byte, error) {
	if to == nil || to.Use() != UseEnc {
		return nil, fmt.Errorf("seal: not an encryption key")
	}
	s, ok := suiteForKEM(to.Algorithm())
	if !ok {
		return nil, fmt.Errorf("seal: key %q is %s, not an HPKE key Rampart uses", to.ID(), to.Algorithm())
	}
	out, err := hpke.Seal(to.key.(hpke.PublicKey), s.kdf, s.aead, []byte(info), plaintext)
	if err != nil {
		return nil, fmt.Errorf("seal to key %q: %v", to.ID(), err)
	}
	return out, nil
}

// OpenPayload decrypts what SealPayload sealed to id's HPKE key with the
// same info. The error says the content does not decrypt (another key, other
// info, or a changed byte) without telling which.
func (id *Identity) OpenPayload(info string, sealed []byte) ([]byte, error) {
	s, ok := suiteForKEM(id.pub[2].Algorithm())
	if !ok {
		return nil, fmt.Errorf("open: key %q is %s, not an HPKE key Rampart uses", id.pub[2].ID(), id.pub[2].Algorithm())
	}
	pt, err := hpke.Open(id.keys.kem, s.kdf, s.aead, []byte(info), sealed)
	if err != nil {
		return nil, fmt.Errorf("open: the content does not decrypt with key %q (sealed to another key, or changed)", id.pub[2].ID())
	}
	return pt, nil
}
