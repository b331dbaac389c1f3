package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

// Defaults of a Node's settings.
const (
	// DefaultPageSize is how many versions one pull asks a peer for.
	DefaultPageSize = 1000
	// DefaultWaitTimeout is how long a node asks a peer to hold a wait
	// request when nothing is new.
	DefaultWaitTimeout = 25 * time.Second
	// MaxWaitTimeout is the longest a node holds a peer's wait request.
	MaxWaitTimeout = time.Minute
	// MaxWaitsPerPeer is how many wait requests one peer may have open
	// at once; more are refused (503) until one ends. A node holds one
	// per collection it follows.
	MaxWaitsPerPeer = 16
	// MaxPeerCollections is the most collections a node follows at one
	// peer; a peer that offers more is refused with
	// ErrTooManyCollections, since each costs a puller and the pages it
	// holds in memory. A Rampart node offers its peers one.
	MaxPeerCollections = 16
	// DefaultPollInterval is how often a node looks at its store while a
	// peer waits, to see what other processes added to it (notifications
	// cover what this process adds).
	DefaultPollInterval = 2 * time.Second
	// DefaultPeerRefresh is how often the list of peers is read again from
	// the store, so that "rampart peer add" and "remove" take effect in a
	// running node.
	DefaultPeerRefresh = 5 * time.Second
	// DefaultRetryMin and DefaultRetryMax bound the back-off after a failed
	// exchange with a peer.
	DefaultRetryMin = 500 * time.Millisecond
	DefaultRetryMax = time.Minute
)

