package trust

import (
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart/stix"
)

// Reasons a signature, a registry or a sealed envelope is refused. Errors
// returned by this package wrap one of them, so callers can count rejections
// by kind with errors.Is while showing the full text to people.
var (
	// ErrUnsigned: the object carries no Rampart signature extension.
	ErrUnsigned = errors.New("object is not signed")
	// ErrMalformed: the signature extension or envelope is not well formed.
	ErrMalformed = errors.New("malformed signature")
	// ErrBadSignature: a signature does not verify over the object (it was
	// changed after signing, or the signature was forged).
	ErrBadSignature = errors.New("signature does not verify")
	// ErrUnknownKey: a signature names a key the registry does not list.
	ErrUnknownKey = errors.New("key is not in the registry")
	// ErrWrongSigner: the key belongs to another organisation than the
	// object's creator (created_by_ref).
	ErrWrongSigner = errors.New("key does not belong to the object's creator")
	// ErrRevoked: the registry revokes the key.
	ErrRevoked = errors.New("key is revoked")
	// ErrKeyNotValid: the key's validity period does not cover the object's
	// modified time.
	ErrKeyNotValid = errors.New("key is not valid at the object's time")
	// ErrPolicy: an algorithm or combination the policy does not allow.
	ErrPolicy = errors.New("refused by policy")
	// ErrRegistryExpired: the registry in use is past its expiry; a newer
	// one must be fetched before anything is accepted again.
	ErrRegistryExpired = errors.New("registry has expired")
	// ErrQuorum: a registry lacks signatures from enough authority members.
	ErrQuorum = errors.New("registry is not signed by a quorum of authority keys")
	// ErrStaleRegistry: a registry update is not newer than the one trusted.
	ErrStaleRegistry = errors.New("registry is not newer than the trusted one")
	// ErrNotRecipient: a sealed envelope has no entry for this identity.
	ErrNotRecipient = errors.New("not a recipient of the sealed object")
)

// SignatureError is the refusal of one object's signature. Its text names the
// object and says why; Unwrap returns one of the Err… reasons above.
type SignatureError struct {
	ID     string // the object's id
	Err    error  // one of the Err… reasons
	Reason string // the details, in words
}

func (e *SignatureError) Error() string {
	who := e.ID
	if t := stix.IDType(e.ID); t != "" {
		who = fmt.Sprintf("%s %q", t, e.ID)
	}
	if e.Reason == "" {
		return fmt.Sprintf("%s: %v", who, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", who, e.Err, e.Reason)
}

func (e *SignatureError) Unwrap() error { return e.Err }

func sigErr(id string, err error, format string, args ...any) *SignatureError {
	return &SignatureError{ID: id, Err: err, Reason: fmt.Sprintf(format, args...)}
}
