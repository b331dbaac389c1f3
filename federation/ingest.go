package federation

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/parallel"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Reasons a received object is refused, as PeerRejection.Reason records
// them. The trust reasons come from the error trust.Verifier returned.
const (
	ReasonMalformed     = "malformed"        // not a STIX object
	ReasonInvalid       = "invalid"          // breaks the STIX rules of its type
	ReasonUnsigned      = "unsigned"         // trust.ErrUnsigned
	ReasonBadSignature  = "bad-signature"    // trust.ErrBadSignature, ErrMalformed: changed after signing
	ReasonUnknownKey    = "unknown-key"      // trust.ErrUnknownKey
	ReasonWrongSigner   = "wrong-signer"     // trust.ErrWrongSigner: a key of another organisation
	ReasonRevoked       = "revoked"          // trust.ErrRevoked
	ReasonKeyNotValid   = "key-not-valid"    // trust.ErrKeyNotValid
	ReasonPolicy        = "policy"           // trust.ErrPolicy
	ReasonExpired       = "registry-expired" // trust.ErrRegistryExpired
	ReasonQuorum        = "quorum"           // trust.ErrQuorum: a registry without enough signatures
	ReasonStaleRegistry = "stale-registry"   // trust.ErrStaleRegistry
	ReasonSeal          = "seal"             // an envelope for this node that does not open
	ReasonReplay        = "replay"           // older than the version this node holds
	ReasonWrongCreator  = "wrong-creator"    // an id this node holds from another creator
	ReasonStore         = "store"            // the store refused it
	// ReasonInClear: an object that may travel only sealed (TLP:RED,
	// TLP:AMBER+STRICT, addressed) arrived in clear. No node sends one so;
	// a peer that does leaks, and this node does not keep what leaked.
	ReasonInClear = "in-clear"
	// ReasonNotAddressed: a sealed envelope held an addressed object that
	// does not name this node: the object was passed on by a recipient.
	ReasonNotAddressed = "not-addressed"
	// ReasonResealed: a sealed envelope held an object created by another
	// organisation than the envelope's sender. Only an object's creator
	// seals it; a recipient that passes it on is leaking it.
	ReasonResealed = "resealed"
)

