package trust

import (
	"bytes"
	"crypto/sha256"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/stix"
)

// MaxRegistryBytes is the largest registry document accepted.
const MaxRegistryBytes = 8 << 20

// JWS "typ" values: they separate the three things Rampart keys sign, so a
// signature made for one can never be passed off as another.
const (
	typObject   = "rampart-object+jws"
	typRegistry = "rampart-registry+jws"
	typNodeAuth = "rampart-node-auth+jws"
)

// Role is an organisation's place in the federation.
type Role string

// Roles.
const (
	// RoleNationalCSIRT is a member state's CSIRT running a node.
	RoleNationalCSIRT Role = "national-csirt"
	// RoleHub relays between nodes; it stores and forwards sealed
	// envelopes it cannot open.
	RoleHub Role = "hub"
	// RoleObserver receives what is shared with the whole community
	// (TLP:CLEAR and TLP:GREEN) and nothing more unless addressed.
	RoleObserver Role = "observer"
)

func (r Role) valid() bool {
	return r == RoleNationalCSIRT || r == RoleHub || r == RoleObserver
}

// Organization is one member of the federation as the registry lists it.
type Organization struct {
	// ID is the organisation's STIX identity id; objects it creates name
	// it in created_by_ref.
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"` // ISO 3166-1 alpha-2, or "EU"
	Role    Role   `json:"role"`
	// Nodes are the base URLs of the organisation's nodes (https).
	Nodes []string `json:"nodes,omitempty"`
	// Keys are the organisation's keys, current and past: signing keys
	// (ML-DSA and ECDSA) and HPKE keys that receive sealed objects.
	Keys []*PublicKey `json:"keys"`
}

// Revocation withdraws a key. A revoked key verifies nothing whose time is
// at or after Since; with Since zero (the default, and the only safe choice
// after a compromise, since a thief can backdate) it verifies nothing at all.
type Revocation struct {
	KeyID  string    `json:"kid"`
	Since  time.Time `json:"since,omitzero"`
	Reason string    `json:"reason"`
	// Date is when the authority recorded the revocation.
	Date time.Time `json:"date"`
}

// Revocation reasons.
const (
	ReasonKeyCompromise = "key-compromise"
	ReasonSuperseded    = "superseded"
	ReasonCessation     = "cessation-of-operation"
	ReasonUnspecified   = "unspecified"
)

// AuthorityMember is one holder of registry authority keys: an ML-DSA and an
// ECDSA key, both of which must sign for the member to count toward the
// threshold.
type AuthorityMember struct {
	Name string       `json:"name"`
	Keys []*PublicKey `json:"keys"`
}

// RegistryDocument is a registry as it is edited and signed: the list of
// organisations, their keys and revocations, and the authority that signs
// it. Nothing in a RegistryDocument is trusted; a Registry is what comes out
// of checking one.
//
// A RegistryDocument is not safe for concurrent use.
type RegistryDocument struct {
	// Version increases with every published change; nodes accept only a
	// newer version than the one they trust.
	Version int64     `json:"version"`
	Issued  time.Time `json:"issued"`
	// Expires, when set, is when nodes stop accepting objects under this
	// version until they fetch a newer one: an attacker who withholds
	// updates (and so revocations) can do so only until then.
	Expires time.Time `json:"expires,omitzero"`
	// Threshold is how many authority members must sign (k of n).
	Threshold     int                `json:"threshold"`
	Authorities   []*AuthorityMember `json:"authorities"`
	Organizations []*Organization    `json:"organizations"`
	Revocations   []*Revocation      `json:"revocations,omitempty"`

	payload    string // base64url payload the signatures cover
	signatures []jws.Signature
}

// registryFile is the registry's wire form: a JWS in the general JSON
// serialisation with the document as attached payload. A draft has no
// signatures yet.
type registryFile struct {
	Payload    string          `json:"payload"`
	Signatures []jws.Signature `json:"signatures"`
}

