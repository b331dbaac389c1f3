package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"

	"github.com/rampart-cti/rampart/federation"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/trust"
)

const serveUsage = `Usage: rampart serve [flags]

Runs a node: the TAXII 2.1 server at /taxii2/; the JSON API at /api/v1/
(incidents, alerts, watchlists, statements, attribution queries, the audit
of what was shared, and POST /api/v1/observations, which matches sensor
logs against every indicator the node holds and stores the sightings);
health at /healthz and Prometheus metrics at /metrics. Every reader sees
only what its organisation may read (TLP 2.0 and addressing; docs/
FEDERATION.md). The matcher, early warning and federation follow every
write, whatever made it (this process or a command run beside it). The
feeds defined with "rampart feed add" run on their intervals (docs/FEEDS.md).

On first start the node creates an API root "cti" with one read-write
collection (alias "default") and an administrator "admin", whose password is
$RAMPART_ADMIN_PASSWORD when set, or generated and written to
DIR/admin-credentials (mode 0600). One "rampart serve" runs per data
directory. On PostgreSQL, any number of "rampart serve" replicas (each with
its own --data) share one database and behave as one node behind a load
balancer: federation, early warning, the feeds and the purges run on one
replica at a time, and move to another within about a second when it
dies; /healthz says which run where (docs/DEPLOYMENT.md).

Plain HTTP is served on loopback addresses only; any other address needs TLS
(--tls-cert and --tls-key, or --tls-self-signed for trials). TLS prefers the
hybrid post-quantum key exchange X25519MLKEM768. TAXII discovery lists, to
each account, the API roots in which it has a grant, at --public-url (never
at the Host a request names).

Every exchange is bounded: headers within 10 s; a request body, and an
answer, may pause at most 30 s and must average 16 KiB/s after the first
30 s, or the connection is cut; a body larger than the limit its
Content-Length declares, or sent without valid credentials, is refused
from its headers, unread (docs/SERVING.md).

Failed HTTP Basic logins are limited per client address (429 with
Retry-After; docs/ACCOUNTS.md). Behind a reverse proxy, name it with
--trusted-proxy so that the address it writes in X-Forwarded-For counts;
from any other peer that header is ignored. Tools should use bearer tokens
("rampart user token"), which are neither slow to check nor limited.

Flags:
`

const federationFlagsUsage = `
Federation: with the organisation's keys ("rampart org init", or --identity)
and a trust registry (--registry), the node signs what it writes, places
sightings in their member states for early warning, and federates: it pulls
from its peers ("rampart peer add") and serves them, on the node link (at
--peer-listen, or where the registry lists this node), what each may
receive of the --federate collection: TLP:CLEAR and TLP:GREEN in clear, its
TLP:AMBER sealed to every member state, addressed objects sealed to their
recipients. The files given are remembered: later commands and starts need
them no more. Newer registry versions, from peers or put in the --registry
file, are accepted only when signed by a quorum of the authority already
trusted. Every minute (--gossip-interval) the node fetches its peers'
transparency log heads, and the heads they hold of others, and raises an
alert when a node showed two different logs (docs/TRANSPARENCY.md).
`

const qkdFlagsUsage = `
QKD (docs/QKD.md): with --qkd-kme, the node takes keys from its quantum key
distribution KME (ETSI GS QKD 014, mutual TLS with --qkd-cert and --qkd-key,
the KME's CA in --qkd-ca) as SAE --qkd-sae-id, and mixes one into every
node link with a peer that has a KME too: the link's traffic then depends
on the hybrid TLS secret and the QKD key together. A link takes a fresh key
per connection and at least every --qkd-rotate-after or
--qkd-rotate-bytes. Per peer, "rampart peer add --qkd-sae-id ID --qkd
required" refuses links without a key; "preferred" (the default) falls
back to post-quantum TLS alone and says so in "rampart peer status" and
/metrics (rampart_peer_qkd).
`

