package trust

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
)

// DocumentSignature is a detached JWS (RFC 7515 general serialisation,
// payload left out as in its Appendix F) with an ML-DSA and an ECDSA
// signature over a document that is not a STIX object: a record that
// travels next to the signature, such as an evidence package's cover or
// a custody record. Each protected header names the document's kind
// ("typ": "rampart-KIND+jws"), so a signature made for one kind of
// document can never be passed off as another, nor as a signed object,
// a registry or a node proof.
//
// What it guarantees: whoever holds the private keys of both key ids
// signed exactly these bytes as a document of this kind; both signatures
// must verify, so one broken algorithm alone forges nothing. What it does
// not say: who the keys belong to. Registry.CheckKeys binds a key set to a
// member organisation; without a registry, a key set is only as good as
// the way it was handed over.
type DocumentSignature struct {
	Signatures []jws.Signature `json:"signatures"`
}

// documentKind is what a document kind may look like.
var documentKind = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

func documentTyp(kind string) (string, error) {
	if !documentKind.MatchString(kind) {
		return "", fmt.Errorf("document kind %q: want 1 to 40 lower-case letters, digits and '-'", kind)
	}
	typ := "rampart-" + kind + "+jws"
	switch typ {
	case typObject, typRegistry, typNodeAuth:
		return "", fmt.Errorf("document kind %q is reserved", kind)
	}
	return typ, nil
}

// SignDocument signs doc as a document of the given kind (lower-case
// letters, digits and '-') with id's ML-DSA and ECDSA keys. Unlike Sign,
// it needs no organisation: the keys of a person who carries evidence
// sign documents too.
func (id *Identity) SignDocument(kind string, doc []byte) (*DocumentSignature, error) {
	typ, err := documentTyp(kind)
	if err != nil {
		return nil, err
	}
	g, err := jws.Sign(doc, typ, id.keys.pq, id.keys.ec)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %v", kind, err)
	}
	return &DocumentSignature{Signatures: g.Signatures}, nil
}

// Verify checks that s holds exactly two signatures over doc as a document
// of the given kind, one by the ML-DSA and one by the ECDSA signing key of
// keys, and that both verify. The error wraps ErrMalformed, ErrWrongSigner
// or ErrBadSignature and says which signature failed.
func (s *DocumentSignature) Verify(kind string, doc []byte, keys *KeySet) error {
	typ, err := documentTyp(kind)
	if err != nil {
		return err
	}
	if s == nil || len(s.Signatures) != 2 {
		n := 0
		if s != nil {
			n = len(s.Signatures)
		}
		return fmt.Errorf("%w: %s: want 2 signatures (ML-DSA and ECDSA), found %d", ErrMalformed, kind, n)
	}
	if keys == nil {
		return fmt.Errorf("%w: %s: no keys to verify with", ErrMalformed, kind)
	}
	algs := keys.Profile.SignatureAlgorithms()
	payload := jws.Encode(doc)
	var seen [2]bool
	for i, sig := range s.Signatures {
		h, err := sig.DecodeHeader()
		if err != nil {
			return fmt.Errorf("%w: %s: signatures[%d]: %v", ErrMalformed, kind, i, err)
		}
		if sig.Header != nil {
			return fmt.Errorf("%w: %s: signatures[%d] has an unprotected header", ErrMalformed, kind, i)
		}
		if h.Typ != typ {
			return fmt.Errorf("%w: %s: signatures[%d]: typ %q is not %q", ErrMalformed, kind, i, h.Typ, typ)
		}
		var key *PublicKey
		for _, k := range keys.Keys {
			if k.ID() == h.Kid && k.Use() == UseSig {
				key = k
			}
		}
		if key == nil {
			return fmt.Errorf("%w: %s: signatures[%d] is by key %q, not one of the signer's", ErrWrongSigner, kind, i, h.Kid)
		}
		j := 0
		if key.Algorithm() == algs[1] {
			j = 1
		} else if key.Algorithm() != algs[0] {
			return fmt.Errorf("%w: %s: key %q is %s, which profile %s does not sign with", ErrPolicy, kind, h.Kid, key.Algorithm(), keys.Profile)
		}
		if h.Alg != key.Algorithm() {
			return fmt.Errorf("%w: %s: signatures[%d] says %s but key %q is %s", ErrPolicy, kind, i, h.Alg, h.Kid, key.Algorithm())
		}
		if seen[j] {
			return fmt.Errorf("%w: %s: two %s signatures", ErrMalformed, kind, key.Algorithm())
		}
		seen[j] = true
		if err := sig.Verify(h.Alg, key.key, payload); err != nil {
			return fmt.Errorf("%w: %s: the %s signature by key %q does not verify", ErrBadSignature, kind, h.Alg, h.Kid)
		}
	}
	return nil
}