// reasonOf names the kind of a trust error.
func reasonOf(err error) string {
	for _, r := range []struct {
		err    error
		reason string
	}{
		{trust.ErrUnsigned, ReasonUnsigned},
		{trust.ErrMalformed, ReasonBadSignature},
		{trust.ErrBadSignature, ReasonBadSignature},
		{trust.ErrUnknownKey, ReasonUnknownKey},
		{trust.ErrWrongSigner, ReasonWrongSigner},
		{trust.ErrRevoked, ReasonRevoked},
		{trust.ErrKeyNotValid, ReasonKeyNotValid},
		{trust.ErrPolicy, ReasonPolicy},
		{trust.ErrRegistryExpired, ReasonExpired},
		{trust.ErrQuorum, ReasonQuorum},
		{trust.ErrStaleRegistry, ReasonStaleRegistry},
	} {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ReasonSeal
}

// ingest checks one page a peer sent and stores what passes (check, then
// commit). It returns how many versions were stored (duplicates are not
// counted) and the rejections; an error means nothing of the page may be
// taken as done.
func (n *Node) ingest(ctx context.Context, peer *rampart.Peer, raws []jsontext.Value) (int64, []*rampart.PeerRejection, error) {
	c, err := n.check(ctx, peer, raws)
	if err != nil {
		return 0, nil, err
	}
	return n.commit(ctx, c)
}

// checked is a page whose objects were checked on their own, waiting to be
// checked against the store and stored.
type checked struct {
	*rejections
	objs []*stix.Object
}

// registryBound reports refusals that a newer registry might undo.
func (c *checked) registryBound() bool {
	for _, r := range c.list {
		if r.Reason == ReasonUnknownKey || r.Reason == ReasonExpired {
			return true
		}
	}
	return false
}

// expired reports refusals because this node's registry has expired.
func (c *checked) expired() bool {
	for _, r := range c.list {
		if r.Reason == ReasonExpired {
			return true
		}
	}
	return false
}

// rejections collects the refusals of one page, and logs each.
type rejections struct {
	n    *Node
	peer *rampart.Peer
	at   time.Time
	list []*rampart.PeerRejection
}

func (r *rejections) add(id, version, reason string, err error) {
	r.list = append(r.list, &rampart.PeerRejection{At: r.at, ObjectID: id, Version: version, Reason: reason, Message: err.Error()})
}

// log logs each refusal, once they are final.
func (r *rejections) log() {
	for _, x := range r.list {
		r.n.logger().Warn("refused an object from a peer", "peer", r.peer.ID, "name", r.peer.Name, "id", x.ObjectID, "version", x.Version, "reason", x.Reason, "err", x.Message)
	}
}

// check runs the checks that need nothing but the objects: each must parse,
// its signature must verify (and an envelope addressed to this node must
// open, and each object inside must verify: those are what is stored), and
// it must pass Validate. The work runs on all cores, envelopes first, then
// the objects inside them.
func (n *Node) check(ctx context.Context, peer *rampart.Peer, raws []jsontext.Value) (*checked, error) {
	c := &checked{rejections: &rejections{n: n, peer: peer, at: n.now()}}
	for _, r := range n.receive(ctx, raws) {
		switch {
		case r.err == nil:
			c.objs = append(c.objs, r.obj)
		case ctx.Err() != nil:
			return nil, ctx.Err()
		default:
			c.add(r.id, r.version, r.reason, r.err)
		}
	}
	return c, nil
}

// commit checks a checked page against the store and stores what passes:
// an object older than the newest version of its id this node holds is a
// replay, one whose id is held from another creator is refused, and a
// version already held is a duplicate, dropped silently (storing is
// idempotent, so a page fetched twice after a crash changes nothing).
func (n *Node) commit(ctx context.Context, c *checked) (int64, []*rampart.PeerRejection, error) {
	ok, err := n.screen(ctx, c.objs, c.add)
	if err != nil {
		return 0, nil, err
	}
	stored, err := n.store(ctx, ok, c.add)
	if err != nil {
		return 0, nil, err
	}
	// The node's object service told its subscribers, this node among
	// them, of what was stored.
	c.log()
	return int64(len(stored)), c.list, nil
}

// rawID digs the id out of something that did not parse, for the record.
func rawID(raw jsontext.Value) string {
	var h struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &h) == nil && len(h.ID) <= 200 {
		return h.ID
	}
	return ""
}

// received is one object of a page, or of an envelope in it, checked.
type received struct {
	obj *stix.Object // what to store
	// The refusal, when err is set.
	err                 error
	reason, id, version string
}

func refused(o *stix.Object, reason string, err error) received {
	return received{err: err, reason: reason, id: o.ID, version: o.Version().String()}
}

// opened is an object found inside an envelope addressed to this node,
// waiting to be verified.
type opened struct {
	obj, env *stix.Object
}

// receive parses, verifies (trust.Verifier.Receive) and validates raws on
// all cores, then verifies and validates the objects of the envelopes
// addressed to this node, also on all cores. The results are in page
// order, an envelope's objects in its place, followed by the envelope when
// this node relays it.
func (n *Node) receive(ctx context.Context, raws []jsontext.Value) []received {
	first := make([][]received, len(raws))
	inner := make([][]opened, len(raws))
	parallel.Each(len(raws), func(i int) {
		if err := ctx.Err(); err != nil {
			first[i] = []received{{err: err}}
			return
		}
		first[i], inner[i] = n.receiveOne(raws[i])
	})
	var all []opened
	for _, in := range inner {
		all = append(all, in...)
	}
	checked := make([]received, len(all))
	parallel.Each(len(all), func(i int) {
		if err := ctx.Err(); err != nil {
			checked[i] = received{err: err}
			return
		}
		checked[i] = n.receiveInner(all[i].obj, all[i].env)
	})
	var out []received
	k := 0
	for i := range raws {
		out = append(out, checked[k:k+len(inner[i])]...)
		k += len(inner[i])
		out = append(out, first[i]...)
	}
	return out
}

