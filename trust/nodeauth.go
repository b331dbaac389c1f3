package trust

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
)

// Node authentication ("node proof"): right after the TLS 1.3 handshake, and
// before any application data, each side sends a JWS signed with both its
// registry keys over the connection's RFC 9266 channel binding (the TLS
// exporter with label "EXPORTER-Channel-Binding", 32 bytes), its
// organisation and its role (client or server). Each side checks the other's
// proof against the registry. Because the exporter is derived from the
// session's keys and handshake transcript, a proof is valid for this one
// connection only: an attacker in the middle, holding two different TLS
// sessions, cannot pass a proof from one to the other. docs/TRUST.md gives
// the full argument.

// Limits of the node proof exchange.
const (
	// MaxNodeProofBytes is the largest proof frame accepted.
	MaxNodeProofBytes = 64 << 10
	// DefaultHandshakeTimeout bounds the TLS handshake and proof exchange of
	// one connection.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultHelloTimeout bounds the wait for a connection's first
	// handshake message (the TLS ClientHello, a few hundred bytes a peer
	// sends at once): a connection that says nothing is closed after it.
	DefaultHelloTimeout = 5 * time.Second
	// MaxPendingHandshakes bounds how many connections a Listener
	// authenticates at once, so that slow or hostile clients cannot
	// exhaust the node. When all are taken, a connection from an address
	// that holds fewer than the address holding the most takes the place
	// of that address's oldest (one that has not sent its ClientHello
	// first); otherwise it is closed at once.
	MaxPendingHandshakes = 256
	// MaxPendingPerHost bounds the handshakes in progress from one IP
	// address, so that a single host, which needs no keys to open
	// connections, cannot take every one of MaxPendingHandshakes and keep
	// the peers out; more from it are closed at once. A peer node opens a
	// few connections at a time.
	MaxPendingPerHost = 32
)

const channelBindingLabel = "EXPORTER-Channel-Binding" // RFC 9266

// ErrNodeAuth reports a failed node authentication.
var ErrNodeAuth = errors.New("node authentication failed")

// Peer is the organisation at the other end of an authenticated connection.
type Peer struct {
	Organization *Organization
	// KeyIDs of the ML-DSA and the ECDSA key that signed the proof.
	KeyIDs [2]string
	// Group is the TLS key exchange group of the connection.
	Group tls.CurveID
	// SAE is the QKD secure application entity id the peer's proof
	// names: the peer has a QKD key management entity and takes keys
	// from it as this SAE ("" when it has none).
	SAE string
	// QKD says whether a QKD key was mixed into this connection's
	// traffic keys (see QKD); nil when neither side has a KME.
	QKD *LinkQKD
}

type proofPayload struct {
	Binding      string `json:"binding"`
	Organization string `json:"organization"`
	Role         string `json:"role"`
	// SAE is the signer's QKD SAE id, when it has a KME.
	SAE string `json:"qkd_sae,omitempty"`
}

// proofFrame is what goes on the wire, length-prefixed: a proof, or the
// reason the other side's proof was refused.
type proofFrame struct {
	Proof *jws.General `json:"proof,omitempty"`
	Error string       `json:"error,omitempty"`
}

// Authenticate runs the node proof exchange on conn, whose TLS handshake
// must be complete, as the server side when server is true. It returns the
// peer's organisation once its proof checks against v's registry and
// policy; otherwise an error wrapping ErrNodeAuth that says why. When the
// other side refuses this node's proof, the error carries its reason.
// ctx's deadline, if any, bounds the exchange.
func Authenticate(ctx context.Context, conn *tls.Conn, server bool, id *Identity, v *Verifier) (*Peer, error) {
	return authenticate(ctx, conn, server, id, v, "")
}

