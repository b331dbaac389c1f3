package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var serveUsage = helpText("serve-usage.txt")

var federationFlagsUsage = helpText("federation-flags-usage.txt")

var qkdFlagsUsage = helpText("qkd-flags-usage.txt")

var busFlagsUsage = helpText("bus-flags-usage.txt")

var serveExamples = helpText("serve-examples.txt")

// serveFlags are the flags of serve.
type serveFlags struct {
	store                                                storeFlags
	sc                                                   node.ServeConfig
	logFormat, logLevel, identity, registry, fingerprint string
}

func (f *serveFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	f.sc = node.DefaultServeConfig()
	sc := &f.sc
	fs.StringVar(&sc.Listen, "listen", sc.Listen, "`address` to listen on")
	fs.StringVar(&sc.TLSCert, "tls-cert", "", "TLS certificate chain `file` (PEM)")
	fs.StringVar(&sc.TLSKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.BoolVar(&sc.SelfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed certificate kept in the data directory")
	fs.Int64Var(&sc.MaxContentLength, "max-content-length", sc.MaxContentLength, "largest request body in `bytes` for API roots that set none")
	fs.IntVar(&sc.MaxPageSize, "max-page-size", sc.MaxPageSize, "most objects per page")
	fs.StringVar(&sc.PublicURL, "public-url", "", "`URL` where clients reach the node, from which TAXII discovery names the API roots (default: the --listen address; relative URLs when it names no host)")
	fs.StringVar(&f.logFormat, "log-format", "auto", "log format: text, json, or auto (text on a terminal)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.identity, "identity", "", "the organisation's private keys `file` (default: the one \"rampart org init\" made)")
	fs.StringVar(&f.registry, "registry", "", "the trust registry `file` this node trusts; newer versions it accepts are written back to it")
	fs.StringVar(&f.fingerprint, "registry-fingerprint", "", "refuse a --registry whose authority fingerprint is not `FP` (obtained out of band)")
	fs.StringVar(&sc.PeerListen, "peer-listen", "", "`address` of the node link where peers connect (default: the registry's URL of this node)")
	fs.StringVar(&sc.QKD.KME, "qkd-kme", "", "`URL` of this node's QKD key management entity (ETSI GS QKD 014)")
	fs.StringVar(&sc.QKD.SAE, "qkd-sae-id", "", "this node's SAE `id` at its KME")
	fs.StringVar(&sc.QKD.CertFile, "qkd-cert", "", "the SAE's TLS client certificate `file` (PEM)")
	fs.StringVar(&sc.QKD.KeyFile, "qkd-key", "", "the SAE's TLS client key `file` (PEM)")
	fs.StringVar(&sc.QKD.CAFile, "qkd-ca", "", "the CA certificate `file` of the KME (PEM)")
	fs.DurationVar(&sc.QKD.RotateAfter, "qkd-rotate-after", sc.QKD.RotateAfter, "a link takes a fresh QKD key after this `duration`")
	fs.Int64Var(&sc.QKD.RotateBytes, "qkd-rotate-bytes", sc.QKD.RotateBytes, "a link takes a fresh QKD key after this many `bytes`")
	fs.StringVar(&sc.Federate, "federate", sc.Federate, "the `collection` (id or alias) shared with peers")
	fs.DurationVar(&sc.GossipInterval, "gossip-interval", sc.GossipInterval, "how often the peers' transparency log heads are fetched and compared (`duration`; docs/TRANSPARENCY.md)")
	fs.DurationVar(&sc.ArchiveRetention, "archive-retention", sc.ArchiveRetention, "how long the values sensors reported are kept for retro-hunts (`duration`)")
	fs.Func("bus", "message `bus`: \"embedded\" starts NATS JetStream in this process (default: none, uploads are matched in the request)", func(v string) error {
		if v != "embedded" && v != "none" {
			return fmt.Errorf("want embedded or none (got %q); for an external NATS server give --nats URL", v)
		}
		sc.Bus.Embedded = v == "embedded"
		return nil
	})
	fs.StringVar(&sc.Bus.Listen, "bus-listen", "", "`address` of the embedded NATS server (default 127.0.0.1 and a free port)")
	fs.StringVar(&sc.Bus.URL, "nats", "", "an external NATS server's `URL` (default $RAMPART_NATS)")
	fs.IntVar(&sc.Bus.Workers, "workers", sc.Bus.Workers, "matcher workers in this process when there is a bus (0: leave the queue to \"rampart worker\")")
	fs.IntVar(&sc.Bus.Replicas, "nats-replicas", sc.Bus.Replicas, "copies of each stream a NATS cluster keeps (3 to survive the loss of a server)")
	fs.Int64Var(&sc.Bus.MaxQueuedBatches, "max-queued-batches", 0, "observation uploads the queue holds before answering 429 (default 10000)")
	fs.Func("trusted-proxy", "a reverse proxy's `address or prefix` whose X-Forwarded-For names the client (repeatable)", func(v string) error {
		p, err := parsePrefix(v)
		sc.TrustedProxies = append(sc.TrustedProxies, p)
		return err
	})
}

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	f.register(fs, m.Getenv)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		cli.PrintFlags(fs)
		fmt.Fprint(fs.Output(), federationFlagsUsage)
		fmt.Fprint(fs.Output(), qkdFlagsUsage)
		fmt.Fprint(fs.Output(), busFlagsUsage)
		fmt.Fprint(fs.Output(), serveExamples)
	}
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.WrongArgs("serve", "no arguments", fs.Args())
	}
	logger, err := m.newLogger(f.logFormat, f.logLevel)
	if err != nil {
		m.Errorf("%v", err)
		return cli.ErrUsage
	}
	if err := m.checkServeFlags(&f); err != nil {
		return err
	}
	if f.sc.Bus.URL == "" && !f.sc.Bus.Embedded {
		f.sc.Bus.URL = m.Getenv("RAMPART_NATS")
	}
	cfg := f.store.config()
	cfg.Create, cfg.Record = true, true
	cfg.AdminPassword = m.Getenv("RAMPART_ADMIN_PASSWORD")
	cfg.IdentityFile, cfg.RegistryFile, cfg.RegistryFingerprint = f.identity, f.registry, f.fingerprint
	cfg.Logger = logger
	n, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	return n.Serve(ctx, f.sc)
}

// checkServeFlags refuses flags that do not go together (node's checks)
// and files that are not there.
func (m *Main) checkServeFlags(f *serveFlags) error {
	if err := f.sc.Check(); err != nil {
		return m.configError(err)
	}
	for _, file := range []struct{ name, path string }{{"identity", f.identity}, {"registry", f.registry},
		{"qkd-cert", f.sc.QKD.CertFile}, {"qkd-key", f.sc.QKD.KeyFile}, {"qkd-ca", f.sc.QKD.CAFile}} {
		if _, err := os.Stat(file.path); file.path != "" && err != nil {
			return m.Usagef("--%s %q: %v", file.name, file.path, errors.Unwrap(err))
		}
	}
	return nil
}

// parsePrefix reads an address ("127.0.0.1", "::1") or a prefix
// ("10.0.0.0/8").
func parsePrefix(v string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(v); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("want an address or a prefix, such as 127.0.0.1 or 10.0.0.0/8 (got %q)", v)
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