// Node federates a Rampart node with its peers: it pulls from each peer
// what the peer may share with it, checks every object before storing it,
// and serves its peers, over the node link, what each may receive.
//
// Create one with NewNode, set the fields, call Open, and serve Handler on
// an http.Server whose listener is a trust.Listener (with the Listener's
// ConnContext), so that every request comes from an authenticated peer.
// Close stops it. It is a rampart.ObjectSubscriber: the node's object
// service tells it of every version stored, however it came, so peers hear
// of them at once.
//
// What a Node guarantees: it stores nothing a peer sends unless the
// object's signature verifies against the registry (trust.Verifier), it is
// not an older version of an object the node holds, and its id is not
// held from another creator; it serves a peer nothing the distribution
// rules (rampart.Policy) refuse that peer, nothing unsigned, nothing
// addressed or marked TLP:AMBER+STRICT or TLP:RED in clear (its own such
// objects go sealed to their recipients), and nothing the peer itself
// created. What it does not guarantee: that a peer which receives an
// object respects its marking afterwards; and peers learn when something
// was added to the collection even if they may not read it (see
// docs/FEDERATION.md).
//
// A Node is safe for concurrent use once open.
type Node struct {
	// Identity is this node's organisation and keys. Required.
	Identity *trust.Identity
	// Verifier holds the registry this node trusts; it checks what peers
	// send and authenticates them. Required; share it with the
	// trust.Listener peers connect through.
	Verifier *trust.Verifier

	// The node's store. All required. Objects must be the node's one
	// object service, which tells its subscribers (this Node among them:
	// Subscribe it) of what federation stores, as of every write.
	Objects     rampart.ObjectService
	Collections rampart.CollectionService
	Accounts    rampart.AccountService
	Statuses    rampart.StatusService
	Secrets     rampart.SecretService
	Peers       rampart.PeerService
	Deliveries  rampart.DeliveryService
	Settings    rampart.SettingService
	Audit       rampart.AuditService
	// Access releases to each peer what it may read in clear
	// (rampart.Policy for a peer reader, the objects referred to
	// included), and records it in the audit log. Required.
	Access rampart.AccessService

	// APIRoot and CollectionID name the federated collection: what peers
	// may read (each only what it may receive) and where what they send
	// is stored. Required.
	APIRoot      string
	CollectionID string

	// QKD, when set, mixes QKD keys into the connections this node opens
	// to its peers (trust.QKD); share it with the trust.Listener peers
	// connect through, which must remember the key ids of both.
	QKD *trust.QKD

	// Validate, when set, checks each object received before it is
	// stored, beyond its signature (stix.Validate, typically).
	Validate func(*stix.Object) error
	// Unmarked is the TLP level assumed for objects without a TLP marking;
	// stix.TLPUnmarked means TLP:AMBER.
	Unmarked stix.TLP
	// SaveRegistry, when set, is called with each registry version the node
	// accepts, so that a restart does not roll it back.
	SaveRegistry func(data []byte) error

	// Log, when set, is this node's transparency log: the node link
	// serves its signed head and consistency proofs to the peers.
	Log TransparencyLog
	// Witness, when set, keeps the tree heads seen of other nodes' logs:
	// a leading node fetches every peer's head, and the heads each peer
	// holds of others, every GossipInterval (DefaultGossipInterval when
	// 0), and the node link serves the heads it holds to the peers.
	// OnFork, when set, is called with the first fork found of each log.
	Witness        *translog.Witness
	OnFork         func(context.Context, *translog.Fork)
	GossipInterval time.Duration

	// Manual, when set, keeps Open from pulling in the background: the node
	// pulls only when Sync is called. It still serves its peers.
	Manual bool
	// Standby, when set, keeps Open from starting what one process of a
	// node does at a time, pulling from the peers and sealing the outbox:
	// the node serves its peers, and Lead does that work while this
	// process holds the node's federation lease (several "rampart serve"
	// replicas on one store).
	Standby bool

	PageSize     int           // DefaultPageSize when 0
	WaitTimeout  time.Duration // DefaultWaitTimeout when 0
	PollInterval time.Duration // DefaultPollInterval when 0
	PeerRefresh  time.Duration // DefaultPeerRefresh when 0
	RetryMin     time.Duration // DefaultRetryMin when 0
	RetryMax     time.Duration // DefaultRetryMax when 0
	// RetryInterval is how often failed deliveries are tried again
	// (DefaultRetryInterval when 0), besides at every registry change.
	RetryInterval time.Duration

	// Rounds, when set, is told of every round with a peer that ends
	// without error: how long it took and how many versions it stored
	// (the node's /metrics turn it into rampart_peer_round_seconds).
	Rounds RoundObserver

	Logger *slog.Logger
	// Now is the clock for status times and lag; time.Now when nil.
	Now func() time.Time

	taxii   *taxii.Server
	handler http.Handler
	changes notifier // the federated collection or the registry changed
	outbox  *outbox  // while leading; guarded by mu

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.RWMutex
	links   map[string]*peerLink // by organisation id
	leading bool                 // pulling and sealing: Open without Standby, or Lead

	out   sync.Map // organisation id -> *atomic.Int64, versions served not yet recorded
	waits sync.Map // organisation id -> *atomic.Int64, wait requests open
}

// NewNode returns a Node with the default settings; set its fields, then
// Open it.
func NewNode() *Node {
	return &Node{
		PageSize:     DefaultPageSize,
		WaitTimeout:  DefaultWaitTimeout,
		PollInterval: DefaultPollInterval,
		PeerRefresh:  DefaultPeerRefresh,
		RetryMin:     DefaultRetryMin,
		RetryMax:     DefaultRetryMax,
	}
}

