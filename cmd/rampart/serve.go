package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart/internal/metrics"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/taxii"
)

const serveUsage = `Usage: rampart serve [flags]

Runs a node: the TAXII 2.1 server at /taxii2/; the JSON API at /api/v1/
(incidents, alerts, watchlists, statements, attribution queries, and
POST /api/v1/observations, which matches sensor logs against every indicator
the node holds and stores the sightings); health at /healthz and Prometheus
metrics at /metrics. The matcher and the early-warning engine follow the
store: what TAXII stores or deletes takes effect at once.

On first start the node creates an API root "cti" with one read-write
collection (alias "default") and an administrator "admin", whose password is
$RAMPART_ADMIN_PASSWORD when set, or generated and written to
DIR/admin-credentials (mode 0600).

Plain HTTP is served on loopback addresses only; any other address needs TLS
(--tls-cert and --tls-key, or --tls-self-signed for trials). TLS prefers the
hybrid post-quantum key exchange X25519MLKEM768.

Flags:
`

const serveExamples = `
Examples:
    rampart serve
    rampart serve --data /var/lib/rampart --listen 0.0.0.0:8443 --tls-cert node.crt --tls-key node.key
    rampart serve --listen 127.0.0.1:0 --tls-self-signed
    RAMPART_POSTGRES=postgres://rampart@/rampart rampart serve
    rampart serve --identity node.key --registry registry.json --peer-listen 0.0.0.0:8443
`

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	listen := fs.String("listen", "127.0.0.1:8080", "`address` to listen on")
	certFile := fs.String("tls-cert", "", "TLS certificate chain `file` (PEM)")
	keyFile := fs.String("tls-key", "", "TLS private key `file` (PEM)")
	selfSigned := fs.Bool("tls-self-signed", false, "serve HTTPS with a self-signed certificate kept in the data directory")
	maxContent := fs.Int64("max-content-length", taxii.DefaultMaxContentLength, "largest request body in `bytes` for API roots that set none")
	maxPage := fs.Int("max-page-size", taxii.DefaultMaxPageSize, "most objects per page")
	logFormat := fs.String("log-format", "auto", "log format: text, json, or auto (text on a terminal)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	var ff federationFlags // federation: see federate.go
	ff.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), federationFlagsUsage)
		fmt.Fprint(fs.Output(), serveExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("serve", "no arguments", fs.Args())
	}
	logger, err := m.newLogger(*logFormat, *logLevel)
	if err != nil {
		m.errorf("%v", err)
		return errUsage
	}
	if (*certFile == "") != (*keyFile == "") {
		m.errorf("--tls-cert and --tls-key go together")
		return errUsage
	}
	if err := ff.check(); err != nil {
		m.errorf("%v", err)
		return errUsage
	}
	useTLS := *certFile != "" || *selfSigned
	if !useTLS && !loopback(*listen) {
		m.errorf("refusing to serve plain HTTP on %q: only loopback addresses may go without TLS", *listen)
		m.hintf("give --tls-cert FILE --tls-key FILE, or --tls-self-signed for a trial")
		return errUsage
	}

	n, err := m.openAndBootstrap(ctx, &sf)
	if err != nil {
		return err
	}

	reg := &metrics.Registry{}
	ts := taxii.NewServer()
	ts.Objects, ts.Collections, ts.Accounts, ts.Statuses, ts.Secrets = n.objects, n.collections, n.accounts, n.statuses, n.secrets
	ts.DefaultAPIRoot = defaultAPIRoot
	ts.MaxPageSize = *maxPage
	ts.Validate = validateObject
	ts.MaxContentLength = *maxContent
	ts.Logger = logger
	// The matcher follows the store: indicators stored or deleted through
	// TAXII take effect at once.
	nm, err := newNodeMatcher(ctx, n, logger)
	if err != nil {
		return err
	}
	logger.Info("matcher loaded", "indicators", nm.m.Len(), "refused", len(nm.refused))
	ts.OnAdded = nm.added
	ts.OnDeleted = nm.deleted
	if err := ts.Open(ctx); err != nil {
		return err
	}
	m.closers = append(m.closers, ts)
	coordination, err := m.startCoordination(ctx, n, ts, logger)
	if err != nil {
		return err
	}
	// Federation (federate.go): the node link for peers and the pull from
	// them. Objects received from peers reach the matcher and coordination
	// as TAXII's do; objects posted here reach waiting peers at once.
	fed, err := m.startFederation(ctx, n, &ff, logger, ts.OnAdded)
	if err != nil {
		return err
	}
	if fed != nil {
		ts.OnAdded = chainOnAdded(ts.OnAdded, fed.ObjectsAdded)
		// The node's own sightings are signed with its registry keys, so
		// they federate like any signed object.
		org := fed.Identity.Organization()
		if coordination.api.Identity == "" {
			coordination.api.Identity = org
		}
		if coordination.api.Identity == org {
			coordination.api.Sign = fed.Identity.Sign
		} else {
			logger.Warn("coordination settings name another organisation than the node's keys: its sightings stay unsigned and do not federate",
				"settings", coordination.api.Identity, "keys", org)
		}
	}
	// Observations posted to the JSON API are matched by the same matcher
	// and their sightings reach coordination as TAXII's objects do.
	coordination.api.Matcher = nm.m
	coordination.api.OnAdded = ts.OnAdded
	if c, err := findCollection(ctx, n, defaultAPIRoot, defaultCollection); err == nil {
		coordination.api.SightingsCollection = c.ID
	} else {
		logger.Warn("no default collection: observation uploads must name one", "err", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/", instrument(reg, logger, coordination.wrap(ts.Handler())))
	mux.Handle("GET /metrics", reg.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// A cheap query proves the store answers.
		if _, err := n.collections.FindAPIRoots(r.Context()); err != nil {
			logger.Error("health check", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unavailable"}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	})

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	scheme := "http"
	if useTLS {
		cfg, fingerprint, err := m.tlsConfig(n.dataDir, *certFile, *keyFile, *listen)
		if err != nil {
			return err
		}
		srv.TLSConfig = cfg
		scheme = "https"
		if fingerprint != "" {
			fmt.Fprintf(m.Stderr, "rampart: self-signed certificate SHA-256 fingerprint %s\n", fingerprint)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %q: %v", *listen, err)
	}
	if useTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go m.purgeStatuses(ctx, n, logger)
	fmt.Fprintf(m.Stderr, "rampart: serving TAXII 2.1 at %s://%s/taxii2/\n", scheme, ln.Addr())
	logger.Info("serving", "address", ln.Addr().String(), "tls", useTLS, "data", n.dataDir)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %v", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// loopback reports whether a listen address is on the loopback interface
// only ("localhost", 127.0.0.0/8, ::1).
func loopback(addr string) bool {
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

// statusRetention is how long status resources are kept; TAXII asks for at
// least 24 hours.
const statusRetention = 7 * 24 * time.Hour

func (m *Main) purgeStatuses(ctx context.Context, n *node, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if k, err := n.statuses.DeleteStatuses(ctx, time.Now().Add(-statusRetention)); err != nil && ctx.Err() == nil {
			logger.Warn("purge statuses", "err", err)
		} else if k > 0 {
			logger.Info("purged statuses", "count", k)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// newLogger returns a slog logger on stderr: text on a terminal, JSON
// otherwise, unless format says which.
func (m *Main) newLogger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "auto":
		if progress.IsTerminal(m.Stderr) {
			return slog.New(slog.NewTextHandler(m.Stderr, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(m.Stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(m.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(m.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text, json or auto", format)
}

// instrument counts requests by method and status and times them, and logs
// each at debug level (never with credentials: only method, path, status).
func instrument(reg *metrics.Registry, logger *slog.Logger, h http.Handler) http.Handler {
	requests := reg.NewCounter("rampart_http_requests_total", "HTTP requests served, by method and status.", "method", "code")
	latency := reg.NewHistogram("rampart_http_request_duration_seconds", "Time to serve HTTP requests.",
		[]float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		d := time.Since(start)
		requests.Add(1, methodLabel(r.Method), strconv.Itoa(sw.status))
		latency.Observe(d.Seconds())
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
	})
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
