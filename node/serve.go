package node

import (
	"context"
	"crypto/tls"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/federation"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/trust"
	"github.com/rampart-cti/rampart/web"
)

// ServeConfig is how a node serves: its addresses, TLS and limits.
type ServeConfig struct {
	// Listen is the address of TAXII and the JSON API. Plain HTTP is
	// served on loopback addresses only.
	Listen string
	// TLSCert and TLSKey name a certificate and its key (PEM); SelfSigned
	// makes and keeps one in the data directory instead.
	TLSCert, TLSKey string
	SelfSigned      bool
	// MaxContentLength is the largest request body for API roots that set
	// none; MaxPageSize the most objects a page holds.
	MaxContentLength int64
	MaxPageSize      int
	// PeerListen is the address of the node link, where peers connect.
	// Empty, a node with keys and a registry listens where the registry
	// says its node is.
	PeerListen string
	// QKD is the node's QKD key management entity, mixed into the node
	// link when it names one (docs/QKD.md).
	QKD QKDConfig
	// Federate names the collection (id or alias) shared with peers; the
	// default collection when empty.
	Federate string
	// PublicURL is where clients reach the node (scheme, host, port and
	// the path it is served under, if any), from which the TAXII
	// discovery resource makes the URLs of the API roots; ParsePublicURL
	// checks it. Empty, Serve derives it from the listening address, and
	// discovery gives relative URLs when that address names no host
	// (0.0.0.0, ::). The Host header of a request is never used.
	PublicURL string
	// Timeouts bound every HTTP exchange of the node, on Listen and on
	// the node link.
	Timeouts Timeouts
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the
	// client whose failed logins count (internal/httpauth).
	TrustedProxies []netip.Prefix
	// ArchiveRetention is how long the values sensors reported are kept
	// for retro-hunts (DefaultArchiveRetention when 0).
	ArchiveRetention time.Duration
	// Bus, when it names one, carries observation uploads to matcher
	// workers and every stored version to the object stream
	// (docs/STREAMING.md).
	Bus BusConfig
	// GossipInterval is how often a federating node fetches its peers'
	// transparency log heads (federation.DefaultGossipInterval when 0).
	GossipInterval time.Duration
}

// DefaultServeConfig is the configuration serve starts from: the limits
// of TAXII, the QKD rotation and gossip intervals of the node link, and
// the archive's retention.
func DefaultServeConfig() ServeConfig {
	return ServeConfig{
		Listen:           "127.0.0.1:8080",
		MaxContentLength: taxii.DefaultMaxContentLength,
		MaxPageSize:      taxii.DefaultMaxPageSize,
		Federate:         DefaultCollection,
		GossipInterval:   federation.DefaultGossipInterval,
		ArchiveRetention: DefaultArchiveRetention,
		QKD:              QKDConfig{RotateAfter: trust.DefaultQKDRotateAfter, RotateBytes: trust.DefaultQKDRotateBytes},
		Bus:              BusConfig{Workers: 1, Replicas: 1},
	}
}

