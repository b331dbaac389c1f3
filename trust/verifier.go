package trust

import (
	"context"
	"crypto/sha256"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/internal/parallel"
	"github.com/rampart-cti/rampart/stix"
)

// DefaultCacheSize is how many verified objects a Verifier remembers.
const DefaultCacheSize = 1 << 18

// Signed describes a verified object: who signed it, with which keys.
type Signed struct {
	ObjectID     string
	Organization *Organization
	// KeyIDs and Algorithms of the ML-DSA and the ECDSA signature, in that
	// order.
	KeyIDs     [2]string
	Algorithms [2]string
	// RegistryVersion is the registry version the object was checked
	// against.
	RegistryVersion int64
}

// Verifier checks signed objects against the trust registry and a policy.
// It holds the registry this node trusts now; UpdateRegistry replaces it
// (revocations then take effect at once) and only ever moves forward.
//
// A Verifier remembers the digests of objects it has verified under the
// current registry, so an object relayed to this node along several paths
// costs one verification (objects re-encoded on the way are verified
// again). The cache is emptied whenever the registry changes.
//
// A Verifier is safe for concurrent use. Set Now before first use, if at
// all.
type Verifier struct {
	// Now returns the current time; it defaults to time.Now. It decides
	// registry expiry and how far in the future an object's time may be.
	Now func() time.Time

	policy Policy
	state  atomic.Pointer[verifierState]
	mu     sync.Mutex // serialises registry changes
}

// verifierState is one registry with the cache of what was verified under
// it; replacing the state drops the cache with it, so a result computed
// under an old registry can never be cached under a new one.
type verifierState struct {
	reg   *Registry
	cache *digestCache
}

// NewVerifier returns a verifier that trusts reg and applies policy.
func NewVerifier(reg *Registry, policy Policy) *Verifier {
	v := &Verifier{policy: policy}
	v.state.Store(&verifierState{reg: reg, cache: newDigestCache(DefaultCacheSize)})
	return v
}

// Registry returns the registry trusted now.
func (v *Verifier) Registry() *Registry { return v.state.Load().reg }

// Policy returns the verifier's policy.
func (v *Verifier) Policy() Policy { return v.policy }

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// UpdateRegistry checks data as Registry.Update does against the registry
// trusted now and, if it is accepted, trusts it from now on. It also
// refuses, with an error wrapping ErrPolicy, a version issued further in
// the future than the policy's clock skew.
func (v *Verifier) UpdateRegistry(data []byte) (*Registry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cur := v.state.Load()
	next, err := cur.reg.Update(data)
	if err != nil {
		return nil, err
	}
	// A version issued in the future would also block every correct
	// version after it (Update refuses one issued earlier than the
	// trusted one), so an authority clock that is wrong, once, must not
	// stop the federation's updates.
	if skew := next.Issued().Sub(v.now()); skew > v.policy.MaxClockSkew {
		return nil, fmt.Errorf("registry version %d: %w: issued %s, %s in the future (policy allows %s)", next.Version(), ErrPolicy, next.Issued().Format(time.RFC3339), skew.Round(time.Second), v.policy.MaxClockSkew)
	}
	v.state.Store(&verifierState{reg: next, cache: newDigestCache(cur.cache.max)})
	return next, nil
}

