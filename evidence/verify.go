package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// ErrInvalid is wrapped by every error that says a package does not
// verify: a digest, a signature, a link or a time that is wrong.
var ErrInvalid = errors.New("evidence package does not verify")

// DefaultClockSkew is how far in the future a recorded time may lie.
const DefaultClockSkew = 5 * time.Minute

// VerifyOptions say what a package is checked against.
type VerifyOptions struct {
	// Registry, when set, must list the maker's signing keys as its
	// organisation's, and those of every party that names an
	// organisation, valid and unrevoked when they signed. Parties without
	// an organisation (people carrying the package) are reported as such.
	Registry *trust.Registry
	// Now is the verifier's clock (zero: time.Now); no recorded time may
	// lie more than MaxClockSkew (zero: DefaultClockSkew) after it.
	Now          time.Time
	MaxClockSkew time.Duration
}

// Report is what Verify found: the package's parties and chain, and notes
// about what it could not vouch for.
type Report struct {
	Cover   Cover
	Custody []*Record
	// Holder is who holds the package; Pending is set when the last
	// hand-over is not received yet (Holder is then its giver).
	Holder  Party
	Pending bool
	// Notes say what verified only as far as the keys go: parties that
	// the registry cannot name, or every party when there is no registry.
	Notes []string
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Verify checks a package offline, without opening the seal: the sealed
// content's size and SHA-256 against the cover; the maker's signature over
// the cover (which binds the manifest's SHA-256 too); the marking
// (TLP:RED) and the addressing to the authority; and every custody record:
// its sequence number, its link to the record before (or to the signed
// cover), its link to the sealed content, that its giver is the holder
// before it, the giver's signature, the receiver's countersignature, and
// that times never go back nor lie in the future. Only the last record
// may await its receiver. With a registry, it also checks whose keys
// signed. The error wraps ErrInvalid and names the part that failed.
func Verify(p *Package, opt VerifyOptions) (*Report, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	skew := opt.MaxClockSkew
	if skew == 0 {
		skew = DefaultClockSkew
	}
	future := func(what string, t time.Time) error {
		if t.After(now.Add(skew)) {
			return invalid("%s: the time %s lies in the future", what, t.Format(time.RFC3339))
		}
		return nil
	}
	c := &p.Cover
	rep := &Report{Cover: *c, Custody: p.Custody}
	if err := checkCover(c); err != nil {
		return nil, err
	}
	for i, r := range p.Custody {
		for _, party := range []struct {
			role string
			p    Party
		}{{"from", r.From}, {"to", r.To}} {
			if err := checkParty(party.p); err != nil {
				return nil, invalid("custody record %d: %s: %v", i+1, party.role, err)
			}
		}
	}
	if int64(len(p.Sealed)) != c.SealedSize {
		return nil, invalid("sealed content: %d bytes, the cover says %d", len(p.Sealed), c.SealedSize)
	}
	if d := digest(p.Sealed); d != c.SealedSHA256 {
		return nil, invalid("sealed content: SHA-256 %s, the cover says %s (the content was changed or swapped)", d, c.SealedSHA256)
	}
	doc, err := canonical(c)
	if err != nil {
		return nil, err
	}
	if err := p.CoverSignature.Verify(kindCover, doc, c.CreatedBy.Keys); err != nil {
		return nil, invalid("cover: the maker's signature: %v", err)
	}
	if err := future("cover", c.Created); err != nil {
		return nil, err
	}
	reg := opt.Registry
	check := func(what string, party Party, at time.Time) error {
		if reg == nil {
			return nil
		}
		if party.Organization == "" {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s names no organisation; only its keys vouch for it", what, party))
			return nil
		}
		if err := reg.CheckKeys(party.Organization, party.Keys, at); err != nil {
			return invalid("%s: %s: %v", what, party, err)
		}
		return nil
	}
	if reg == nil {
		rep.Notes = append(rep.Notes, "no registry: signatures verify against the keys the package names; give a registry to check whose keys they are")
	}
	if err := check("cover: maker", c.CreatedBy, c.Created); err != nil {
		return nil, err
	}
	if err := check("cover: authority", c.To, c.Created); err != nil {
		return nil, err
	}
	if reg != nil && c.To.Organization != "" {
		enc := c.To.Keys.EncryptionKey()
		if _, owner := reg.Key(enc.ID()); owner == nil || owner.ID != c.To.Organization {
			return nil, invalid("cover: the content is sealed to key %q, which the registry does not list as %s's", enc.ID(), c.To.Organization)
		}
	}
	last := c.Created
	for i, r := range p.Custody {
		what := fmt.Sprintf("custody record %d", i+1)
		if r.Seq != i+1 {
			return nil, invalid("%s: seq is %d (records were removed, added or reordered)", what, r.Seq)
		}
		prev, err := p.previousDigest(i)
		if err != nil {
			return nil, err
		}
		if r.Previous != prev {
			link := "the signed cover"
			if i > 0 {
				link = fmt.Sprintf("custody record %d", i)
			}
			return nil, invalid("%s: previous_sha256 does not match %s (a record was changed, removed or reordered)", what, link)
		}
		if r.SealedSHA256 != c.SealedSHA256 {
			return nil, invalid("%s: sealed_sha256 is not the sealed content's", what)
		}
		giver := c.CreatedBy
		if i > 0 {
			if !p.Custody[i-1].Received() {
				return nil, invalid("custody record %d was never received, yet the package was handed on", i)
			}
			giver = p.Custody[i-1].To
		}
		if !r.From.same(giver) {
			return nil, invalid("%s: the giver %s is not who held the package, %s", what, r.From, giver)
		}
		if r.Purpose == "" || len(r.Purpose) > MaxTextBytes {
			return nil, invalid("%s: a purpose of 1 to %d bytes is required", what, MaxTextBytes)
		}
		if r.HandedAt.Before(last) {
			return nil, invalid("%s: handed over at %s, before the time recorded before it (%s)", what, r.HandedAt.Format(time.RFC3339), last.Format(time.RFC3339))
		}
		if err := future(what, r.HandedAt); err != nil {
			return nil, err
		}
		doc, err := r.handOverDoc()
		if err != nil {
			return nil, err
		}
		if err := r.GiverSignature.Verify(kindHandOver, doc, r.From.Keys); err != nil {
			return nil, invalid("%s: the giver's signature (%s): %v", what, r.From, err)
		}
		if err := check(what+": giver", r.From, r.HandedAt); err != nil {
			return nil, err
		}
		last = r.HandedAt
		if !r.Received() {
			if !r.ReceivedAt.IsZero() {
				return nil, invalid("%s: received_at without the receiver's signature", what)
			}
			continue
		}
		if r.ReceivedAt.Before(r.HandedAt) {
			return nil, invalid("%s: received at %s, before it was handed over (%s)", what, r.ReceivedAt.Format(time.RFC3339), r.HandedAt.Format(time.RFC3339))
		}
		if err := future(what, r.ReceivedAt); err != nil {
			return nil, err
		}
		if doc, err = r.receiptDoc(); err != nil {
			return nil, err
		}
		if err := r.ReceiverSignature.Verify(kindReceipt, doc, r.To.Keys); err != nil {
			return nil, invalid("%s: the receiver's signature (%s): %v", what, r.To, err)
		}
		if err := check(what+": receiver", r.To, r.ReceivedAt); err != nil {
			return nil, err
		}
		last = r.ReceivedAt
	}
	rep.Holder, rep.Pending = p.Holder()
	return rep, nil
}

// checkCover checks the cover's own fields.
func checkCover(c *Cover) error {
	if typ, ok := strings.CutPrefix(c.ID, "evidence--"); !ok || len(typ) != 36 {
		return invalid("cover: id %q is not \"evidence--UUID\"", c.ID)
	}
	if t, _, err := stix.ParseID(c.Incident); err != nil || t != "incident" {
		return invalid("cover: incident %q is not an incident id", c.Incident)
	}
	if len(c.Purpose) > MaxTextBytes {
		return invalid("cover: purpose longer than MaxTextBytes (%d)", MaxTextBytes)
	}
	if c.Marking != stix.TLPRedID {
		return invalid("cover: marking %q is not TLP:RED (%s)", c.Marking, stix.TLPRedID)
	}
	if c.CreatedBy.Keys == nil || c.CreatedBy.Organization == "" {
		return invalid("cover: created_by must name an organisation and its keys")
	}
	for role, party := range map[string]Party{"created_by": c.CreatedBy, "to": c.To} {
		if err := checkParty(party); err != nil {
			return invalid("cover: %s: %v", role, err)
		}
	}
	if c.To.Keys == nil || c.To.Keys.EncryptionKey() == nil {
		return invalid("cover: the authority's keys hold no encryption key")
	}
	if enc := c.To.Keys.EncryptionKey(); c.Encryption != enc.String() {
		return invalid("cover: encryption %q is not the authority's key %q", c.Encryption, enc.String())
	}
	want := []string(nil)
	if c.To.Organization != "" {
		want = []string{c.To.Organization}
	}
	if !slices.Equal(c.Recipients, want) {
		return invalid("cover: recipients %v are not the authority's organisation %v", c.Recipients, want)
	}
	return nil
}

// checkParty checks a party's key set and the length of its texts.
func checkParty(p Party) error {
	if p.Keys == nil {
		return errors.New("no keys")
	}
	if len(p.Name) > MaxTextBytes {
		return fmt.Errorf("name longer than MaxTextBytes (%d)", MaxTextBytes)
	}
	if p.Organization != "" {
		if t, _, err := stix.ParseID(p.Organization); err != nil || t != "identity" {
			return fmt.Errorf("organization %q is not an identity id", p.Organization)
		}
	}
	return p.Keys.Check()
}
