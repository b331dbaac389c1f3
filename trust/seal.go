package trust

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hpke"
	"crypto/rand"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/stix"
)

// SealedType is the STIX type of a sealed envelope: a custom object that
// carries one signed object encrypted to named organisations.
const SealedType = "x-rampart-sealed"

// Limits on sealing. Exceeding one gives its own error.
const (
	// MaxSealedBytes is the most object text one envelope carries (12
	// MiB), so that the envelope stays within stix.MaxObjectBytes.
	MaxSealedBytes = 12 << 20
	// MaxSealedObjects is the most objects one envelope carries.
	MaxSealedObjects = 10000
	// MaxRecipients is the most organisations one envelope addresses.
	MaxRecipients = 64
)

// contentEncryption names the envelope's content cipher: AES-256-GCM under a
// fresh random key used for this envelope only, which is why a fixed nonce
// is safe.
const contentEncryption = "A256GCM"

type envelope struct {
	Type              string              `json:"type"`
	SpecVersion       string              `json:"spec_version"`
	ID                string              `json:"id"`
	Created           string              `json:"created"`
	Modified          string              `json:"modified"`
	CreatedByRef      string              `json:"created_by_ref"`
	ObjectMarkingRefs []string            `json:"object_marking_refs,omitempty"`
	Encryption        string              `json:"encryption"`
	Recipients        []envelopeRecipient `json:"recipients"`
	Ciphertext        string              `json:"ciphertext"`
	Extensions        map[string]any      `json:"extensions,omitempty"`
}

type envelopeRecipient struct {
	Organization string `json:"organization"`
	KeyID        string `json:"kid"`
	Suite        string `json:"alg"`
	EncryptedKey string `json:"encrypted_key"`
}

// Seal encrypts the signed objects objs to the organisations recipients
// (STIX identity ids), using the newest valid encryption key the registry
// lists for each, and returns the envelope: an x-rampart-sealed object
// created by id's organisation and signed by id like any other object.
// One envelope carries up to MaxSealedObjects objects and MaxSealedBytes
// of their text: its signature and the key encapsulation to each recipient
// are paid once for all of them.
//
// What a seal guarantees: only holders of a recipient's HPKE private key can
// read the objects (each recipient's copy of the content key is sealed with
// HPKE, hybrid ML-KEM + X25519 or P-384, so it stays unreadable to a later
// quantum computer); the envelope's signature shows which member sent it.
// What it does not hide: the sender, the recipients, the strictest TLP
// marking of the objects (copied onto the envelope so relays can route
// it), the envelope's time and the approximate size of the objects. A
// recipient can read the objects and pass them on; the seal cannot prevent
// that, the TLP marking forbids it.
//
// The objects should already be signed by their creators: recipients
// verify each after opening. Seal fails, sealing nothing, when one
// recipient cannot be sealed to; Registry.CheckRecipient says which can.
func (id *Identity) Seal(objs []*stix.Object, reg *Registry, recipients ...string) (*stix.Object, error) {
	return id.sealAt(time.Now(), objs, reg, recipients)
}

// sealAt seals with the envelope's time (and the time at which recipients'
// keys must be valid) set to t.
func (id *Identity) sealAt(t time.Time, objs []*stix.Object, reg *Registry, recipients []string) (*stix.Object, error) {
	if len(recipients) == 0 {
		return nil, errors.New("seal: no recipients")
	}
	if len(recipients) > MaxRecipients {
		return nil, fmt.Errorf("seal: %d recipients, more than MaxRecipients (%d)", len(recipients), MaxRecipients)
	}
	if len(objs) == 0 || len(objs) > MaxSealedObjects {
		return nil, fmt.Errorf("seal: %d objects; an envelope carries 1 to MaxSealedObjects (%d)", len(objs), MaxSealedObjects)
	}
	size := 1
	level := stix.TLPUnmarked
	for _, o := range objs {
		size += len(o.Raw) + 1
		level = max(level, stix.EffectiveTLP(o))
	}
	if size > MaxSealedBytes {
		return nil, fmt.Errorf("seal: %d objects of %d bytes, more than MaxSealedBytes (%d)", len(objs), size, MaxSealedBytes)
	}
	now := stix.NewTimestamp(t)
	env := envelope{
		Type: SealedType, SpecVersion: "2.1", ID: stix.NewID(SealedType),
		Created: now.String(), Modified: now.String(), CreatedByRef: id.organization,
		Encryption: contentEncryption,
	}
	if level != stix.TLPUnmarked {
		env.ObjectMarkingRefs = []string{level.MarkingID()}
	}
	// The content is a JSON array of the objects.
	plain := make([]byte, 0, size)
	plain = append(plain, '[')
	for i, o := range objs {
		if i > 0 {
			plain = append(plain, ',')
		}
		plain = append(plain, o.Raw...)
	}
	plain = append(plain, ']')
	cek := make([]byte, 32)
	rand.Read(cek)
	ct, err := contentCipher(cek)
	if err != nil {
		return nil, err
	}
	env.Ciphertext = jws.Encode(ct.Seal(nil, make([]byte, ct.NonceSize()), plain, []byte(env.ID)))
	seen := map[string]bool{}
	for _, org := range recipients {
		if seen[org] {
			return nil, fmt.Errorf("seal: recipient %q is named twice", org)
		}
		seen[org] = true
		key, s, err := reg.sealKey(org, now.Time())
		if err != nil {
			return nil, fmt.Errorf("seal: %v", err)
		}
		wrapped, err := hpke.Seal(key.key.(hpke.PublicKey), s.kdf, s.aead, sealInfo(env.ID, s.name), cek)
		if err != nil {
			return nil, fmt.Errorf("seal to %q: %v", org, err)
		}
		env.Recipients = append(env.Recipients, envelopeRecipient{org, key.ID(), s.name, jws.Encode(wrapped)})
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	o, err := stix.ParseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("seal: %v", err)
	}
	return id.Sign(o)
}