// Verify checks o's signature. It succeeds when the object carries exactly
// two signatures, one ML-DSA and one ECDSA, with algorithms the policy
// allows, both verifying over the object's canonical form, both by keys the
// registry binds to the organisation in created_by_ref, not revoked and
// valid at the object's modified (else created) time, and when the registry
// has not expired and that time is not in the future beyond the policy's
// clock skew.
//
// Otherwise it returns a *SignatureError whose Unwrap gives the reason
// (ErrUnsigned, ErrMalformed, ErrBadSignature, ErrUnknownKey,
// ErrWrongSigner, ErrRevoked, ErrKeyNotValid, ErrPolicy,
// ErrRegistryExpired).
func (v *Verifier) Verify(o *stix.Object) (*Signed, error) {
	st := v.state.Load()
	if st.reg.Expired(v.now()) {
		return nil, sigErr(o.ID, ErrRegistryExpired, "registry version %d expired at %s; fetch a newer one", st.reg.Version(), st.reg.Expires().Format(time.RFC3339))
	}
	// The cache is keyed on the object's bytes as received: a hit costs one
	// hash. A relay that re-encodes the object costs a verification, never
	// a wrong answer.
	digest := sha256.Sum256(o.Raw)
	if s, ok := st.cache.get(digest); ok && s.ObjectID == o.ID {
		return s, nil
	}
	payload, ext, err := splitSignature(o.Raw)
	if err != nil {
		return nil, sigErr(o.ID, ErrMalformed, "%v", err)
	}
	if ext == nil {
		return nil, sigErr(o.ID, ErrUnsigned, "no extensions[%q]", ExtensionID)
	}
	s, err := v.verify(st.reg, o, payload, ext)
	if err != nil {
		return nil, err
	}
	st.cache.put(digest, s)
	return s, nil
}

func (v *Verifier) verify(reg *Registry, o *stix.Object, payload []byte, ext jsontext.Value) (*Signed, error) {
	var se signatureExtension
	if err := json.Unmarshal(ext, &se, json.RejectUnknownMembers(true)); err != nil {
		return nil, sigErr(o.ID, ErrMalformed, "extensions[%q]: %v", ExtensionID, jsonText(err))
	}
	if se.ExtensionType != "property-extension" {
		return nil, sigErr(o.ID, ErrMalformed, "extension_type must be \"property-extension\" (got %q)", se.ExtensionType)
	}
	if len(se.Signatures) != 2 {
		return nil, sigErr(o.ID, ErrPolicy, "exactly two signatures (one ML-DSA, one ECDSA) are required, found %d", len(se.Signatures))
	}
	if o.CreatedByRef == "" {
		return nil, sigErr(o.ID, ErrWrongSigner, "the object has no created_by_ref, so no organisation can be checked")
	}
	at := o.Version()
	if at.IsZero() {
		return nil, sigErr(o.ID, ErrMalformed, "the object has neither modified nor created")
	}
	if skew := at.Time().Sub(v.now()); skew > v.policy.MaxClockSkew {
		return nil, sigErr(o.ID, ErrPolicy, "modified %s is %s in the future (policy allows %s)", at, skew.Round(time.Second), v.policy.MaxClockSkew)
	}
	payloadB64 := jws.Encode(payload)
	s := &Signed{ObjectID: o.ID, RegistryVersion: reg.Version()}
	for i, sig := range se.Signatures {
		if sig.Header != nil {
			return nil, sigErr(o.ID, ErrMalformed, "signatures[%d] has an unprotected header, which the signature would not cover", i)
		}
		h, err := sig.DecodeHeader()
		if err != nil {
			return nil, sigErr(o.ID, ErrMalformed, "signatures[%d]: %v", i, err)
		}
		if h.Typ != typObject {
			return nil, sigErr(o.ID, ErrPolicy, "signatures[%d]: typ %q is not %q", i, h.Typ, typObject)
		}
		if !v.policy.allows(h.Alg) {
			return nil, sigErr(o.ID, ErrPolicy, "signatures[%d]: algorithm %s is not allowed (policy allows %v)", i, h.Alg, v.policy.Algorithms)
		}
		slot := 1
		if isPQ(h.Alg) {
			slot = 0
		}
		if s.Algorithms[slot] != "" {
			return nil, sigErr(o.ID, ErrPolicy, "two %s signatures; one ML-DSA and one ECDSA are required", map[int]string{0: "ML-DSA", 1: "ECDSA"}[slot])
		}
		key, org, err := reg.signingKey(h.Kid, h.Alg, o.CreatedByRef, at.Time())
		if err != nil {
			return nil, &SignatureError{ID: o.ID, Err: unwrapDetail(err), Reason: fmt.Sprintf("signatures[%d]: %v", i, err)}
		}
		if err := sig.Verify(h.Alg, key.key, payloadB64); err != nil {
			return nil, sigErr(o.ID, ErrBadSignature, "signatures[%d]: %s signature by key %q of %s does not verify over the object (changed after signing?)", i, h.Alg, h.Kid, org.Name)
		}
		s.Organization = org
		s.KeyIDs[slot], s.Algorithms[slot] = h.Kid, h.Alg
	}
	return s, nil
}