// Check reports whether the set is one ParseKeySet accepts: a known
// profile, its ML-DSA and ECDSA signing keys, at most one encryption key.
func (s *KeySet) Check() error {
	if _, err := ParseProfile(string(s.Profile)); err != nil {
		return fmt.Errorf("key set: %v", err)
	}
	if err := checkKeys(s.Profile, s.Keys); err != nil {
		return fmt.Errorf("key set: %v", err)
	}
	return nil
}

// SigningKeyIDs returns the ids of the set's ML-DSA and ECDSA keys, in that
// order ("" for one it lacks): together they name who signs with the set.
func (s *KeySet) SigningKeyIDs() [2]string {
	var out [2]string
	algs := s.Profile.SignatureAlgorithms()
	for _, k := range s.Keys {
		switch k.Algorithm() {
		case algs[0]:
			out[0] = k.ID()
		case algs[1]:
			out[1] = k.ID()
		}
	}
	return out
}

// EncryptionKey returns the set's HPKE key, nil when it has none.
func (s *KeySet) EncryptionKey() *PublicKey {
	for _, k := range s.Keys {
		if k.Use() == UseEnc {
			return k
		}
	}
	return nil
}

// CheckKeys reports whether the registry lets the signing keys of keys sign
// for the organisation org at time at: both must be org's, valid then and
// not revoked. The error wraps ErrUnknownKey, ErrWrongSigner, ErrRevoked,
// ErrKeyNotValid or ErrPolicy and names the key.
func (r *Registry) CheckKeys(org string, keys *KeySet, at time.Time) error {
	if keys == nil {
		return errors.New("no keys")
	}
	ids := keys.SigningKeyIDs()
	algs := keys.Profile.SignatureAlgorithms()
	for i, kid := range ids {
		if kid == "" {
			return fmt.Errorf("%w: the key set has no %s key", ErrMalformed, algs[i])
		}
		if _, _, err := r.signingKey(kid, algs[i], org, at); err != nil {
			return err
		}
	}
	return nil
}

// KeySet returns the keys of the member organisation org (an identity id)
// that sign and receive at time t: the newest valid, unrevoked ML-DSA,
// ECDSA and HPKE key. It fails when org is not a member or lacks one of
// them.
func (r *Registry) KeySet(org string, t time.Time) (*KeySet, error) {
	o := r.orgs[org]
	if o == nil {
		return nil, fmt.Errorf("organisation %q is not in registry version %d", org, r.doc.Version)
	}
	enc, err := r.encryptionKey(org, t)
	if err != nil {
		return nil, err
	}
	for _, p := range []Profile{EUPQBase, EUPQHigh} {
		algs := p.SignatureAlgorithms()
		if enc.Algorithm() != p.KEM() {
			continue
		}
		ks := &KeySet{Profile: p, Organization: org}
		for _, alg := range algs {
			best := r.newestKey(o, t, func(k *PublicKey) bool { return k.Algorithm() == alg })
			if best == nil {
				return nil, fmt.Errorf("organisation %s (%s) has no valid %s key in registry version %d", o.Name, org, alg, r.doc.Version)
			}
			ks.Keys = append(ks.Keys, best)
		}
		ks.Keys = append(ks.Keys, enc)
		return ks, nil
	}
	return nil, fmt.Errorf("organisation %s (%s): encryption key %q is %s, of no profile", o.Name, org, enc.ID(), enc.Algorithm())
}