// receiveOne checks one object of a page. An envelope addressed to this
// node gives the objects inside it, to check next, and itself when this
// node relays it.
func (n *Node) receiveOne(raw jsontext.Value) ([]received, []opened) {
	o, err := stix.ParseObject(raw)
	if err != nil {
		return []received{{err: err, reason: ReasonMalformed, id: rawID(raw)}}, nil
	}
	r, err := n.Verifier.Receive(o, n.Identity)
	if err != nil {
		return []received{refused(o, reasonOf(err), err)}, nil
	}
	if r.Envelope == nil {
		if reason, err := n.routed(r.Object, nil); err != nil {
			return []received{refused(r.Object, reason, err)}, nil
		}
		if n.Validate != nil {
			if err := n.Validate(r.Object); err != nil {
				return []received{refused(r.Object, ReasonInvalid, err)}, nil
			}
		}
		return []received{{obj: r.Object}}, nil
	}
	in := make([]opened, len(r.Objects))
	for i, obj := range r.Objects {
		in[i] = opened{obj, r.Envelope}
	}
	if n.relays(r.Envelope) {
		return []received{{obj: r.Envelope}}, in
	}
	return nil, in
}

// receiveInner checks one object found in an envelope addressed to this
// node.
//
// The envelope's signature, checked when it was received, covers its
// ciphertext, and routed makes sure the object's creator sealed it: the
// object is its creator's, as it came, and its own signature is not
// verified again (one verification per envelope, not per object: what
// makes sealed ingest as fast as clear). It must be there all the same,
// for whoever checks the object later.
func (n *Node) receiveInner(o, env *stix.Object) received {
	if reason, err := n.routed(o, env); err != nil {
		return refused(o, reason, err)
	}
	if !trust.IsSigned(o) {
		return refused(o, ReasonUnsigned, fmt.Errorf("%s %q: sealed by its creator but not signed; a node keeps only signed objects", o.Type, o.ID))
	}
	if n.Validate != nil {
		if err := n.Validate(o); err != nil {
			return refused(o, ReasonInvalid, err)
		}
	}
	return received{obj: o}
}

// routed checks that a received object came the way the distribution
// rules send it: what may not travel in clear (anything beyond TLP:GREEN, or
// addressed: rampart.Policy.InClear) must have come in an envelope; an
// object that came in one must have been sealed by its creator, and, when
// addressed, name this node. It returns the refusal's reason and error
// otherwise.
func (n *Node) routed(o, env *stix.Object) (string, error) {
	if env == nil {
		if p := n.policy(); !p.InClear(o) {
			return ReasonInClear, fmt.Errorf("%s %q: %s or addressed, it travels only sealed to its recipients, yet arrived in clear; not stored", o.Type, o.ID, stix.Restriction(o))
		}
		return "", nil
	}
	if o.CreatedByRef != env.CreatedByRef {
		return ReasonResealed, fmt.Errorf("%s %q: created by %s but sealed by %s: only its creator seals an object; not stored", o.Type, o.ID, orNone(o.CreatedByRef), env.CreatedByRef)
	}
	to, err := stix.Recipients(o)
	self := n.Identity.Organization()
	if err != nil || (len(to) > 0 && !slices.Contains(to, self)) {
		return ReasonNotAddressed, fmt.Errorf("%s %q: sealed to this node (by %s) but addressed to %v, not to %s; not stored", o.Type, o.ID, env.CreatedByRef, to, self)
	}
	return "", nil
}

func orNone(s string) string {
	if s == "" {
		return "no one"
	}
	return s
}