// authenticate is Authenticate with this node's QKD SAE id, named in its
// proof when not empty.
func authenticate(ctx context.Context, conn *tls.Conn, server bool, id *Identity, v *Verifier, sae string) (*Peer, error) {
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	cs := conn.ConnectionState()
	if !cs.HandshakeComplete {
		return nil, fmt.Errorf("%w: the TLS handshake is not complete", ErrNodeAuth)
	}
	// Either side's profile restricts the group further; here any hybrid
	// group a profile uses is enough.
	if err := checkState(cs, EUPQBase.TLSGroups()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNodeAuth, err)
	}
	binding, err := cs.ExportKeyingMaterial(channelBindingLabel, nil, 32)
	if err != nil {
		return nil, fmt.Errorf("%w: tls exporter: %v", ErrNodeAuth, err)
	}
	mine, theirs := "client", "server"
	if server {
		mine, theirs = theirs, mine
	}
	own, err := makeProof(id, binding, mine, sae)
	if err != nil {
		return nil, err
	}
	if !server {
		if err := writeFrame(conn, proofFrame{Proof: own}); err != nil {
			return nil, fmt.Errorf("%w: send proof: %v", ErrNodeAuth, err)
		}
	}
	f, err := readFrame(conn)
	if err != nil {
		return nil, fmt.Errorf("%w: read the %s's proof: %v", ErrNodeAuth, theirs, err)
	}
	if f.Error != "" {
		return nil, fmt.Errorf("%w: the %s refused this node: %s", ErrNodeAuth, theirs, f.Error)
	}
	peer, err := checkProof(v, f.Proof, binding, theirs)
	if err != nil {
		writeFrame(conn, proofFrame{Error: err.Error()})
		return nil, fmt.Errorf("%w: %s %s: %v", ErrNodeAuth, theirs, conn.RemoteAddr(), err)
	}
	peer.Group = cs.CurveID
	if server {
		if err := writeFrame(conn, proofFrame{Proof: own}); err != nil {
			return nil, fmt.Errorf("%w: send proof: %v", ErrNodeAuth, err)
		}
	}
	return peer, nil
}