// Open checks the settings, prepares the peer-facing TAXII server and
// starts pulling from every peer in the store (unless Manual). It fails
// when a required field is missing, the node's organisation is not in the
// registry, or the federated collection does not exist.
func (n *Node) Open(ctx context.Context) error {
	switch {
	case n.Identity == nil || n.Verifier == nil:
		return errors.New("federation: Identity and Verifier are required")
	case n.Objects == nil || n.Collections == nil || n.Accounts == nil || n.Statuses == nil || n.Secrets == nil || n.Peers == nil ||
		n.Deliveries == nil || n.Settings == nil || n.Audit == nil || n.Access == nil:
		return errors.New("federation: a store service is not set")
	case n.APIRoot == "" || n.CollectionID == "":
		return errors.New("federation: APIRoot and CollectionID name the federated collection and are required")
	}
	n.defaults()
	org := n.Identity.Organization()
	reg := n.Verifier.Registry()
	if reg.Organization(org) == nil {
		return fmt.Errorf("federation: this node's organisation %q is not a member in registry version %d", org, reg.Version())
	}
	if _, err := n.Collections.FindCollectionByID(ctx, n.APIRoot, n.CollectionID); err != nil {
		return fmt.Errorf("federation: federated collection %q of API root %q: %w", n.CollectionID, n.APIRoot, err)
	}
	ts := taxii.NewServer()
	ts.Objects, ts.Collections, ts.Accounts, ts.Statuses, ts.Secrets = n.Objects, n.Collections, n.Accounts, n.Statuses, n.Secrets
	ts.Title = "Rampart node link"
	ts.DefaultAPIRoot = n.APIRoot
	ts.MaxPageSize = max(n.PageSize, taxii.DefaultMaxPageSize)
	ts.Authenticate = n.authenticate
	ts.Access = peerAccess{n}
	ts.Logger = n.logger()
	if err := ts.Open(ctx); err != nil {
		return fmt.Errorf("federation: %w", err)
	}
	n.taxii = ts
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathWait, n.handleWait)
	mux.HandleFunc("GET "+pathRegistry, n.handleRegistry)
	mux.HandleFunc("GET "+pathLogHead, n.handleLogHead)
	mux.HandleFunc("GET "+pathLogConsistency, n.handleLogConsistency)
	mux.HandleFunc("GET "+pathLogHeads, n.handleLogHeads)
	mux.Handle("/", ts.Handler())
	n.handler = n.guard(mux)

	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.links = map[string]*peerLink{}
	n.leading = !n.Standby
	if err := n.refreshPeers(ctx); err != nil {
		n.cancel()
		return fmt.Errorf("federation: %w", err)
	}
	n.wg.Go(func() {
		n.every(n.PeerRefresh, func(ctx context.Context) {
			if err := n.refreshPeers(ctx); err != nil && ctx.Err() == nil {
				n.logger().Warn("read peers", "err", err)
			}
		})
	})
	// How many versions each peer was served, recorded every second.
	n.wg.Go(func() { n.every(time.Second, n.flushOut) })
	if n.Witness != nil && !n.Manual {
		n.wg.Go(func() { n.every(n.GossipInterval, n.Gossip) })
	}
	if !n.Standby {
		ob := newOutbox(n)
		n.mu.Lock()
		n.outbox = ob
		n.mu.Unlock()
		n.wg.Go(func() { ob.run(n.ctx) })
	}
	return nil
}

// Lead pulls from the peers and seals the outbox, as Open does without
// Standby, until ctx ends or the node closes; then it stops that work,
// waits for it to end and returns. The pulls resume from the cursors
// recorded in the store and the outbox from its own, wherever another
// process left them, so nothing is pulled or sealed twice but what was in
// flight when the other process stopped (stored once). Call it on a
// Standby node only while this process holds the node's federation lease;
// a call while another runs returns at once.
func (n *Node) Lead(ctx context.Context) {
	n.mu.Lock()
	if n.leading || n.ctx == nil || n.ctx.Err() != nil {
		n.mu.Unlock()
		return
	}
	lctx, cancel := context.WithCancel(n.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	n.leading = true
	ob := newOutbox(n)
	n.outbox = ob
	n.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { ob.run(lctx) })
	// Links made while standing by pull nothing: make them again,
	// pulling.
	n.resetLinks(lctx)
	n.logger().Info("federation: leading, pulling from the peers and sealing the outbox")

	<-lctx.Done()
	n.mu.Lock()
	n.leading = false
	n.outbox = nil
	n.mu.Unlock()
	wg.Wait()
	n.resetLinks(n.ctx)
	n.logger().Info("federation: standing by")
}