const busFlagsUsage = `
Message bus (docs/STREAMING.md): with --bus embedded (a NATS JetStream server
inside this process, its store in DIR/nats) or --nats URL (an external NATS
server or cluster), POST /api/v1/observations queues each upload for the
matcher workers and answers 202 (429 with Retry-After when they are behind);
--workers of them run in this process, and "rampart worker --nats URL" runs
more on other machines. On a NATS cluster, --nats-replicas 3 keeps three
copies of each stream (docs/DEPLOYMENT.md). Every object version stored is published to the
object stream, which accounts follow at GET /api/v1/stream (what each may
read) and trusted internal consumers at the NATS subjects
rampart.objects.<api root>.<collection>.<type> (everything, TLP:RED
included).
`

const serveExamples = `
Examples:
    rampart serve
    rampart serve --data /var/lib/rampart --listen 0.0.0.0:8443 --tls-cert node.crt --tls-key node.key
    rampart serve --listen 127.0.0.1:0 --tls-self-signed
    rampart serve --listen 0.0.0.0:8443 --tls-cert node.crt --tls-key node.key --public-url https://cti.example.eu:8443
    rampart serve --listen 127.0.0.1:8080 --trusted-proxy 127.0.0.1
    RAMPART_POSTGRES=postgres://rampart@/rampart rampart serve
    rampart serve --registry registry.json
    rampart serve --identity node.key --registry registry.json --peer-listen 0.0.0.0:8443
    rampart serve --identity node.key --registry registry.json --qkd-kme https://kme.example:443 --qkd-sae-id de-bsi --qkd-cert sae.pem --qkd-key sae.key --qkd-ca kme-ca.pem
    rampart serve --bus embedded --bus-listen 127.0.0.1:4222
    rampart serve --nats nats://nats.internal:4222 --workers 0
`

// serveFlags are the flags of serve.
type serveFlags struct {
	store                                                storeFlags
	sc                                                   node.ServeConfig
	logFormat, logLevel, identity, registry, fingerprint string
}

