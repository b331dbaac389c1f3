package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
	"github.com/rampart-cti/rampart/federation"
	"github.com/rampart-cti/rampart/internal/endpoint"
	"github.com/rampart-cti/rampart/internal/httpauth"
	"github.com/rampart-cti/rampart/objecthook"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
	"github.com/rampart-cti/rampart/warninglist"
	"github.com/rampart-cti/rampart/web"
)

// serving is what a started node runs.
type serving struct {
	// deadlines pace the requests of both HTTP servers.
	deadlines endpoint.Deadlines
	metrics   *metrics
	matcher   *Matcher
	ew        *warning.Engine
	notifier  *webhook.Notifier
	taxii     *taxii.Server
	api       *web.Server
	// hooks delivers the stream webhooks (with a bus).
	hooks *objecthook.Deliverer
	auth  *httpauth.Authenticator // of TAXII and the JSON API
	fed   *federation.Node
	link  *http.Server
	// leases are the singletons' leases this process holds.
	leases leaseState

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []io.Closer
}

func (s *serving) close() error {
	s.cancel()
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i].Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Start builds and starts what a serving node runs, each once, with every
// subscriber of the object service registered before it opens: the
// matcher, early warning (with the webhooks it notifies), the JSON API's
// caches, the feeds on their intervals and, when the node has keys and a
// registry, federation and its node link. The singletons among them (the
// pulls from the peers and the outbox, early-warning evaluation, the feed
// schedules, retro-hunts, the purges and audit checkpoints) run only
// while this process holds their lease (Leases), so that replicas on one
// PostgreSQL store run each once, and another replica takes over within
// about DefaultLeaseRetry when the holder dies. Settings changed by the CLI or the API, and a new registry
// put in the registry file, take effect without a restart. Close stops it
// all.
func (n *Node) Start(ctx context.Context, sc ServeConfig) (err error) {
	if n.serving != nil {
		return errors.New("node: started twice")
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &serving{cancel: cancel, deadlines: sc.Timeouts.deadlines()}
	s.metrics = newMetrics()
	s.metrics.watch(n, s)
	n.serving = s
	n.Objects.Subscribe(s.metrics)
	defer func() {
		if err != nil {
			n.serving = nil
			s.close()
		}
	}()
	coll, err := n.FindCollection(ctx, DefaultAPIRoot, sc.Federate)
	if err != nil {
		return fmt.Errorf("--federate: %w", err)
	}

	// The matcher, filled from the store once the API is built.
	s.matcher = NewMatcher(n.Objects, n.Collections, n.logger)
	if s.matcher.Lifecycle, err = n.Lifecycle(ctx); err != nil {
		return err
	}

	// Early warning and the webhooks it notifies, from the settings.
	settings, err := warning.LoadSettings(ctx, n.Settings)
	if err != nil {
		return err
	}
	s.notifier = &webhook.Notifier{Hooks: settings.Webhooks, Logger: n.logger}
	if err := s.notifier.Open(ctx); err != nil {
		return err
	}
	s.closers = append(s.closers, s.notifier)
	if s.ew, err = n.EarlyWarning(ctx); err != nil {
		return err
	}
	s.ew.Notifier = s.notifier
	// Every replica keeps the rules and watchlists; the one that holds
	// the lease evaluates.
	s.ew.Standby = true
	n.Objects.Subscribe(s.ew)

	// The JSON API, and TAXII after it, with one authenticator.
	s.auth = n.newAuthenticator(sc)
	s.api = web.NewServer()
	s.api.Authenticator = s.auth
	s.api.Accounts, s.api.Objects, s.api.Collections, s.api.Coord, s.api.EarlyWarning = n.Accounts, n.Objects, n.Collections, n.Coord, s.ew
	s.api.Settings, s.api.Access, s.api.Verifier = n.Settings, n.Access, n.Verifier
	if n.Identity != nil {
		s.api.Identity = n.Identity
	}
	s.api.Audit = n.Audit
	s.api.Log = n.Log
	s.api.Matcher, s.api.MatcherReady, s.api.SightingsCollection = s.matcher.M, s.matcher.Flush, coll.ID
	s.api.Sightings = func(ctx context.Context, collectionID string) web.SightingSink {
		return n.NewSightings(ctx, collectionID)
	}
	s.api.Logger = n.logger
	s.api.Federation, s.api.Organizations, s.api.Admin = n, n.Organizations, n
	s.api.Search = n.Search
	s.api.Lifecycle = n
	s.api.Warninglists = func(ctx context.Context) *warninglist.Checker {
		wl, err := n.Warninglists(ctx)
		if err != nil {
			n.logger.Warn("warninglists not read", "err", err)
		}
		return wl.Checker
	}
	// The message bus: uploads queued for the workers, every version
	// published to the object stream.
	var work func()
	if sc.Bus.Enabled() {
		b, closers, err := n.openBus(ctx, sc.Bus, "rampart serve")
		if err != nil {
			return err
		}
		s.closers = append(s.closers, closers...)
		s.api.Observations, s.api.ObjectStream = b, b
		hooks := n.newStreamHooks(b)
		s.hooks, s.api.StreamHookStatus = hooks, hooks.Statuses
		s.wg.Go(func() {
			n.underLease(sctx, s, LeaseStreamHooks, DefaultLeaseRetry, func(ctx context.Context) {
				if err := hooks.Run(ctx); err != nil {
					n.logger.Error("stream webhooks stopped", "err", err)
				}
			})
		})
		pub := newPublisher(b, n.Collections, n.logger)
		n.Objects.Subscribe(pub)
		s.wg.Go(func() { pub.run(sctx) })
		if sc.Bus.Workers > 0 {
			w := &worker{n: n, m: s.matcher, collection: coll.ID}
			work = func() {
				s.wg.Go(func() {
					if err := runWorkers(sctx, w, b, sc.Bus.Workers, nil, 0); err != nil {
						n.logger.Error("matcher workers stopped", "err", err)
					}
				})
			}
		}
	}

	if err := s.api.Open(ctx); err != nil {
		return err
	}
	// The knowledge attribution ranks against is built while the
	// matcher loads: from a million objects either takes tens of seconds.
	s.wg.Go(func() {
		if err := s.api.Warm(sctx); err != nil && sctx.Err() == nil {
			n.logger.Warn("attribution knowledge not built at start", "err", err)
		}
	})

	// The matcher, loaded from the store.
	read, refused := s.matcher.Load(ctx)
	for i, err := range refused {
		if i == 10 {
			n.logger.Warn("more indicators refused by the matcher", "count", len(refused)-i)
			break
		}
		n.logger.Warn("indicator refused by the matcher", "err", err)
	}
	n.logger.Info("matcher loaded", "indicators", s.matcher.M.Len(), "read", read, "decayed", s.matcher.Decayed())
	n.Objects.Subscribe(s.matcher)
	n.Objects.Subscribe(invalidator{s.api})

	// Retro-hunts: every indicator stored is matched against what the
	// sensors reported before it came.
	if n.Archive != nil {
		retention := cmp.Or(sc.ArchiveRetention, DefaultArchiveRetention)
		h := newHunter(n, coll.ID, retention)
		n.Objects.Subscribe(h)
		s.wg.Go(func() { n.underLease(sctx, s, LeaseArchive, DefaultLeaseRetry, h.run) })
	}

	// Federation, with keys and a registry.
	if err := n.startFederation(ctx, s, sc, coll); err != nil {
		return err
	}
	if n.Verifier != nil {
		if err := n.Log.AppendRegistry(ctx, n.Verifier.Registry()); err != nil {
			n.logger.Warn("transparency log: registry not logged", "err", err)
		}
	}

	// Everything subscribed: follow the store, then start the engines
	// that read it.
	if err := n.Objects.Open(ctx); err != nil {
		return err
	}
	s.closers = append(s.closers, n.Objects)
	if work != nil {
		work()
	}
	if err := s.ew.Open(ctx); err != nil {
		return err
	}
	s.closers = append(s.closers, s.ew)
	s.wg.Go(func() {
		n.underLease(sctx, s, LeaseEarlyWarning, DefaultLeaseRetry, func(ctx context.Context) {
			if err := s.ew.Lead(ctx); err != nil {
				n.logger.Warn("early warning not started", "err", err)
			}
		})
	})
	if s.fed != nil {
		s.wg.Go(func() { n.underLease(sctx, s, LeaseFederation, DefaultLeaseRetry, s.fed.Lead) })
	}
	if s.taxii, err = n.newTAXII(ctx, sc); err != nil {
		return err
	}
	s.wg.Go(func() { n.underLease(sctx, s, LeaseStatusPurge, DefaultLeaseRetry, n.purgeStatuses) })
	s.wg.Go(func() { n.underLease(sctx, s, LeaseAuditCheckpoint, DefaultLeaseRetry, n.checkpointAudit) })
	s.wg.Go(func() { n.watchSettings(sctx, s) })
	s.wg.Go(func() { n.underLease(sctx, s, LeaseFeeds, DefaultLeaseRetry, n.runFeeds) })
	s.wg.Go(func() { n.recheckScores(sctx, s.matcher) })
	if n.Verifier != nil {
		s.wg.Go(func() { n.watchRegistry(sctx, s) })
	}
	n.logger.Info("coordination", "collection", n.Coord.CollectionID, "organization", s.ew.Organization,
		"rules", fmt.Sprintf("%d states within %s", settings.Rules.MinStates, settings.Rules.Window),
		"watchlists", len(settings.Watchlists), "webhooks", len(settings.Webhooks))
	return nil
}

// EarlyWarning returns the node's early-warning engine, not yet open: the
// rules and watchlists of its settings, alerts written to the
// coordination collection as its organisation, signed with its keys, and
// member states placed by the registry and the node's organisations.
func (n *Node) EarlyWarning(ctx context.Context) (*warning.Engine, error) {
	settings, err := warning.LoadSettings(ctx, n.Settings)
	if err != nil {
		return nil, err
	}
	ew := warning.NewEngine()
	ew.Objects, ew.Collections, ew.CollectionID = n.Objects, n.Collections, n.Coord.CollectionID
	ew.Rules, ew.Watchlists, ew.Logger, ew.Now = settings.Rules, settings.Watchlists, n.logger, n.Config.Now
	ew.Organization = n.Organization(ctx)
	ew.CountryOf = func(org string) string { return n.CountryOf(context.Background(), org) }
	if n.Identity != nil {
		ew.Sign = n.Identity.Sign
	}
	return ew, nil
}

// invalidator tells the API that objects attribution reads were stored
// or deleted, so that the attribution knowledge built from a collection is
// rebuilt. Sightings, observed data, notes and the other types a sensor
// or an analyst adds all day leave it as it is: rebuilding costs seconds
// on a large store.
type invalidator struct {
	api interface{ Invalidate(collectionID string) }
}

func (i invalidator) ObjectsAdded(_ context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	for _, v := range vs {
		if slices.Contains(attribution.KnowledgeTypes, v.Object.Type) {
			i.api.Invalidate(collectionID)
			return
		}
	}
}

func (i invalidator) ObjectsDeleted(_ context.Context, collectionID string, ids []string) {
	for _, id := range ids {
		typ, _, _ := strings.Cut(id, "--")
		if slices.Contains(attribution.KnowledgeTypes, typ) {
			i.api.Invalidate(collectionID)
			return
		}
	}
}

// startFederation starts federation when the node has keys and a
// registry: the pull from its peers and the node link where they pull from
// it (at sc.PeerListen, or where the registry says this node is).
func (n *Node) startFederation(ctx context.Context, s *serving, sc ServeConfig, coll *rampart.Collection) error {
	if n.Identity == nil || n.Verifier == nil {
		if sc.PeerListen != "" {
			return errors.New("--peer-listen needs the node's keys and a trust registry: run \"rampart org init\", then give --registry (or --identity and --registry)")
		}
		return nil
	}
	org := n.Identity.Organization()
	reg := n.Verifier.Registry()
	self := reg.Organization(org)
	if self == nil {
		return fmt.Errorf("the node's organisation %s is not a member of the trust registry (version %d): ask the registry authority to add it (rampart registry add)", org, reg.Version())
	}
	listen := sc.PeerListen
	if listen == "" {
		var err error
		if listen, err = linkAddress(self); err != nil {
			return err
		}
	}
	linkQKD, closeKME, err := n.newLinkQKD(ctx, sc.QKD)
	if err != nil {
		return fmt.Errorf("qkd: %w", err)
	}
	s.closers = append(s.closers, closerFunc(func() error { closeKME(); return nil }))
	fed := federation.NewNode()
	fed.Identity, fed.Verifier = n.Identity, n.Verifier
	fed.QKD = linkQKD
	fed.Objects, fed.Collections, fed.Accounts = n.Objects, n.Collections, n.Accounts
	fed.Statuses, fed.Secrets, fed.Peers = n.Statuses, n.Secrets, n.Peers
	fed.Deliveries, fed.Settings, fed.Audit, fed.Access = n.Deliveries, n.Settings, n.Audit, n.Access
	fed.APIRoot, fed.CollectionID = coll.APIRoot, coll.ID
	fed.Validate = Validate
	fed.SaveRegistry = n.saveRegistry
	fed.Logger = n.logger
	// The transparency log: served to the peers, and the heads seen of
	// theirs kept and compared (gossip), a fork raising an alert.
	fed.Log = n.Log
	fed.Witness = &translog.Witness{Verifier: n.Verifier, Self: org}
	fed.OnFork = func(ctx context.Context, f *translog.Fork) {
		if err := n.raiseForkAlert(context.WithoutCancel(ctx), f); err != nil {
			n.logger.Error("transparency log: fork alert not raised", "log", f.Origin, "err", err)
		}
	}
	fed.GossipInterval = sc.GossipInterval
	fed.Rounds = s.metrics
	// Every replica serves the peers; the one that holds the lease pulls
	// from them and seals the outbox.
	fed.Standby = true
	n.Objects.Subscribe(fed)
	if err := fed.Open(ctx); err != nil {
		return err
	}
	s.closers = append(s.closers, fed)
	s.fed = fed

	inner, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("node link: listen on %q: %v", listen, err)
	}
	cert, err := trust.GenerateCertificate(n.Identity.Profile())
	if err != nil {
		inner.Close()
		return err
	}
	l := trust.NewListener(inner, cert, n.Identity, n.Verifier)
	l.Logger = n.logger
	l.QKD = linkQKD
	s.link = sc.Timeouts.server(s.deadlines.Handler(fed.Handler()), context.WithoutCancel(ctx), n.logger)
	s.link.ConnContext = l.ConnContext
	go s.link.Serve(l)
	s.closers = append(s.closers, closerFunc(func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.link.Shutdown(sctx)
		return nil
	}))
	peers, err := n.Peers.FindPeers(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(n.Config.Notices, "rampart: federating as %s (%s) with %d peer(s); node link at https://%s/ (registry version %d)\n",
		self.Name, self.ID, len(peers), inner.Addr(), reg.Version())
	if linkQKD != nil {
		fmt.Fprintf(n.Config.Notices, "rampart: QKD keys from the KME at %s as SAE %s are mixed into links with peers that have one\n", sc.QKD.KME, sc.QKD.SAE)
	}
	n.logger.Info("federating", "organization", org, "peers", len(peers), "node_link", inner.Addr().String(), "collection", coll.ID, "registry_version", reg.Version())
	return nil
}

// linkAddress returns where the node link listens when nothing says: the
// host and port of the organisation's first node URL in the registry, on
// every interface when the host is a name.
func linkAddress(o *trust.Organization) (string, error) {
	if len(o.Nodes) == 0 {
		return "", fmt.Errorf("the trust registry lists no node URL for %s: give --peer-listen ADDRESS, and ask the authority to list it (rampart registry add --node https://HOST:PORT/)", o.Name)
	}
	u, err := url.Parse(o.Nodes[0])
	if err != nil || u.Port() == "" {
		return "", fmt.Errorf("the trust registry's node URL for %s, %q, has no port: give --peer-listen ADDRESS", o.Name, o.Nodes[0])
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip == nil && host != "localhost" {
		host = ""
	}
	return net.JoinHostPort(host, u.Port()), nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