func makeProof(id *Identity, binding []byte, role, sae string) (*jws.General, error) {
	if id.organization == "" {
		return nil, fmt.Errorf("%w: identity %s belongs to no organisation", ErrNodeAuth, id)
	}
	payload, err := json.Marshal(proofPayload{jws.Encode(binding), id.organization, role, sae}, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	return jws.Sign(payload, typNodeAuth, id.keys.pq, id.keys.ec)
}

// checkProof verifies a peer's proof: both signatures by keys the registry
// binds to the organisation the proof names, valid now, over this
// connection's binding and the expected role.
func checkProof(v *Verifier, g *jws.General, binding []byte, role string) (*Peer, error) {
	if g == nil {
		return nil, errors.New("no proof")
	}
	raw, err := jws.Decode(g.Payload)
	if err != nil {
		return nil, fmt.Errorf("proof payload is %v", err)
	}
	var p proofPayload
	if err := json.Unmarshal(raw, &p, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("proof payload: %v", jsonText(err))
	}
	got, err := jws.Decode(p.Binding)
	if err != nil || subtle.ConstantTimeCompare(got, binding) != 1 {
		return nil, errors.New("the proof is for another TLS session (channel binding differs): a relayed or replayed proof")
	}
	if p.Role != role {
		return nil, fmt.Errorf("the proof is a %s's, expected a %s's (reflected proof)", p.Role, role)
	}
	reg := v.Registry()
	now := v.now()
	if reg.Expired(now) {
		return nil, fmt.Errorf("%w: registry version %d expired at %s", ErrRegistryExpired, reg.Version(), reg.Expires().Format(time.RFC3339))
	}
	if len(g.Signatures) != 2 {
		return nil, fmt.Errorf("%w: a proof needs one ML-DSA and one ECDSA signature, found %d", ErrPolicy, len(g.Signatures))
	}
	peer := &Peer{}
	var seen [2]bool
	for i, s := range g.Signatures {
		if s.Header != nil {
			return nil, fmt.Errorf("signatures[%d] has an unprotected header", i)
		}
		h, err := s.DecodeHeader()
		if err != nil {
			return nil, err
		}
		if h.Typ != typNodeAuth {
			return nil, fmt.Errorf("%w: signatures[%d]: typ %q is not %q", ErrPolicy, i, h.Typ, typNodeAuth)
		}
		if !v.policy.allows(h.Alg) {
			return nil, fmt.Errorf("%w: signatures[%d]: algorithm %s is not allowed", ErrPolicy, i, h.Alg)
		}
		slot := 1
		if isPQ(h.Alg) {
			slot = 0
		}
		if seen[slot] {
			return nil, fmt.Errorf("%w: two signatures of the same kind; one ML-DSA and one ECDSA are required", ErrPolicy)
		}
		seen[slot] = true
		key, org, err := reg.signingKey(h.Kid, h.Alg, p.Organization, now)
		if err != nil {
			return nil, err
		}
		if err := s.Verify(h.Alg, key.key, g.Payload); err != nil {
			return nil, fmt.Errorf("%w: %s signature by key %q of %s does not verify", ErrBadSignature, h.Alg, h.Kid, org.Name)
		}
		peer.Organization = org
		peer.KeyIDs[slot] = h.Kid
	}
	peer.SAE = p.SAE
	return peer, nil
}

// CheckPeer checks, against the registry trusted now, that the node proof
// which authenticated p still holds: the registry has not expired, and
// both keys that signed the proof are still the signing keys of p's
// organisation, valid now and not revoked.
//
// A connection is authenticated once, at its start, and may then stay
// open for as long as its peer keeps using it; a server calls CheckPeer on
// every request so that a revocation, an expiry or a removal from the
// registry cuts off connections already open, not only new ones. It
// returns an error wrapping ErrNodeAuth and the reason (ErrRevoked,
// ErrUnknownKey, ErrWrongSigner, ErrKeyNotValid, ErrRegistryExpired).
func (v *Verifier) CheckPeer(p *Peer) error {
	if p == nil || p.Organization == nil {
		return fmt.Errorf("%w: no authenticated peer", ErrNodeAuth)
	}
	reg := v.Registry()
	now := v.now()
	if reg.Expired(now) {
		return fmt.Errorf("%w: %w: registry version %d expired at %s", ErrNodeAuth, ErrRegistryExpired, reg.Version(), reg.Expires().Format(time.RFC3339))
	}
	for _, kid := range p.KeyIDs {
		k, _ := reg.Key(kid)
		if k == nil {
			return fmt.Errorf("%w: %w: key %q of %s is not in registry version %d", ErrNodeAuth, ErrUnknownKey, kid, p.Organization.ID, reg.Version())
		}
		if _, _, err := reg.signingKey(kid, k.Algorithm(), p.Organization.ID, now); err != nil {
			return fmt.Errorf("%w: %w", ErrNodeAuth, err)
		}
	}
	return nil
}

func writeFrame(w io.Writer, f proofFrame) error { return writeJSONFrame(w, f) }

func readFrame(r io.Reader) (*proofFrame, error) {
	f, err := readJSONFrame[proofFrame](r, MaxNodeProofBytes, "proof frame")
	if err != nil {
		return nil, err
	}
	if f.Proof != nil {
		data, _ := json.Marshal(f.Proof)
		if _, err := jws.ParseGeneral(data); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Listener accepts connections from peer nodes: it runs the strict hybrid
// TLS 1.3 handshake and the node proof exchange, and returns from Accept
// only connections whose peer is a registry member with valid keys: a
// *tls.Conn, or, when a QKD key is mixed in (QKD), a connection sealed
// under the mixed keys. Refused connections are logged with the reason and never
// returned.
//
// To learn the peer of a connection in an http.Server, set the server's
// ConnContext to the Listener's ConnContext and call PeerFromContext in
// handlers. Set fields before the first Accept.
//
// Connections are authenticated MaxPendingHandshakes at a time, at most
// MaxPendingPerHost from one IP address; see MaxPendingHandshakes for
// what happens when all are taken. A connection must send its ClientHello
// within HelloTimeout and finish within HandshakeTimeout. Refusals are
// logged at most ten a second of each kind (admission,
// eviction, failed handshake), with the count of those left out.
type Listener struct {
	// Logger receives refusals; nil means slog.Default().
	Logger *slog.Logger
	// HandshakeTimeout bounds the handshake and proof exchange;
	// zero means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// HelloTimeout bounds the wait for the ClientHello; zero means
	// DefaultHelloTimeout.
	HelloTimeout time.Duration
	// QKD, when set, mixes a QKD key into every connection from a peer
	// that has a KME too (see QKD).
	QKD *QKD

	inner    net.Listener
	tls      *tls.Config
	id       *Identity
	v        *Verifier
	once     sync.Once
	ready    chan net.Conn
	done     chan struct{}
	errMu    sync.Mutex
	err      error
	adm      *admission
	logs     [3]logThrottle // by refusal kind
	peers    sync.Map       // *tls.Conn -> *Peer, until ConnContext takes it
	refusals sync.Map       // net.Conn -> error, from the ClientHello check
	closeMu  sync.Once
}

// NewListener returns a Listener over inner that authenticates as id and
// checks peers with v. cert is the TLS certificate; GenerateCertificate
// makes one.
func NewListener(inner net.Listener, cert tls.Certificate, id *Identity, v *Verifier) *Listener {
	l := &Listener{inner: inner, id: id, v: v, ready: make(chan net.Conn), done: make(chan struct{}), adm: newAdmission(MaxPendingHandshakes, MaxPendingPerHost)}
	cfg := id.profile.ServerTLSConfig(cert)
	groups := id.profile.TLSGroups()
	// A client with no hybrid group is refused by the handshake itself
	// (no common group: a handshake_failure alert, which the client
	// understands better than the internal_error a refusal from this
	// callback would send); the reason is kept for the log.
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		// The ClientHello is in: the rest of the handshake has until
		// the end of HandshakeTimeout, no longer HelloTimeout.
		if dl, ok := l.adm.hello(hello.Conn); ok {
			hello.Conn.SetDeadline(dl)
		}
		if err := checkHello(hello, groups); err != nil {
			l.refusals.Store(hello.Conn, err)
		}
		return nil, nil
	}
	l.tls = cfg
	return l
}

// Accept returns the next authenticated connection.
func (l *Listener) Accept() (net.Conn, error) {
	l.once.Do(func() { go l.acceptLoop() })
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		l.errMu.Lock()
		defer l.errMu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

func (l *Listener) acceptLoop() {
	for {
		raw, err := l.inner.Accept()
		if err != nil {
			l.errMu.Lock()
			l.err = err
			l.errMu.Unlock()
			l.closeDone()
			return
		}
		now := time.Now()
		p, victim, err := l.adm.admit(raw, remoteHost(raw), now, now.Add(l.handshakeTimeout()))
		if err != nil {
			l.refused(refusedAdmission, raw, err)
			raw.Close()
			continue
		}
		if victim != nil {
			victim.conn.Close()
			l.refused(refusedEvicted, victim.conn, fmt.Errorf("closed after %s to make room for %s: its address held the most of the MaxPendingHandshakes (%d) handshakes in progress", now.Sub(victim.start).Round(time.Millisecond), raw.RemoteAddr(), MaxPendingHandshakes))
		}
		go l.handshake(p)
	}
}

// Kinds of refusal, each throttled on its own.
const (
	refusedAdmission = iota // no slot to authenticate it
	refusedEvicted          // its slot given to another address
	refusedHandshake        // its handshake or node proof failed
)

// refused logs the refusal of connection c, throttled by kind.
func (l *Listener) refused(kind int, c net.Conn, reason error) {
	ok, dropped := l.logs[kind].allow(time.Now())
	if !ok {
		return
	}
	args := []any{"remote", c.RemoteAddr().String(), "reason", reason.Error()}
	if dropped > 0 {
		args = append(args, "refusals_not_logged", dropped)
	}
	l.logger().Warn("peer connection refused", args...)
}

func (l *Listener) handshakeTimeout() time.Duration {
	if l.HandshakeTimeout > 0 {
		return l.HandshakeTimeout
	}
	return DefaultHandshakeTimeout
}

// remoteHost is the IP address a connection comes from.
func remoteHost(c net.Conn) string {
	addr := c.RemoteAddr().String()
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// handshake authenticates p's connection and hands it to Accept.
func (l *Listener) handshake(p *pendingConn) {
	raw := p.conn
	hello := l.HelloTimeout
	if hello <= 0 {
		hello = DefaultHelloTimeout
	}
	// Until the ClientHello arrives (see GetConfigForClient), the
	// connection has HelloTimeout; then the rest of the handshake.
	raw.SetDeadline(minTime(p.start.Add(hello), p.deadline))
	ctx, cancel := context.WithDeadline(context.Background(), p.deadline)
	defer cancel()
	c := tls.Server(raw, l.tls)
	err := c.HandshakeContext(ctx)
	if r, ok := l.refusals.LoadAndDelete(raw); ok {
		err = r.(error)
	}
	var peer *Peer
	var conn net.Conn = c
	if err == nil {
		peer, err = authenticate(ctx, c, true, l.id, l.v, l.QKD.sae())
	}
	if err == nil && l.QKD != nil {
		conn, err = l.QKD.secure(ctx, c, true, l.id.Organization(), peer)
	}
	evicted, said := l.adm.done(p)
	if evicted {
		// Logged as such.
		c.Close()
		return
	}
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() && !said {
		err = fmt.Errorf("no TLS ClientHello within HelloTimeout (%s)", hello)
	}
	if err != nil {
		l.refused(refusedHandshake, raw, err)
		c.Close()
		return
	}
	l.peers.Store(conn, peer)
	select {
	case l.ready <- conn:
	case <-l.done:
		l.peers.Delete(conn)
		conn.Close()
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (l *Listener) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.Default()
}

func (l *Listener) closeDone() { l.closeMu.Do(func() { close(l.done) }) }

// Close stops listening. Connections already returned stay open.
func (l *Listener) Close() error {
	l.closeDone()
	return l.inner.Close()
}

// Addr returns the listening address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Peer returns the peer of a connection returned by Accept, and forgets it
// (each connection's peer is taken once, by ConnContext or a direct call).
func (l *Listener) Peer(c net.Conn) (*Peer, bool) {
	p, ok := l.peers.LoadAndDelete(c)
	if !ok {
		return nil, false
	}
	return p.(*Peer), true
}

type peerKey struct{}

// ConnContext is for http.Server.ConnContext: it puts the peer of c into the
// connection's context, for PeerFromContext.
func (l *Listener) ConnContext(ctx context.Context, c net.Conn) context.Context {
	if p, ok := l.Peer(c); ok {
		return context.WithValue(ctx, peerKey{}, p)
	}
	return ctx
}

// PeerFromContext returns the authenticated peer that a Listener's
// ConnContext stored in ctx.
func PeerFromContext(ctx context.Context) (*Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	return p, ok
}

// Dialer connects to one peer node: strict hybrid TLS 1.3 and the node proof
// exchange, failing unless the other end proves to be organisation Peer.
// Use its DialContext as an http.Transport's DialTLSContext. Set fields
// before use; a Dialer is then safe for concurrent use.
type Dialer struct {
	Identity *Identity
	Verifier *Verifier
	// Peer is the STIX identity id of the organisation expected at the
	// other end.
	Peer string
	// Timeout bounds connecting, the handshake and the proof exchange;
	// zero means DefaultHandshakeTimeout.
	Timeout time.Duration
	// LocalAddr, when set, is the address to connect from, as for
	// net.Dialer.
	LocalAddr net.Addr
	// QKD, when set, mixes a QKD key into the connection when the peer
	// has a KME too (see QKD).
	QKD *QKD
}

// DialContext connects to addr and returns the authenticated connection:
// a *tls.Conn, or, when a QKD key is mixed in, a connection sealed under
// the mixed keys.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.Peer == "" {
		return nil, errors.New("dial: Dialer.Peer (the expected organisation) is required")
	}
	timeout := d.Timeout
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nd := net.Dialer{LocalAddr: d.LocalAddr}
	raw, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, d.Identity.profile.ClientTLSConfig())
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("dial %s: tls: %w", addr, err)
	}
	peer, err := authenticate(ctx, c, false, d.Identity, d.Verifier, d.QKD.sae())
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if peer.Organization.ID != d.Peer {
		c.Close()
		return nil, fmt.Errorf("dial %s: %w: the server is %s (%s), not the expected %q", addr, ErrNodeAuth, peer.Organization.Name, peer.Organization.ID, d.Peer)
	}
	if d.QKD == nil {
		return c, nil
	}
	conn, err := d.QKD.secure(ctx, c, false, d.Identity.Organization(), peer)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return conn, nil
}