func unwrapDetail(err error) error {
	if d, ok := err.(*detailErr); ok {
		return d.err
	}
	return err
}

// Result is the outcome of verifying one object of a batch.
type Result struct {
	Signed *Signed
	Err    error
}

// VerifyObjects verifies objs in parallel on all cores (GOMAXPROCS workers)
// and returns one Result per object, in order. Objects already verified
// under the current registry come from the cache. When ctx is cancelled,
// the objects not yet verified get ctx's error.
func (v *Verifier) VerifyObjects(ctx context.Context, objs []*stix.Object) []Result {
	out := make([]Result, len(objs))
	parallel.Each(len(objs), func(i int) {
		if err := ctx.Err(); err != nil {
			out[i].Err = err
			return
		}
		out[i].Signed, out[i].Err = v.Verify(objs[i])
	})
	return out
}

// digestCache remembers verified objects by digest. It holds at most about
// max entries in two generations: when the current one is full it becomes
// the old one and the previous old one is dropped, so recently used entries
// survive and memory stays bounded without per-entry bookkeeping.
type digestCache struct {
	mu       sync.Mutex
	max      int
	cur, old map[[32]byte]*Signed
}

func newDigestCache(max int) *digestCache {
	return &digestCache{max: max, cur: make(map[[32]byte]*Signed)}
}

func (c *digestCache) get(d [32]byte) (*Signed, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.cur[d]; ok {
		return s, true
	}
	if s, ok := c.old[d]; ok {
		c.putLocked(d, s)
		return s, true
	}
	return nil, false
}

func (c *digestCache) put(d [32]byte, s *Signed) {
	c.mu.Lock()
	c.putLocked(d, s)
	c.mu.Unlock()
}

func (c *digestCache) putLocked(d [32]byte, s *Signed) {
	if len(c.cur) >= c.max/2 {
		c.old, c.cur = c.cur, make(map[[32]byte]*Signed, len(c.cur))
	}
	c.cur[d] = s
}

// Received is what a node keeps of one object it received from a peer.
type Received struct {
	// Object is the object received, with Signed saying who signed it,
	// when it is to be stored as it came: an object in clear, or a
	// sealed envelope not addressed to this node, kept unopened to be
	// relayed. It is nil when Objects holds what to store.
	Object *stix.Object
	Signed *Signed
	// Objects are the objects inside a sealed envelope addressed to this
	// node, not verified yet: verify each (VerifyObjects) before storing
	// it.
	Objects []*stix.Object
	// Envelope is the sealed envelope Objects came in, nil when nothing
	// was opened. A node that opened it does not forward it (a hub does,
	// to its other recipients).
	Envelope *stix.Object
}

// Receive checks an object received from a peer, the way federation stores
// it: the object's signature must verify, and a sealed envelope addressed
// to id (which may be nil on a node that opens nothing) is opened. An
// envelope not addressed to id is returned as it is, to be stored and
// forwarded unopened. Errors are as for Verify, and those of Identity.Open
// for an envelope that is addressed to id but does not open.
func (v *Verifier) Receive(o *stix.Object, id *Identity) (*Received, error) {
	s, err := v.Verify(o)
	if err != nil {
		return nil, err
	}
	if o.Type != SealedType || id == nil {
		return &Received{Object: o, Signed: s}, nil
	}
	inner, err := id.Open(o)
	if errors.Is(err, ErrNotRecipient) {
		return &Received{Object: o, Signed: s}, nil
	}
	if err != nil {
		return nil, err
	}
	return &Received{Objects: inner, Envelope: o}, nil
}