// resetLinks stops every link and makes them again from the store.
func (n *Node) resetLinks(ctx context.Context) {
	n.mu.Lock()
	old := n.links
	n.links = map[string]*peerLink{}
	n.mu.Unlock()
	for _, l := range old {
		l.stop()
	}
	if n.ctx.Err() != nil {
		return
	}
	if err := n.refreshPeers(context.WithoutCancel(ctx)); err != nil {
		n.logger().Warn("read peers", "err", err)
	}
}

func (n *Node) defaults() {
	if n.PageSize <= 0 {
		n.PageSize = DefaultPageSize
	}
	if n.WaitTimeout <= 0 {
		n.WaitTimeout = DefaultWaitTimeout
	}
	n.WaitTimeout = min(n.WaitTimeout, MaxWaitTimeout)
	if n.PollInterval <= 0 {
		n.PollInterval = DefaultPollInterval
	}
	if n.GossipInterval <= 0 {
		n.GossipInterval = DefaultGossipInterval
	}
	if n.PeerRefresh <= 0 {
		n.PeerRefresh = DefaultPeerRefresh
	}
	if n.RetryMin <= 0 {
		n.RetryMin = DefaultRetryMin
	}
	if n.RetryMax <= 0 {
		n.RetryMax = DefaultRetryMax
	}
	if n.RetryInterval <= 0 {
		n.RetryInterval = DefaultRetryInterval
	}
}

func (n *Node) retryInterval() time.Duration { return n.RetryInterval }

// policy is the distribution model as this node applies it.
func (n *Node) policy() rampart.Policy {
	return rampart.Policy{Organization: n.Identity.Organization(), Unmarked: n.Unmarked}
}

// members returns the member states of the federation other than this
// node's organisation that receive its TLP:AMBER: the national CSIRTs of
// the registry, or those of them the collection's Audience lists.
func (n *Node) members(ctx context.Context) ([]string, error) {
	aud, err := LoadAudience(ctx, n.Settings, n.CollectionID)
	if err != nil {
		return nil, err
	}
	self := n.Identity.Organization()
	var out []string
	for _, o := range n.Verifier.Registry().Organizations() {
		if o.Role == trust.RoleNationalCSIRT && o.ID != self && (aud == nil || slices.Contains(aud.To, o.ID)) {
			out = append(out, o.ID)
		}
	}
	return out, nil
}

// references looks up the objects objs refer to in every collection of
// the node.
func (n *Node) references(ctx context.Context, objs []*stix.Object) (func(*stix.Object) []*stix.Object, error) {
	return rampart.FindReferences(ctx, n.Objects, n.Collections, objs)
}

// Handler returns what the node serves its peers: TAXII 2.1 under the
// node's API roots, each peer seeing only what it may receive, and the
// federation endpoints (/federation/v1/). Every request must come from a
// peer authenticated by a trust.Listener.
func (n *Node) Handler() http.Handler { return n.handler }

// Close stops pulling, waits for the exchanges in progress to end, and
// records what was served since the last record. Safe to call on a Node
// that failed to open.
func (n *Node) Close() error {
	if n.cancel == nil {
		return nil
	}
	n.cancel()
	n.mu.Lock()
	links := n.links
	n.links = map[string]*peerLink{}
	n.mu.Unlock()
	for _, l := range links {
		l.stop()
	}
	n.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.flushOut(ctx)
	return nil
}

var _ rampart.ObjectSubscriber = (*Node)(nil)

// ObjectsAdded is told of versions stored in a collection (the node's
// object service calls it): waiting peers learn at once of those in the
// federated collection, and the node's own objects that go sealed are
// queued for sealing. It never blocks.
func (n *Node) ObjectsAdded(_ context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	if collectionID != n.CollectionID || len(vs) == 0 {
		return
	}
	n.changes.notify()
	n.mu.RLock()
	ob := n.outbox
	n.mu.RUnlock()
	if ob != nil {
		ob.offer(vs)
	}
}

// ObjectsDeleted does nothing: a version a peer pulled stays with it.
func (n *Node) ObjectsDeleted(context.Context, string, []string) {}

