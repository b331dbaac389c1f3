package federation

import (
	"bytes"
	"context"
	json "encoding/json/v2"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// The federation endpoints, next to TAXII on the node link.
const (
	// pathWait answers when the federated collection has versions added
	// after a time, or the node trusts a newer registry than the caller,
	// or the timeout passes: a long poll, so that new objects reach peers
	// at once without them asking again and again.
	pathWait = "/federation/v1/wait/"
	// pathRegistry serves the registry this node trusts.
	pathRegistry = "/federation/v1/registry/"
)

// waitResult is the answer of pathWait.
type waitResult struct {
	// Changed reports versions added after the caller's added_after.
	Changed bool `json:"changed"`
	// RegistryVersion is the version of the registry this node trusts.
	RegistryVersion int64 `json:"registry_version"`
}

// waitQuery is a parsed wait request.
type waitQuery struct {
	collection      string
	addedAfter      time.Time
	registryVersion int64
	timeout         time.Duration
}

// parseWaitQuery reads collection, added_after (a TAXII timestamp, optional),
// registry_version (optional) and timeout (whole seconds, at most
// MaxWaitTimeout) from a query string.
func parseWaitQuery(raw string) (*waitQuery, error) {
	q, err := urlValues(raw)
	if err != nil {
		return nil, err
	}
	for name, vs := range q {
		switch name {
		case "collection", "added_after", "registry_version", "timeout":
		default:
			return nil, rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: wait takes collection, added_after, registry_version and timeout", name)
		}
		if len(vs) > 1 {
			return nil, rampart.Errorf(rampart.EINVALID, "query parameter %q given %d times", name, len(vs))
		}
	}
	w := &waitQuery{collection: q.Get("collection")}
	if w.collection == "" {
		return nil, rampart.Errorf(rampart.EINVALID, "wait needs the collection to watch (collection=ID)")
	}
	if v := q.Get("added_after"); v != "" {
		ts, err := stix.ParseTimestamp(v)
		if err != nil {
			return nil, rampart.Errorf(rampart.EINVALID, "added_after: %v", err)
		}
		w.addedAfter = ts.Time()
	}
	if v := q.Get("registry_version"); v != "" {
		if w.registryVersion, err = strconv.ParseInt(v, 10, 64); err != nil || w.registryVersion < 0 {
			return nil, rampart.Errorf(rampart.EINVALID, "registry_version must be a version number (got %q)", v)
		}
	}
	if v := q.Get("timeout"); v != "" {
		s, err := strconv.Atoi(v)
		if err != nil || s < 0 || time.Duration(s)*time.Second > MaxWaitTimeout {
			return nil, rampart.Errorf(rampart.EINVALID, "timeout must be whole seconds from 0 to %d (got %q)", int(MaxWaitTimeout.Seconds()), v)
		}
		w.timeout = time.Duration(s) * time.Second
	}
	return w, nil
}

func urlValues(raw string) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "malformed query string: %v", err)
	}
	return v, nil
}

// peerOf returns the peer a request comes from: the organisation a
// trust.Listener authenticated, which must be one of this node's peers.
func (n *Node) peerOf(r *http.Request) (*trust.Peer, error) {
	p, ok := trust.PeerFromContext(r.Context())
	if !ok {
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "the node link serves peer nodes only, authenticated by their node proof")
	}
	// The proof was checked when the connection opened; the registry may
	// since have revoked the keys that made it, or expired.
	if err := n.Verifier.CheckPeer(p); err != nil {
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "this connection's node proof no longer holds: %v", err)
	}
	if n.link(p.Organization.ID) == nil {
		return nil, rampart.Errorf(rampart.EFORBIDDEN, "%s (%s) is a member of the federation but not a peer of this node; add it with \"rampart peer add\"", p.Organization.Name, p.Organization.ID)
	}
	return p, nil
}

// guard refuses every request whose connection's peer is no longer
// authenticated, and closes that connection, so that a revocation or a
// removal ends connections already open and not only new ones.
func (n *Node) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := n.peerOf(r); err != nil && rampart.ErrorCode(err) == rampart.EUNAUTHORIZED {
			w.Header().Set("Connection", "close")
			n.taxii.WriteError(w, r, err)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/objects/") {
			r = r.WithContext(context.WithValue(r.Context(), countKey{}, true))
		}
		h.ServeHTTP(w, r)
	})
}

// authenticate is the peer-facing TAXII server's Authenticate: a peer reads
// the federated collection, and nothing else, and writes nothing.
func (n *Node) authenticate(r *http.Request) (*rampart.Account, error) {
	p, err := n.peerOf(r)
	if err != nil {
		return nil, err
	}
	return &rampart.Account{
		Name:   "peer " + p.Organization.ID,
		Grants: []rampart.Grant{{CollectionID: n.CollectionID, Read: true}},
	}, nil
}

// peerAccess is the access service of the peer-facing TAXII server: what
// a peer node receives of each version it reads. Beyond what a peer may
// read in clear (the node's AccessService applies rampart.Policy for a
// peer: TLP:CLEAR and TLP:GREEN, objects referred to included), a node
// sends nothing unsigned (peers would refuse it) and nothing back to the
// organisation that created it (it has it); sealed envelopes go to their
// recipients, and to hubs, which relay them unread.
type peerAccess struct{ n *Node }

var _ rampart.AccessService = peerAccess{}