// sealKey returns the key and suite an envelope made at t is sealed to org
// with, or why there is none.
func (r *Registry) sealKey(org string, t time.Time) (*PublicKey, suite, error) {
	key, err := r.encryptionKey(org, t)
	if err != nil {
		return nil, suite{}, err
	}
	s, ok := suiteForKEM(key.Algorithm())
	if !ok {
		return nil, suite{}, fmt.Errorf("key %q of %q is %s, not an HPKE key Rampart uses", key.ID(), org, key.Algorithm())
	}
	return key, s, nil
}

// CheckRecipient reports whether an envelope made at t can be sealed to the
// organisation org: it must be a member with a valid, unrevoked encryption
// key of a suite Rampart uses. The error says why not, for the record of a
// delivery that failed.
func (r *Registry) CheckRecipient(org string, t time.Time) error {
	_, _, err := r.sealKey(org, t)
	return err
}

// sealInfo is the HPKE info: it binds each wrapped key to its envelope and
// suite, so a wrapped key cannot be moved to another envelope.
func sealInfo(envID, suite string) []byte {
	return []byte("rampart sealed object v1\x00" + envID + "\x00" + suite)
}

func contentCipher(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func parseEnvelope(o *stix.Object) (*envelope, error) {
	if o.Type != SealedType {
		return nil, fmt.Errorf("%s %q is not a sealed envelope (%s)", o.Type, o.ID, SealedType)
	}
	var env envelope
	if err := json.Unmarshal(o.Raw, &env); err != nil {
		return nil, fmt.Errorf("sealed envelope %q: %v", o.ID, jsonText(err))
	}
	if env.Encryption != contentEncryption {
		return nil, fmt.Errorf("sealed envelope %q: encryption %q is not %q", o.ID, env.Encryption, contentEncryption)
	}
	if len(env.Recipients) == 0 || len(env.Recipients) > MaxRecipients {
		return nil, fmt.Errorf("sealed envelope %q: must address 1 to %d recipients (got %d)", o.ID, MaxRecipients, len(env.Recipients))
	}
	return &env, nil
}

// SealedRecipients returns the organisations a sealed envelope is addressed
// to. Relays route on it without opening the envelope.
func SealedRecipients(o *stix.Object) ([]string, error) {
	env, err := parseEnvelope(o)
	if err != nil {
		return nil, err
	}
	var orgs []string
	for _, r := range env.Recipients {
		orgs = append(orgs, r.Organization)
	}
	return orgs, nil
}

// Open decrypts a sealed envelope addressed to id and returns the objects
// inside, in the order they were sealed. It returns an error wrapping
// ErrNotRecipient when the envelope has no entry for id's encryption key,
// and an error saying the envelope was tampered with when decryption fails.
// Open does not verify signatures: verify the envelope before (to know who
// sent it) and each object after (to know who wrote it).
func (id *Identity) Open(o *stix.Object) ([]*stix.Object, error) {
	env, err := parseEnvelope(o)
	if err != nil {
		return nil, err
	}
	kid := id.pub[2].ID()
	i := slices.IndexFunc(env.Recipients, func(r envelopeRecipient) bool { return r.KeyID == kid })
	if i < 0 {
		var to []string
		for _, r := range env.Recipients {
			to = append(to, r.Organization)
		}
		return nil, fmt.Errorf("open %q: %w: it is addressed to %s, and key %q is not among theirs", o.ID, ErrNotRecipient, strings.Join(to, ", "), kid)
	}
	r := env.Recipients[i]
	s, ok := suiteForKEM(id.pub[2].Algorithm())
	if !ok || s.name != r.Suite {
		return nil, fmt.Errorf("open %q: recipient entry uses %q, but key %q needs %q", o.ID, r.Suite, kid, s.name)
	}
	wrapped, err := jws.Decode(r.EncryptedKey)
	if err != nil {
		return nil, fmt.Errorf("open %q: encrypted_key is %v", o.ID, err)
	}
	cek, err := hpke.Open(id.keys.kem, s.kdf, s.aead, sealInfo(env.ID, s.name), wrapped)
	if err != nil || len(cek) != 32 {
		return nil, fmt.Errorf("open %q: the content key does not decrypt with key %q (tampered envelope or wrong key)", o.ID, kid)
	}
	ct, err := jws.Decode(env.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("open %q: ciphertext is %v", o.ID, err)
	}
	aead, err := contentCipher(cek)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, make([]byte, aead.NonceSize()), ct, []byte(env.ID))
	if err != nil {
		return nil, fmt.Errorf("open %q: the content does not decrypt (tampered envelope)", o.ID)
	}
	var raws []jsontext.Value
	if err := json.Unmarshal(pt, &raws); err != nil {
		return nil, fmt.Errorf("open %q: the content is not a list of objects: %v", o.ID, jsonText(err))
	}
	if len(raws) == 0 || len(raws) > MaxSealedObjects {
		return nil, fmt.Errorf("open %q: the envelope carries %d objects; 1 to MaxSealedObjects (%d) are allowed", o.ID, len(raws), MaxSealedObjects)
	}
	out := make([]*stix.Object, len(raws))
	for i, raw := range raws {
		if out[i], err = stix.ParseObject(raw); err != nil {
			return nil, fmt.Errorf("open %q: object %d: %v", o.ID, i, err)
		}
	}
	return out, nil
}