// NewRegistryDocument returns version 1 of a registry with no organisations,
// signed by threshold of the authority members.
func NewRegistryDocument(threshold int, authorities []*AuthorityMember, now time.Time) (*RegistryDocument, error) {
	d := &RegistryDocument{Version: 1, Issued: now.UTC().Truncate(time.Second), Threshold: threshold, Authorities: authorities, Organizations: []*Organization{}}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// ParseRegistryDocument reads a registry file without checking any
// signature.
func ParseRegistryDocument(data []byte) (*RegistryDocument, error) {
	if len(data) > MaxRegistryBytes {
		return nil, fmt.Errorf("registry: larger than MaxRegistryBytes (%d)", MaxRegistryBytes)
	}
	var f registryFile
	if err := json.Unmarshal(data, &f, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("registry: not a registry file (a JWS with \"payload\" and \"signatures\"): %v", jsonText(err))
	}
	if len(f.Signatures) > 2*maxAuthorities {
		return nil, fmt.Errorf("registry: %d signatures, more than two per authority member allows", len(f.Signatures))
	}
	payload, err := jws.Decode(f.Payload)
	if err != nil {
		return nil, fmt.Errorf(`registry: "payload" is %v`, err)
	}
	var d RegistryDocument
	if err := json.Unmarshal(payload, &d, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("registry: %v", jsonText(err))
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	d.payload, d.signatures = f.Payload, f.Signatures
	return &d, nil
}

// Marshal returns the registry file: the canonical (RFC 8785) document as
// the JWS payload, with the signatures made so far.
func (d *RegistryDocument) Marshal() ([]byte, error) {
	if _, err := d.syncPayload(); err != nil {
		return nil, err
	}
	sigs := d.signatures
	if sigs == nil {
		sigs = []jws.Signature{}
	}
	return json.Marshal(registryFile{d.payload, sigs}, json.Deterministic(true), jsontext.WithIndent("  "))
}

// syncPayload re-encodes the document and drops the signatures when it
// changed since they were made.
func (d *RegistryDocument) syncPayload() (string, error) {
	if err := d.check(); err != nil {
		return "", err
	}
	raw, err := json.Marshal(d, json.Deterministic(true))
	if err != nil {
		return "", err
	}
	v := jsontext.Value(raw)
	if err := v.Canonicalize(); err != nil {
		return "", err
	}
	p := jws.Encode(v)
	if p != d.payload {
		d.payload, d.signatures = p, nil
	}
	return p, nil
}

// JSON returns the document (the payload) as indented JSON, for people.
func (d *RegistryDocument) JSON() ([]byte, error) {
	return json.Marshal(d, json.Deterministic(true), jsontext.WithIndent("  "))
}

// edit starts a change: a document that was signed becomes the next
// version, unsigned, issued now. A version that expires keeps the same
// period of validity from its new issue time: otherwise an edit late in a
// version's life would publish one that expires almost at once (or, once
// the old expiry has passed, could not be made at all), and an expired
// registry stops every node from taking anything.
func (d *RegistryDocument) edit(now time.Time) {
	if len(d.signatures) > 0 {
		d.Version++
		d.signatures = nil
	}
	issued := now.UTC().Truncate(time.Second)
	if !d.Expires.IsZero() {
		d.Expires = issued.Add(d.Expires.Sub(d.Issued))
	}
	d.Issued = issued
}

// SetOrganization adds o, or replaces the organisation with o's id.
func (d *RegistryDocument) SetOrganization(o *Organization, now time.Time) error {
	if err := checkOrganization(o); err != nil {
		return err
	}
	d.edit(now)
	for i, x := range d.Organizations {
		if x.ID == o.ID {
			d.Organizations[i] = o
			return d.check()
		}
	}
	d.Organizations = append(d.Organizations, o)
	return d.check()
}

// Organization returns the organisation with id, or nil.
func (d *RegistryDocument) Organization(id string) *Organization {
	for _, o := range d.Organizations {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// Revoke records the revocation of key kid. The key must be listed (for an
// organisation or an authority member) and not already revoked.
func (d *RegistryDocument) Revoke(kid string, since time.Time, reason string, now time.Time) error {
	if !validReason(reason) {
		return fmt.Errorf("revoke: unknown reason %q (want %s, %s, %s or %s)", reason, ReasonKeyCompromise, ReasonSuperseded, ReasonCessation, ReasonUnspecified)
	}
	if d.findKey(kid) == nil {
		return fmt.Errorf("revoke: key %q is not in registry version %d", kid, d.Version)
	}
	for _, r := range d.Revocations {
		if r.KeyID == kid {
			return fmt.Errorf("revoke: key %q is already revoked (%s, %s)", kid, r.Reason, r.Date.Format(time.RFC3339))
		}
	}
	d.edit(now)
	d.Revocations = append(d.Revocations, &Revocation{KeyID: kid, Since: since.UTC(), Reason: reason, Date: now.UTC().Truncate(time.Second)})
	return nil
}

func (d *RegistryDocument) findKey(kid string) *PublicKey {
	for _, o := range d.Organizations {
		for _, k := range o.Keys {
			if k.ID() == kid {
				return k
			}
		}
	}
	for _, a := range d.Authorities {
		for _, k := range a.Keys {
			if k.ID() == kid {
				return k
			}
		}
	}
	return nil
}

// Sign adds the signatures of authority member id (one per key) to the
// document, replacing earlier ones by the same keys. id's signing keys must
// be those of one of the document's authority members.
func (d *RegistryDocument) Sign(id *Identity) error {
	m := d.memberOf(id)
	if m == nil {
		return fmt.Errorf("sign registry: keys %s and %s are not those of an authority member of version %d", id.pub[0].ID(), id.pub[1].ID(), d.Version)
	}
	payload, err := d.syncPayload()
	if err != nil {
		return err
	}
	raw, _ := jws.Decode(payload)
	g, err := jws.Sign(raw, typRegistry, id.keys.pq, id.keys.ec)
	if err != nil {
		return err
	}
	d.signatures = slices.DeleteFunc(d.signatures, func(s jws.Signature) bool {
		h, err := s.DecodeHeader()
		return err == nil && (h.Kid == id.keys.pq.KeyID() || h.Kid == id.keys.ec.KeyID())
	})
	d.signatures = append(d.signatures, g.Signatures...)
	return nil
}

func (d *RegistryDocument) memberOf(id *Identity) *AuthorityMember {
	for _, m := range d.Authorities {
		has := func(kid string) bool {
			return slices.ContainsFunc(m.Keys, func(k *PublicKey) bool { return k.ID() == kid })
		}
		if has(id.keys.pq.KeyID()) && has(id.keys.ec.KeyID()) {
			return m
		}
	}
	return nil
}

// Signers returns the names of the authority members among members (with the
// document's revocations applied) whose two signatures both verify, and a
// description of every signature that does not count.
func (d *RegistryDocument) signers(members []*AuthorityMember, revoked func(kid string) bool) (names, problems []string) {
	if _, err := jws.Decode(d.payload); err != nil || d.payload == "" {
		return nil, []string{"no payload"}
	}
	valid := map[string]bool{}
	for i, s := range d.signatures {
		h, err := s.DecodeHeader()
		if err != nil {
			problems = append(problems, fmt.Sprintf("signatures[%d]: %v", i, err))
			continue
		}
		if h.Typ != typRegistry {
			problems = append(problems, fmt.Sprintf("signatures[%d]: typ %q is not %q", i, h.Typ, typRegistry))
			continue
		}
		var key *PublicKey
		var who string
		for _, m := range members {
			for _, k := range m.Keys {
				if k.ID() == h.Kid {
					key, who = k, m.Name
				}
			}
		}
		switch {
		case key == nil:
			problems = append(problems, fmt.Sprintf("signatures[%d]: key %q is not a trusted authority key", i, h.Kid))
			continue
		case revoked(h.Kid):
			problems = append(problems, fmt.Sprintf("signatures[%d]: authority key %q of %s is revoked", i, h.Kid, who))
			continue
		case !key.ValidAt(d.Issued):
			problems = append(problems, fmt.Sprintf("signatures[%d]: authority key %q of %s is not valid at %s", i, h.Kid, who, d.Issued.Format(time.RFC3339)))
			continue
		case h.Alg != key.Algorithm():
			problems = append(problems, fmt.Sprintf("signatures[%d]: alg %q but key %q is %s", i, h.Alg, h.Kid, key.Algorithm()))
			continue
		}
		if err := s.Verify(h.Alg, key.key, d.payload); err != nil {
			problems = append(problems, fmt.Sprintf("signatures[%d]: %s signature by %s does not verify", i, h.Alg, who))
			continue
		}
		valid[h.Kid] = true
	}
	for _, m := range members {
		all := len(m.Keys) > 0
		for _, k := range m.Keys {
			all = all && valid[k.ID()]
		}
		if all {
			names = append(names, m.Name)
		}
	}
	return names, problems
}

// Limits on a registry's contents.
const (
	maxAuthorities   = 32
	maxOrganizations = 10000
	maxKeysPerOrg    = 64
)

// check enforces the document's rules: every failure names the field.
func (d *RegistryDocument) check() error {
	if d.Version < 1 {
		return fmt.Errorf("registry: version must be at least 1 (got %d)", d.Version)
	}
	if d.Issued.IsZero() {
		return errors.New("registry: issued is required")
	}
	if !d.Expires.IsZero() && !d.Expires.After(d.Issued) {
		return fmt.Errorf("registry: expires (%s) must be later than issued (%s)", d.Expires.Format(time.RFC3339), d.Issued.Format(time.RFC3339))
	}
	if len(d.Authorities) == 0 || len(d.Authorities) > maxAuthorities {
		return fmt.Errorf("registry: authorities must list 1 to %d members (got %d)", maxAuthorities, len(d.Authorities))
	}
	if d.Threshold < 1 || d.Threshold > len(d.Authorities) {
		return fmt.Errorf("registry: threshold must be between 1 and the %d authority members (got %d)", len(d.Authorities), d.Threshold)
	}
	if len(d.Organizations) > maxOrganizations {
		return fmt.Errorf("registry: more than %d organisations", maxOrganizations)
	}
	kids := map[string]string{}
	addKid := func(kid, owner string) error {
		if prev, ok := kids[kid]; ok {
			return fmt.Errorf("registry: key %q is listed twice (%s and %s)", kid, prev, owner)
		}
		kids[kid] = owner
		return nil
	}
	names := map[string]bool{}
	for i, m := range d.Authorities {
		if m == nil || m.Name == "" {
			return fmt.Errorf("registry: authorities[%d]: name is required", i)
		}
		if names[m.Name] {
			return fmt.Errorf("registry: authority member %q is listed twice", m.Name)
		}
		names[m.Name] = true
		var pq, ec int
		for _, k := range m.Keys {
			switch {
			case k == nil || k.Use() != UseSig:
				return fmt.Errorf("registry: authority %q: only signing keys belong to an authority member", m.Name)
			case isPQ(k.Algorithm()):
				pq++
			case isClassical(k.Algorithm()):
				ec++
			}
			if err := addKid(k.ID(), "authority "+m.Name); err != nil {
				return err
			}
		}
		if pq != 1 || ec != 1 {
			return fmt.Errorf("registry: authority %q must have one ML-DSA and one ECDSA key (got %d and %d)", m.Name, pq, ec)
		}
	}
	ids := map[string]bool{}
	for _, o := range d.Organizations {
		if o == nil {
			return errors.New("registry: organizations must not hold null")
		}
		if err := checkOrganization(o); err != nil {
			return err
		}
		if ids[o.ID] {
			return fmt.Errorf("registry: organisation %q is listed twice", o.ID)
		}
		ids[o.ID] = true
		for _, k := range o.Keys {
			if err := addKid(k.ID(), o.Name); err != nil {
				return err
			}
		}
	}
	for i, r := range d.Revocations {
		if r == nil || r.KeyID == "" {
			return fmt.Errorf("registry: revocations[%d]: kid is required", i)
		}
		if !validReason(r.Reason) {
			return fmt.Errorf("registry: revocations[%d]: unknown reason %q", i, r.Reason)
		}
	}
	return nil
}

func checkOrganization(o *Organization) error {
	if typ, _, err := stix.ParseID(o.ID); err != nil || typ != "identity" {
		return fmt.Errorf("registry: organisation id must be \"identity--UUID\" (got %q)", o.ID)
	}
	who := fmt.Sprintf("registry: organisation %q", o.ID)
	if strings.TrimSpace(o.Name) == "" {
		return fmt.Errorf("%s: name is required", who)
	}
	if !validCountry(o.Country) {
		return fmt.Errorf("%s: country must be an ISO 3166-1 alpha-2 code in upper case or \"EU\" (got %q)", who, o.Country)
	}
	if !o.Role.valid() {
		return fmt.Errorf("%s: role must be %q, %q or %q (got %q)", who, RoleNationalCSIRT, RoleHub, RoleObserver, o.Role)
	}
	for _, n := range o.Nodes {
		u, err := url.Parse(n)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("%s: node URL must be https://host[:port]/... (got %q)", who, n)
		}
	}
	if len(o.Keys) == 0 || len(o.Keys) > maxKeysPerOrg {
		return fmt.Errorf("%s: must list 1 to %d keys (got %d)", who, maxKeysPerOrg, len(o.Keys))
	}
	for _, k := range o.Keys {
		if k == nil {
			return fmt.Errorf("%s: keys must not hold null", who)
		}
	}
	return nil
}

func validCountry(c string) bool {
	return len(c) == 2 && 'A' <= c[0] && c[0] <= 'Z' && 'A' <= c[1] && c[1] <= 'Z'
}

func validReason(r string) bool {
	switch r {
	case ReasonKeyCompromise, ReasonSuperseded, ReasonCessation, ReasonUnspecified:
		return true
	}
	return false
}

// Registry is a registry document whose signatures have been checked: who is
// who in the federation. It answers which organisation a key belongs to and
// whether the key may be used at a given time.
//
// A Registry proves only that a quorum of its authority signed it. Whether
// that authority is the right one is established by the caller: either by
// comparing AuthorityFingerprint with a value obtained out of band (first
// use), or by getting the registry from Update of one already trusted.
//
// A Registry is immutable and safe for concurrent use.
type Registry struct {
	doc     *RegistryDocument
	raw     []byte
	signers []string
	orgs    map[string]*Organization
	keys    map[string]*Organization // kid -> owner (organisations only)
	byKid   map[string]*PublicKey
	revoked map[string]*Revocation
}

// ParseRegistry reads a registry file and checks that it is signed by at
// least Threshold of its own authority members (each with both keys). See
// Registry for what that does and does not establish.
func ParseRegistry(data []byte) (*Registry, error) {
	d, err := ParseRegistryDocument(data)
	if err != nil {
		return nil, err
	}
	return newRegistry(d, data)
}

func newRegistry(d *RegistryDocument, raw []byte) (*Registry, error) {
	if d.payload == "" {
		return nil, fmt.Errorf("registry version %d: %w (no payload)", d.Version, ErrQuorum)
	}
	revoked := map[string]*Revocation{}
	for _, r := range d.Revocations {
		revoked[r.KeyID] = r
	}
	names, problems := d.signers(d.Authorities, func(kid string) bool { return revoked[kid] != nil })
	if len(names) < d.Threshold {
		return nil, quorumError(d, d.Threshold, names, problems, "its own")
	}
	r := &Registry{doc: d, raw: bytes.Clone(raw), signers: names, orgs: map[string]*Organization{}, keys: map[string]*Organization{}, byKid: map[string]*PublicKey{}, revoked: revoked}
	for _, o := range d.Organizations {
		r.orgs[o.ID] = o
		for _, k := range o.Keys {
			r.keys[k.ID()] = o
			r.byKid[k.ID()] = k
		}
	}
	return r, nil
}

func quorumError(d *RegistryDocument, k int, names, problems []string, whose string) error {
	msg := fmt.Sprintf("registry version %d: %v: valid signatures from %d of the %d authority members required by %s authority", d.Version, ErrQuorum, len(names), k, whose)
	if len(names) > 0 {
		msg += " (" + strings.Join(names, ", ") + ")"
	}
	if len(problems) > 0 {
		msg += "; " + strings.Join(problems, "; ")
	}
	return &quorumErr{msg}
}

type quorumErr struct{ msg string }

func (e *quorumErr) Error() string { return e.msg }
func (e *quorumErr) Unwrap() error { return ErrQuorum }

// Update checks a newer registry against r, the one trusted now, and returns
// it. The new version must be greater than r's, be signed by a quorum of r's
// authority members (the keys this node already trusts, so one stolen key
// cannot rewrite membership) and also by a quorum of its own authority
// members (so an authority change is accepted only when the new authority
// can act). It returns an error wrapping ErrStaleRegistry or ErrQuorum
// otherwise.
func (r *Registry) Update(data []byte) (*Registry, error) {
	d, err := ParseRegistryDocument(data)
	if err != nil {
		return nil, err
	}
	if d.Version <= r.doc.Version {
		return nil, fmt.Errorf("registry version %d: %w: this node trusts version %d", d.Version, ErrStaleRegistry, r.doc.Version)
	}
	if d.Issued.Before(r.doc.Issued) {
		return nil, fmt.Errorf("registry version %d: %w: issued %s, before the trusted version %d (%s)", d.Version, ErrStaleRegistry, d.Issued.Format(time.RFC3339), r.doc.Version, r.doc.Issued.Format(time.RFC3339))
	}
	names, problems := d.signers(r.doc.Authorities, func(kid string) bool { return r.revoked[kid] != nil })
	if len(names) < r.doc.Threshold {
		return nil, quorumError(d, r.doc.Threshold, names, problems, fmt.Sprintf("the trusted version %d's", r.doc.Version))
	}
	return newRegistry(d, data)
}

// Version returns the registry's version.
func (r *Registry) Version() int64 { return r.doc.Version }

// Issued returns when the registry version was issued.
func (r *Registry) Issued() time.Time { return r.doc.Issued }

// Expired reports whether the registry is past its expiry at now.
func (r *Registry) Expired(now time.Time) bool {
	return !r.doc.Expires.IsZero() && !now.Before(r.doc.Expires)
}

// Expires returns the expiry, zero when there is none.
func (r *Registry) Expires() time.Time { return r.doc.Expires }

// Signers returns the names of the authority members whose signatures
// verified.
func (r *Registry) Signers() []string { return slices.Clone(r.signers) }

// Threshold returns k of the k-of-n authority.
func (r *Registry) Threshold() int { return r.doc.Threshold }

// Authorities returns the authority members.
func (r *Registry) Authorities() []*AuthorityMember { return slices.Clone(r.doc.Authorities) }

// Organizations returns the member organisations in registry order.
func (r *Registry) Organizations() []*Organization { return slices.Clone(r.doc.Organizations) }

// Organization returns the organisation with STIX identity id, or nil.
func (r *Registry) Organization(id string) *Organization { return r.orgs[id] }

// Revocations returns the revocations.
func (r *Registry) Revocations() []*Revocation { return slices.Clone(r.doc.Revocations) }

// Revocation returns the revocation of key kid, or nil.
func (r *Registry) Revocation(kid string) *Revocation { return r.revoked[kid] }

// Key returns the organisation key kid and its owner, or nils.
func (r *Registry) Key(kid string) (*PublicKey, *Organization) { return r.byKid[kid], r.keys[kid] }

// Bytes returns the registry file as received, for storing and passing on.
func (r *Registry) Bytes() []byte { return bytes.Clone(r.raw) }

// Digest returns the SHA-256 of the signed payload, base64url: two nodes
// with the same digest hold the same registry.
func (r *Registry) Digest() string {
	raw, _ := jws.Decode(r.doc.payload)
	sum := sha256.Sum256(raw)
	return jws.Encode(sum[:])
}

// AuthorityFingerprint identifies the authority (its threshold and the ids
// of all its keys), for comparison out of band before a registry is trusted
// for the first time: "SHA256:" and a base64url digest.
func (r *Registry) AuthorityFingerprint() string { return authorityFingerprint(r.doc) }

// AuthorityFingerprint is Registry.AuthorityFingerprint for an unchecked
// document.
func (d *RegistryDocument) AuthorityFingerprint() string { return authorityFingerprint(d) }

func authorityFingerprint(d *RegistryDocument) string {
	var kids []string
	for _, m := range d.Authorities {
		for _, k := range m.Keys {
			kids = append(kids, k.ID())
		}
	}
	slices.Sort(kids)
	b, _ := json.Marshal(map[string]any{"threshold": d.Threshold, "keys": kids}, json.Deterministic(true))
	sum := sha256.Sum256(b)
	return "SHA256:" + jws.Encode(sum[:])
}

// TrustRegistry parses a registry for a node that trusts none yet: the
// registry must be signed by a quorum of its authority and its authority's
// fingerprint must equal fingerprint, obtained out of band.
func TrustRegistry(data []byte, fingerprint string) (*Registry, error) {
	r, err := ParseRegistry(data)
	if err != nil {
		return nil, err
	}
	if got := r.AuthorityFingerprint(); got != fingerprint {
		return nil, fmt.Errorf("registry version %d: authority fingerprint is %s, not the expected %s", r.Version(), got, fingerprint)
	}
	return r, nil
}

// signingKey returns the key kid if the registry lets it sign, with
// algorithm alg, for organisation org at time at; otherwise an error
// wrapping ErrUnknownKey, ErrWrongSigner, ErrRevoked, ErrKeyNotValid or
// ErrPolicy with the details.
func (r *Registry) signingKey(kid, alg, org string, at time.Time) (*PublicKey, *Organization, error) {
	k, owner := r.byKid[kid], r.keys[kid]
	if k == nil {
		return nil, nil, detail(ErrUnknownKey, "key %q is not in registry version %d", kid, r.doc.Version)
	}
	if owner.ID != org {
		return nil, nil, detail(ErrWrongSigner, "key %q belongs to %s (%s), not to %q", kid, owner.Name, owner.ID, org)
	}
	if rev := r.revoked[kid]; rev != nil && (rev.Since.IsZero() || !at.Before(rev.Since)) {
		since := "for all times"
		if !rev.Since.IsZero() {
			since = "since " + rev.Since.Format(time.RFC3339)
		}
		return nil, nil, detail(ErrRevoked, "key %q of %s was revoked (%s) %s", kid, owner.Name, rev.Reason, since)
	}
	if k.Use() != UseSig {
		return nil, nil, detail(ErrPolicy, "key %q of %s is an encryption key, not a signing key", kid, owner.Name)
	}
	if k.Algorithm() != alg {
		return nil, nil, detail(ErrPolicy, "signature says %s but key %q is %s", alg, kid, k.Algorithm())
	}
	if !k.ValidAt(at) {
		return nil, nil, detail(ErrKeyNotValid, "key %q of %s is valid %s, not at %s", kid, owner.Name, validityText(k), at.Format(time.RFC3339Nano))
	}
	return k, owner, nil
}

// encryptionKey returns the newest HPKE key of org valid at t and not
// revoked.
func (r *Registry) encryptionKey(org string, t time.Time) (*PublicKey, error) {
	o := r.orgs[org]
	if o == nil {
		return nil, fmt.Errorf("organisation %q is not in registry version %d", org, r.doc.Version)
	}
	best := r.newestKey(o, t, func(k *PublicKey) bool { return k.Use() == UseEnc })
	if best == nil {
		return nil, fmt.Errorf("organisation %s (%s) has no valid encryption key in registry version %d", o.Name, org, r.doc.Version)
	}
	return best, nil
}

// newestKey returns the key of o that match takes, valid and not revoked
// at t, that became valid last; nil when there is none.
func (r *Registry) newestKey(o *Organization, t time.Time, match func(*PublicKey) bool) *PublicKey {
	var best *PublicKey
	for _, k := range o.Keys {
		if !match(k) || !k.ValidAt(t) {
			continue
		}
		if rev := r.revoked[k.ID()]; rev != nil && (rev.Since.IsZero() || !t.Before(rev.Since)) {
			continue
		}
		if best == nil || k.NotBefore.After(best.NotBefore) {
			best = k
		}
	}
	return best
}

func validityText(k *PublicKey) string {
	from, to := "always", "ever"
	if !k.NotBefore.IsZero() {
		from = k.NotBefore.Format(time.RFC3339)
	}
	if !k.NotAfter.IsZero() {
		to = k.NotAfter.Format(time.RFC3339)
	}
	return "from " + from + " until " + to
}

// detailErr is an error with a reason sentinel and words.
type detailErr struct {
	err error
	msg string
}

func (e *detailErr) Error() string { return e.msg }
func (e *detailErr) Unwrap() error { return e.err }

func detail(err error, format string, args ...any) error {
	return &detailErr{err, fmt.Sprintf(format, args...)}
}

func jsonText(err error) string {
	s := err.Error()
	for _, p := range []string{"json: ", "jsontext: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}