// UpdateRegistry checks a newer registry version as trust.Verifier does
// and, once it is accepted, saves it (SaveRegistry) and tells waiting
// peers, which then fetch it. It returns the error of the check: wrapping
// trust.ErrStaleRegistry for a version not newer than the trusted one and
// trust.ErrQuorum for one without enough authority signatures.
func (n *Node) UpdateRegistry(data []byte) (*trust.Registry, error) {
	reg, err := n.Verifier.UpdateRegistry(data)
	if err != nil {
		return nil, err
	}
	n.logger().Info("trust registry updated", "version", reg.Version(), "signers", strings.Join(reg.Signers(), ", "))
	if n.SaveRegistry != nil {
		if err := n.SaveRegistry(reg.Bytes()); err != nil {
			n.logger().Error("save trust registry", "version", reg.Version(), "err", err)
		}
	}
	n.changes.notify()
	n.mu.RLock()
	ob := n.outbox
	n.mu.RUnlock()
	if ob != nil {
		// New keys may let failed deliveries through.
		ob.retryFailed()
	}
	return reg, nil
}

func (n *Node) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (n *Node) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// every runs fn every d until the node stops.
func (n *Node) every(d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
			fn(n.ctx)
		}
	}
}

// refreshPeers starts a link to each peer in the store that has none, and
// stops the links of peers removed (or changed, which start again).
func (n *Node) refreshPeers(ctx context.Context) error {
	peers, err := n.Peers.FindPeers(ctx)
	if err != nil {
		return fmt.Errorf("read peers: %w", err)
	}
	var stop []*peerLink
	n.mu.Lock()
	seen := map[string]bool{}
	for _, p := range peers {
		seen[p.ID] = true
		if l := n.links[p.ID]; l != nil {
			if l.peer.URL == p.URL && l.peer.APIRoot == p.APIRoot {
				continue
			}
			stop = append(stop, l)
		}
		l, err := n.newLink(p)
		if err != nil {
			n.logger().Error("peer", "peer", p.ID, "err", err)
			delete(n.links, p.ID)
			continue
		}
		n.links[p.ID] = l
		if !n.Manual && n.leading && n.ctx.Err() == nil {
			n.wg.Go(func() { n.runLink(l) })
		} else {
			close(l.done) // no background loop to wait for
		}
	}
	for id, l := range n.links {
		if !seen[id] {
			stop = append(stop, l)
			delete(n.links, id)
		}
	}
	n.mu.Unlock()
	for _, l := range stop {
		l.stop()
	}
	return nil
}

// link returns the link to a peer, nil when it is not a peer.
func (n *Node) link(org string) *peerLink {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.links[org]
}

// Sync runs one round with the peer now: it pulls every collection the
// peer shares until nothing is new, and returns the first error. Rounds
// with one peer never overlap; one started in the background meanwhile
// waits for this one.
func (n *Node) Sync(ctx context.Context, peerID string) error {
	l := n.link(peerID)
	if l == nil {
		return rampart.Errorf(rampart.ENOTFOUND, "%q is not a peer of this node", peerID)
	}
	colls, err := n.discover(ctx, l)
	if err != nil {
		return err
	}
	for _, c := range colls {
		if err := n.round(ctx, l, c); err != nil {
			return err
		}
	}
	return nil
}

func (n *Node) flushOut(ctx context.Context) {
	n.out.Range(func(key, v any) bool {
		org, c := key.(string), v.(*atomic.Int64)
		k := c.Swap(0)
		if k == 0 {
			return true
		}
		err := n.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: org, At: n.now(), ObjectsOut: k})
		if err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
			c.Add(k) // recorded next time
			n.logger().Warn("record objects served", "peer", org, "err", err)
		}
		return true
	})
}

func (n *Node) countOut(org string, k int64) {
	v, _ := n.out.LoadOrStore(org, new(atomic.Int64))
	v.(*atomic.Int64).Add(k)
}

// baseURL returns a peer URL without a trailing slash, checked.
func baseURL(p *rampart.Peer) (string, error) {
	u, err := url.Parse(p.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("peer %s: url %q is not an https URL", p.ID, p.URL)
	}
	return strings.TrimSuffix(p.URL, "/"), nil
}
