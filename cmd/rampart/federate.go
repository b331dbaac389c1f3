package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rampart-cti/rampart/federation"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// federationFlags are the flags of "rampart serve" that make a node
// federate with its peers.
type federationFlags struct {
	identity    string
	registry    string
	fingerprint string
	peerListen  string
	collection  string
}

const federationFlagsUsage = `
Federation: give --identity, --registry and --peer-listen together to run
as a federating node or hub. The node then pulls from its peers ("rampart
peer add") and serves them, on the node link at --peer-listen (TLS 1.3 with
hybrid post-quantum key exchange only; peers authenticate with their
registry keys), what each may receive of the --federate collection.
Newer registry versions, from peers or put in the --registry file, are
accepted only when signed by a quorum of the authority already trusted.
`

func (ff *federationFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&ff.identity, "identity", "", "this node's private keys `file` (\"rampart keys generate\"), to federate")
	fs.StringVar(&ff.registry, "registry", "", "the trust registry `file` this node trusts; newer versions it accepts are written back to it")
	fs.StringVar(&ff.fingerprint, "registry-fingerprint", "", "refuse a --registry whose authority fingerprint is not `FP` (obtained out of band)")
	fs.StringVar(&ff.peerListen, "peer-listen", "", "`address` of the node link where peers connect")
	fs.StringVar(&ff.collection, "federate", defaultCollection, "the `collection` (id or alias) shared with peers")
}

// check reports flags given without the others they need.
func (ff *federationFlags) check() error {
	set := 0
	for _, v := range []string{ff.identity, ff.registry, ff.peerListen} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return errors.New("--identity, --registry and --peer-listen go together: give all three to federate, or none")
	}
	return nil
}

func (ff *federationFlags) enabled() bool { return ff.peerListen != "" }

// startFederation starts the node link and pulling from peers, when the
// flags ask for it: it returns nil otherwise. Objects received from peers
// go to onAdded, as those posted over TAXII do. What it starts is stopped
// by m.Close.
func (m *Main) startFederation(ctx context.Context, n *node, ff *federationFlags, logger *slog.Logger, onAdded func(string, []*stix.Object)) (*federation.Node, error) {
	if !ff.enabled() {
		return nil, nil
	}
	id, err := trust.ReadIdentityFile(ff.identity)
	if err != nil {
		return nil, fmt.Errorf("--identity: %v", err)
	}
	data, err := os.ReadFile(ff.registry)
	if err != nil {
		return nil, fmt.Errorf("--registry: %v", err)
	}
	var reg *trust.Registry
	if ff.fingerprint != "" {
		reg, err = trust.TrustRegistry(data, ff.fingerprint)
	} else {
		reg, err = trust.ParseRegistry(data)
	}
	if err != nil {
		return nil, fmt.Errorf("--registry %q: %v", ff.registry, err)
	}
	coll, err := findCollection(ctx, n, defaultAPIRoot, ff.collection)
	if err != nil {
		return nil, fmt.Errorf("--federate: %v", err)
	}
	v := trust.NewVerifier(reg, trust.DefaultPolicy())

	fed := federation.NewNode()
	fed.Identity, fed.Verifier = id, v
	fed.Objects, fed.Collections, fed.Accounts = n.objects, n.collections, n.accounts
	fed.Statuses, fed.Secrets, fed.Peers = n.statuses, n.secrets, n.peers
	fed.APIRoot, fed.CollectionID = coll.APIRoot, coll.ID
	fed.Validate = validateObject
	fed.OnAdded = onAdded
	fed.SaveRegistry = func(b []byte) error { return replaceFile(ff.registry, b, 0o644) }
	fed.Logger = logger
	if err := fed.Open(ctx); err != nil {
		return nil, err
	}
	m.closers = append(m.closers, fed)

	inner, err := net.Listen("tcp", ff.peerListen)
	if err != nil {
		return nil, fmt.Errorf("--peer-listen %q: %v", ff.peerListen, err)
	}
	cert, err := trust.GenerateCertificate(id.Profile())
	if err != nil {
		inner.Close()
		return nil, err
	}
	l := trust.NewListener(inner, cert, id, v)
	l.Logger = logger
	srv := &http.Server{
		Handler:           fed.Handler(),
		ConnContext:       l.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go srv.Serve(l)
	m.closers = append(m.closers, closerFunc(func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return nil
	}))
	go m.watchRegistry(ctx, fed, ff.registry, logger)

	org := reg.Organization(id.Organization())
	peers, err := n.peers.FindPeers(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(m.Stderr, "rampart: federating as %s (%s) with %d peer(s); node link at https://%s/ (registry version %d)\n",
		org.Name, org.ID, len(peers), inner.Addr(), reg.Version())
	logger.Info("federating", "organization", org.ID, "peers", len(peers), "node_link", inner.Addr().String(), "collection", coll.ID, "registry_version", reg.Version())
	return fed, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// chainOnAdded calls both functions; either may be nil.
func chainOnAdded(a, b func(string, []*stix.Object)) func(string, []*stix.Object) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(c string, objs []*stix.Object) { a(c, objs); b(c, objs) }
}

// watchRegistry offers the node every new content of the registry file, so
// that an operator who puts a newer version there (from "rampart registry
// sign") needs no restart. A file the node refuses is logged and left.
func (m *Main) watchRegistry(ctx context.Context, fed *federation.Node, path string, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	var last []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		data, err := os.ReadFile(path)
		if err != nil || bytes.Equal(data, last) || bytes.Equal(data, fed.Verifier.Registry().Bytes()) {
			continue
		}
		last = data
		if reg, err := fed.UpdateRegistry(data); err != nil {
			logger.Warn("registry file refused", "file", path, "err", err)
		} else {
			logger.Info("registry file accepted", "file", path, "version", reg.Version())
		}
	}
}