// relays reports whether this node, having opened env, must keep it to
// pass on: a hub does, for the envelope's other recipients.
func (n *Node) relays(env *stix.Object) bool {
	self := n.Verifier.Registry().Organization(n.Identity.Organization())
	if self == nil || self.Role != trust.RoleHub {
		return false
	}
	to, err := trust.SealedRecipients(env)
	return err == nil && slices.ContainsFunc(to, func(org string) bool { return org != self.ID })
}

// screen drops duplicates and refuses replays and creator changes, against
// what the store holds and what came earlier in objs.
func (n *Node) screen(ctx context.Context, objs []*stix.Object, reject func(id, version, reason string, err error)) ([]*stix.Object, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	held, err := n.newest(ctx, objs)
	if err != nil {
		return nil, err
	}
	out := objs[:0:0]
	for _, o := range objs {
		h := held[o.ID]
		if h == nil {
			out = append(out, o)
			held[o.ID] = o
			continue
		}
		if h.CreatedByRef != o.CreatedByRef {
			reject(o.ID, o.Version().String(), ReasonWrongCreator, fmt.Errorf("%s %q: this node holds it from %q; a version from %q cannot replace it", o.Type, o.ID, h.CreatedByRef, o.CreatedByRef))
			continue
		}
		switch c := o.Version().Compare(h.Version()); {
		case c == 0:
			continue // a duplicate
		case c < 0:
			has, err := n.holds(ctx, o)
			if err != nil {
				return nil, err
			}
			if !has {
				reject(o.ID, o.Version().String(), ReasonReplay, fmt.Errorf("%s %q: version %s is older than version %s, which this node holds; an old version replayed is not stored or passed on", o.Type, o.ID, o.Version(), h.Version()))
			}
			continue
		}
		out = append(out, o)
		held[o.ID] = o
	}
	return out, nil
}

// newest returns the newest version this node holds of each id in objs.
func (n *Node) newest(ctx context.Context, objs []*stix.Object) (map[string]*stix.Object, error) {
	seen := map[string]bool{}
	var ids []string
	for _, o := range objs {
		if !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	held := map[string]*stix.Object{}
	for chunk := range slices.Chunk(ids, rampart.MaxFilterIDs) {
		f := rampart.ObjectFilter{CollectionID: n.CollectionID, IDs: chunk, Versions: []string{rampart.VersionLast}, Limit: rampart.MaxPageSize}
		for {
			page, err := n.Objects.FindObjects(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("find held versions: %w", err)
			}
			for _, v := range page.Versions {
				if h := held[v.Object.ID]; h == nil || v.Object.Version().Compare(h.Version()) > 0 {
					held[v.Object.ID] = v.Object
				}
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return held, nil
}

// holds reports whether the node holds exactly o's version.
func (n *Node) holds(ctx context.Context, o *stix.Object) (bool, error) {
	page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{
		CollectionID: n.CollectionID, IDs: []string{o.ID}, Versions: []string{o.Version().String()},
		SpecVersions: []string{"2.0", "2.1"}, Limit: 1, MetadataOnly: true,
	})
	if err != nil {
		return false, fmt.Errorf("find held version: %w", err)
	}
	return len(page.Versions) > 0, nil
}

// store adds objs to the federated collection and returns those it did not
// hold already. Should the store refuse the batch as invalid, each object
// is stored alone, so one it refuses does not hold back the others.
func (n *Node) store(ctx context.Context, objs []*stix.Object, reject func(id, version, reason string, err error)) ([]*stix.Object, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	res, err := n.Objects.CreateObjects(ctx, n.CollectionID, objs)
	if rampart.ErrorCode(err) == rampart.EINVALID && len(objs) > 1 {
		var out []*stix.Object
		for _, o := range objs {
			got, err := n.store(ctx, []*stix.Object{o}, reject)
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		return out, nil
	}
	if rampart.ErrorCode(err) == rampart.EINVALID {
		reject(objs[0].ID, objs[0].Version().String(), ReasonStore, errors.New(rampart.ErrorMessage(err)))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var added []*stix.Object
	for i, r := range res {
		if r.Added {
			added = append(added, objs[i])
		}
	}
	return added, nil
}