// ParsePublicURL checks a node's public URL and returns it in the form
// ServeConfig.PublicURL keeps: http or https, a host, no query, fragment
// or user, no trailing slash.
func ParsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("public URL %q: %v", s, err)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("public URL %q: the scheme must be https (or http on loopback), not %q", s, u.Scheme)
	case u.Host == "":
		return "", fmt.Errorf("public URL %q has no host: give https://HOST[:PORT][/PATH]", s)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("public URL %q: only scheme, host, port and path are allowed (TAXII API root URLs take no query)", s)
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// publicURL returns the public URL a node listening at addr derives when
// none is configured: "" (relative URLs) for an address that names no
// host.
func publicURL(scheme string, addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		return ""
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Serve runs the node until ctx ends: it takes the data directory's lock,
// starts every engine (Start), serves TAXII 2.1, the JSON API, /healthz
// and /metrics at sc.Listen, and, with keys and a registry, federation on
// the node link. It returns when the servers have shut down, or the error
// that kept them from starting.
func (n *Node) Serve(ctx context.Context, sc ServeConfig) error {
	useTLS := sc.TLSCert != "" || sc.SelfSigned
	if !useTLS && !Loopback(sc.Listen) {
		return fmt.Errorf("refusing to serve plain HTTP on %q: only loopback addresses may go without TLS", sc.Listen)
	}
	if sc.PublicURL != "" {
		u, err := ParsePublicURL(sc.PublicURL)
		if err != nil {
			return err
		}
		sc.PublicURL = u
	}
	if n.Config.PostgresURL == "" {
		lock, err := lockDataDir(n.Config.DataDir)
		if err != nil {
			return err
		}
		n.closers = append(n.closers, lock)
	}
	scheme := "http"
	var tlsCfg *tls.Config
	if useTLS {
		cfg, fingerprint, err := tlsConfig(n.Config.DataDir, sc.TLSCert, sc.TLSKey, sc.Listen)
		if err != nil {
			return err
		}
		tlsCfg = cfg
		scheme = "https"
		if fingerprint != "" {
			fmt.Fprintf(n.Config.Notices, "rampart: self-signed certificate SHA-256 fingerprint %s\n", fingerprint)
		}
	}
	ln, err := net.Listen("tcp", sc.Listen)
	if err != nil {
		return fmt.Errorf("listen on %q: %v", sc.Listen, err)
	}
	if sc.PublicURL == "" {
		sc.PublicURL = publicURL(scheme, ln.Addr())
	}
	if err := n.Start(ctx, sc); err != nil {
		ln.Close()
		return err
	}
	srv := sc.Timeouts.server(n.Handler(), ctx, n.logger)
	if useTLS {
		srv.TLSConfig = tlsCfg
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	fmt.Fprintf(n.Config.Notices, "rampart: serving TAXII 2.1 at %s://%s/taxii2/\n", scheme, ln.Addr())
	if sc.PublicURL == "" {
		fmt.Fprintf(n.Config.Notices, "rampart: hint: discovery names API roots by relative URLs, as %s names no host: give --public-url https://NAME[:PORT] to name them in full\n", sc.Listen)
	}
	n.logger.Info("serving", "address", ln.Addr().String(), "tls", useTLS, "data", n.Config.DataDir)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %v", err)
	case <-ctx.Done():
	}
	n.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// Handler returns what a started node serves: TAXII 2.1 (/taxii2/ and the
// API roots), the JSON API (/api/v1/), the MISP feed of what an account
// may read (/misp/feed/), the console (/console/, where a
// browser opening / is sent), /healthz (with the leases this process
// holds) and /metrics.
func (n *Node) Handler() http.Handler {
	s := n.serving
	mux := http.NewServeMux()
	mux.Handle("/", s.taxii.Handler())
	mux.Handle("/api/v1/", s.api.Handler())
	mux.Handle(web.MISPFeedPath, s.api.Handler())
	mux.Handle(web.ConsolePath, s.api.Console())
	taxiiRoot := s.taxii.Handler()
	mux.Handle("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A browser opening the node finds the console; a TAXII client
		// keeps TAXII's answer.
		if web.WantsHTML(r) {
			http.Redirect(w, r, web.ConsolePath, http.StatusSeeOther)
			return
		}
		taxiiRoot.ServeHTTP(w, r)
	}))
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// A cheap query proves the store answers.
		if _, err := n.Collections.FindAPIRoots(r.Context()); err != nil {
			n.logger.Error("health check", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unavailable"}`))
			return
		}
		// Which singletons run here: behind a load balancer, each
		// replica answers for itself.
		b, _ := json.Marshal(struct {
			Status string   `json:"status"`
			Leases []string `json:"leases"`
		}{"ok", append([]string{}, s.leases.Held()...)})
		w.Write(b)
	})
	return s.deadlines.Handler(s.metrics.instrument(n.logger, mux))
}

// Loopback reports whether a listen address is on the loopback interface
// only ("localhost", 127.0.0.0/8, ::1).
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// methodLabel is the method label of a request's metrics: the methods
// HTTP defines, and "other" for the rest, since a client chooses the
// method and must not be able to grow the metrics without bound.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusRetention is how long status resources are kept; TAXII asks for at
// least 24 hours.
const statusRetention = 7 * 24 * time.Hour

func (n *Node) purgeStatuses(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if k, err := n.Statuses.DeleteStatuses(ctx, time.Now().Add(-statusRetention)); err != nil && ctx.Err() == nil {
			n.logger.Warn("purge statuses", "err", err)
		} else if k > 0 {
			n.logger.Info("purged statuses", "count", k)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// newTAXII returns the TAXII server for accounts.
func (n *Node) newTAXII(ctx context.Context, sc ServeConfig) (*taxii.Server, error) {
	ts := taxii.NewServer()
	ts.Objects, ts.Collections, ts.Accounts, ts.Statuses, ts.Secrets = n.Objects, n.Collections, n.Accounts, n.Statuses, n.Secrets
	ts.DefaultAPIRoot = DefaultAPIRoot
	ts.BaseURL = sc.PublicURL
	if sc.MaxPageSize > 0 {
		ts.MaxPageSize = sc.MaxPageSize
	}
	ts.MaxContentLength = sc.MaxContentLength
	// Objects posted pass the node's warninglists too, as those it reads
	// (the serving node reads them again within a second of a change).
	if _, err := n.Warninglists(ctx); err != nil {
		n.logger.Warn("warninglists not read", "err", err)
	}
	ts.Validate = n.validatePosted
	ts.Access = n.Access
	ts.Logger = n.logger
	if n.serving != nil {
		ts.Authenticator = n.serving.auth
	}
	if err := ts.Open(ctx); err != nil {
		return nil, err
	}
	return ts, nil
}