func (f *serveFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	sc := &f.sc
	fs.StringVar(&sc.Listen, "listen", "127.0.0.1:8080", "`address` to listen on")
	fs.StringVar(&sc.TLSCert, "tls-cert", "", "TLS certificate chain `file` (PEM)")
	fs.StringVar(&sc.TLSKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.BoolVar(&sc.SelfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed certificate kept in the data directory")
	fs.Int64Var(&sc.MaxContentLength, "max-content-length", taxii.DefaultMaxContentLength, "largest request body in `bytes` for API roots that set none")
	fs.IntVar(&sc.MaxPageSize, "max-page-size", taxii.DefaultMaxPageSize, "most objects per page")
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
	fs.DurationVar(&sc.QKD.RotateAfter, "qkd-rotate-after", trust.DefaultQKDRotateAfter, "a link takes a fresh QKD key after this `duration`")
	fs.Int64Var(&sc.QKD.RotateBytes, "qkd-rotate-bytes", trust.DefaultQKDRotateBytes, "a link takes a fresh QKD key after this many `bytes`")
	fs.StringVar(&sc.Federate, "federate", node.DefaultCollection, "the `collection` (id or alias) shared with peers")
	fs.DurationVar(&sc.GossipInterval, "gossip-interval", federation.DefaultGossipInterval, "how often the peers' transparency log heads are fetched and compared (`duration`; docs/TRANSPARENCY.md)")
	fs.DurationVar(&sc.ArchiveRetention, "archive-retention", node.DefaultArchiveRetention, "how long the values sensors reported are kept for retro-hunts (`duration`)")
	fs.Func("bus", "message `bus`: \"embedded\" starts NATS JetStream in this process (default: none, uploads are matched in the request)", func(v string) error {
		if v != "embedded" && v != "none" {
			return fmt.Errorf("want embedded or none (got %q); for an external NATS server give --nats URL", v)
		}
		sc.Bus.Embedded = v == "embedded"
		return nil
	})
	fs.StringVar(&sc.Bus.Listen, "bus-listen", "", "`address` of the embedded NATS server (default 127.0.0.1 and a free port)")
	fs.StringVar(&sc.Bus.URL, "nats", "", "an external NATS server's `URL` (default $RAMPART_NATS)")
	fs.IntVar(&sc.Bus.Workers, "workers", 1, "matcher workers in this process when there is a bus (0: leave the queue to \"rampart worker\")")
	fs.IntVar(&sc.Bus.Replicas, "nats-replicas", 1, "copies of each stream a NATS cluster keeps (3 to survive the loss of a server)")
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
		printFlags(fs)
		fmt.Fprint(fs.Output(), federationFlagsUsage)
		fmt.Fprint(fs.Output(), qkdFlagsUsage)
		fmt.Fprint(fs.Output(), busFlagsUsage)
		fmt.Fprint(fs.Output(), serveExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("serve", "no arguments", fs.Args())
	}
	logger, err := m.newLogger(f.logFormat, f.logLevel)
	if err != nil {
		m.errorf("%v", err)
		return errUsage
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

// checkServeFlags refuses flags that do not go together, a public URL
// that is not one, plain HTTP beyond loopback and files that are not
// there; it normalises the public URL.
func (m *Main) checkServeFlags(f *serveFlags) error {
	sc := &f.sc
	if (sc.TLSCert == "") != (sc.TLSKey == "") {
		m.errorf("--tls-cert and --tls-key go together")
		return errUsage
	}
	if sc.PublicURL != "" {
		u, err := node.ParsePublicURL(sc.PublicURL)
		if err != nil {
			m.errorf("--public-url: %v", strings.TrimPrefix(err.Error(), "public URL "))
			return errUsage
		}
		sc.PublicURL = u
	}
	if sc.Bus.Embedded && sc.Bus.URL != "" {
		m.errorf("--bus embedded and --nats do not go together: the node uses its own NATS server or an external one")
		return errUsage
	}
	if sc.Bus.Workers < 0 {
		m.errorf("--workers %d: give 0 or more", sc.Bus.Workers)
		return errUsage
	}
	if sc.Bus.Replicas < 1 || sc.Bus.Replicas > 5 {
		m.errorf("--nats-replicas %d: NATS keeps 1 to 5 copies of a stream", sc.Bus.Replicas)
		return errUsage
	}
	if sc.Bus.Listen != "" && !sc.Bus.Embedded {
		m.errorf("--bus-listen is the address of the embedded NATS server: give --bus embedded too")
		return errUsage
	}
	if sc.TLSCert == "" && !sc.SelfSigned && !node.Loopback(sc.Listen) {
		m.errorf("refusing to serve plain HTTP on %q: only loopback addresses may go without TLS", sc.Listen)
		m.hintf("give --tls-cert FILE --tls-key FILE, or --tls-self-signed for a trial")
		return errUsage
	}
	if err := m.checkQKDFlags(&sc.QKD); err != nil {
		return err
	}
	for _, file := range []struct{ name, path string }{{"identity", f.identity}, {"registry", f.registry},
		{"qkd-cert", sc.QKD.CertFile}, {"qkd-key", sc.QKD.KeyFile}, {"qkd-ca", sc.QKD.CAFile}} {
		if file.path == "" {
			continue
		}
		if _, err := os.Stat(file.path); err != nil {
			m.errorf("--%s %q: %v", file.name, file.path, errors.Unwrap(err))
			return errUsage
		}
	}
	return nil
}

// checkQKDFlags refuses QKD flags that do not go together.
func (m *Main) checkQKDFlags(q *node.QKDConfig) error {
	if q.KME == "" {
		if q.SAE != "" || q.CertFile != "" || q.KeyFile != "" || q.CAFile != "" {
			m.errorf("--qkd-sae-id, --qkd-cert, --qkd-key and --qkd-ca need --qkd-kme URL, the node's QKD key management entity")
			return errUsage
		}
		return nil
	}
	if !strings.HasPrefix(q.KME, "https://") {
		m.errorf("--qkd-kme %q: the ETSI GS QKD 014 API is served over https (mutual TLS)", q.KME)
		return errUsage
	}
	if q.SAE == "" || q.CertFile == "" || q.KeyFile == "" || q.CAFile == "" {
		m.errorf("--qkd-kme needs --qkd-sae-id ID, --qkd-cert FILE, --qkd-key FILE and --qkd-ca FILE: the KME knows this node by its SAE id and TLS client certificate")
		return errUsage
	}
	if q.RotateAfter <= 0 || q.RotateBytes <= 0 {
		m.errorf("--qkd-rotate-after and --qkd-rotate-bytes must be positive (got %s and %d)", q.RotateAfter, q.RotateBytes)
		return errUsage
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