// Reader returns the peer the request's connection authenticated.
func (a peerAccess) Reader(ctx context.Context, _ *rampart.Account) (rampart.Reader, error) {
	p, ok := trust.PeerFromContext(ctx)
	if !ok {
		return rampart.Reader{}, rampart.Errorf(rampart.EUNAUTHORIZED, "the node link serves peer nodes only, authenticated by their node proof")
	}
	return rampart.Reader{Organization: p.Organization.ID, Relation: rampart.RelationPeer, Name: p.Organization.Name}, nil
}

// Release returns what the peer r receives of objs.
func (a peerAccess) Release(ctx context.Context, r rampart.Reader, collectionID string, objs []*stix.Object) ([]*stix.Object, error) {
	n := a.n
	out := make([]*stix.Object, len(objs))
	reg := n.Verifier.Registry()
	hub := false
	if p := reg.Organization(r.Organization); p != nil && p.Role == trust.RoleHub {
		hub = true
	}
	var clear []*stix.Object
	var at []int
	var audit []*rampart.AuditRecord
	policy := n.policy()
	for i, o := range objs {
		switch {
		case o.CreatedByRef == r.Organization:
			// It has it.
		case !bytes.Contains(o.Raw, signatureID):
			// A look for the signature's extension id: peers verify
			// what they receive anyway; this spares them what they
			// would certainly refuse, without decoding every object.
		case o.Type == trust.SealedType:
			to, err := trust.SealedRecipients(o)
			if err == nil && (hub || slices.Contains(to, r.Organization)) {
				out[i] = o
				audit = append(audit, &rampart.AuditRecord{ObjectID: o.ID, Version: o.Version().String(),
					Recipient: r.Organization, Channel: rampart.AuditPeer, Via: r.Organization, Sealed: true})
			}
		case !policy.InClear(o):
			// Addressed or beyond TLP:GREEN: the outbox seals it, if
			// it is this node's to send at all.
		default:
			clear = append(clear, o)
			at = append(at, i)
		}
	}
	if len(clear) > 0 {
		released, err := n.Access.Release(ctx, r, collectionID, clear)
		if err != nil {
			return nil, err
		}
		for j, o := range released {
			out[at[j]] = o
		}
	}
	if len(audit) > 0 && n.Audit != nil {
		if _, err := n.Audit.AppendAudit(ctx, audit); err != nil {
			return nil, fmt.Errorf("record what was served to %s: %w", r.Name, err)
		}
	}
	if counting(ctx) {
		k := 0
		for _, o := range out {
			if o != nil {
				k++
			}
		}
		n.countOut(r.Organization, int64(k))
	}
	return out, nil
}

// countKey marks the context of a request for objects: what it is served
// counts as versions sent to the peer.
type countKey struct{}

func counting(ctx context.Context) bool {
	v, _ := ctx.Value(countKey{}).(bool)
	return v
}

var signatureID = []byte(trust.ExtensionID)

// handleWait serves pathWait.
func (n *Node) handleWait(w http.ResponseWriter, r *http.Request) {
	p, err := n.peerOf(r)
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	q, err := parseWaitQuery(r.URL.RawQuery)
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	// Each wait holds a goroutine and looks at the store every
	// PollInterval: a peer gets a bounded number at once.
	waits, _ := n.waits.LoadOrStore(p.Organization.ID, new(atomic.Int64))
	if k := waits.(*atomic.Int64).Add(1); k > MaxWaitsPerPeer {
		waits.(*atomic.Int64).Add(-1)
		n.taxii.WriteError(w, r, rampart.Errorf(rampart.EUNAVAILABLE, "%s already holds MaxWaitsPerPeer (%d) wait requests; wait for one to end", p.Organization.Name, MaxWaitsPerPeer))
		return
	}
	defer waits.(*atomic.Int64).Add(-1)
	if q.collection != n.CollectionID {
		n.taxii.WriteError(w, r, rampart.Errorf(rampart.ENOTFOUND, "collection %q is not federated by this node", q.collection))
		return
	}
	ctx := r.Context()
	timer := time.NewTimer(q.timeout)
	defer timer.Stop()
	poll := time.NewTicker(n.PollInterval)
	defer poll.Stop()
	for {
		// Take the channel first: a change after the look below still
		// closes it.
		ch := n.changes.wait()
		changed, err := n.changedSince(r, q.addedAfter)
		if err != nil {
			n.taxii.WriteError(w, r, err)
			return
		}
		res := waitResult{Changed: changed, RegistryVersion: n.Verifier.Registry().Version()}
		done := changed || res.RegistryVersion > q.registryVersion
		if !done {
			select {
			case <-ch:
				continue
			case <-poll.C:
				continue
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		b, _ := json.Marshal(res)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
		return
	}
}

// changedSince reports whether the federated collection holds a version
// added after t: one index probe.
func (n *Node) changedSince(r *http.Request, t time.Time) (bool, error) {
	f := rampart.ObjectFilter{
		CollectionID: n.CollectionID,
		Versions:     []string{rampart.VersionAll},
		SpecVersions: []string{"2.0", "2.1"},
		Limit:        1,
		MetadataOnly: true,
	}
	if !t.IsZero() {
		f.AddedAfter = &t
	}
	page, err := n.Objects.FindObjects(r.Context(), f)
	if err != nil {
		return false, err
	}
	return len(page.Versions) > 0, nil
}

// handleRegistry serves pathRegistry: the registry file this node trusts.
func (n *Node) handleRegistry(w http.ResponseWriter, r *http.Request) {
	if _, err := n.peerOf(r); err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	reg := n.Verifier.Registry()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Rampart-Registry-Version", strconv.FormatInt(reg.Version(), 10))
	w.Write(reg.Bytes())
}
