package trust

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// QKD key mixing on node links. When both ends of a connection have a QKD
// key management entity (KME), each names its SAE id in its node proof;
// after the proofs, the client (the initiator) takes a fresh key for the
// server's SAE from its KME (ETSI GS QKD 014 enc_keys) and sends its
// key_ID, and the server fetches the same key by id from its own KME
// (dec_keys). Both derive the link keys with HKDF-SHA-384 from the TLS
// exporter and the QKD key together, bound to both organisations, both
// SAE ids and the key_ID; each proves with an HMAC that it derived the
// same keys before any data flows; and from then on every byte of the
// connection is sealed with AES-256-GCM under those keys, inside TLS. An
// attacker must break the hybrid TLS key exchange (ML-KEM and the elliptic
// curve) and the QKD link to read or change the traffic. docs/QKD.md
// gives the argument.

// QKDPolicy says what a node does when a link to a peer gets no QKD key.
type QKDPolicy string

const (
	// QKDPreferred mixes a QKD key in when both ends can, and otherwise
	// falls back to the post-quantum link alone, saying so.
	QKDPreferred QKDPolicy = "preferred"
	// QKDRequired refuses a link without a QKD key.
	QKDRequired QKDPolicy = "required"
)

// ParseQKDPolicy reads "required" or "preferred".
func ParseQKDPolicy(s string) (QKDPolicy, error) {
	switch p := QKDPolicy(s); p {
	case QKDPreferred, QKDRequired:
		return p, nil
	}
	return "", fmt.Errorf("QKD policy must be required or preferred (got %q)", s)
}

// QKDState is the outcome of the QKD step of one connection.
type QKDState string

const (
	// QKDInUse: a QKD key is mixed into the connection's keys.
	QKDInUse QKDState = "qkd"
	// QKDFallback: no QKD key; the connection is post-quantum only.
	QKDFallback QKDState = "fallback"
	// QKDRefused: the connection was refused (policy, a repeated key id,
	// or a failed key confirmation).
	QKDRefused QKDState = "refused"
)

// LinkQKD is the outcome of the QKD step of one connection.
type LinkQKD struct {
	State QKDState
	// KeyID is the ETSI 014 key_ID of the key mixed in (QKDInUse), or
	// offered (a refusal after the key was taken).
	KeyID string
	// Initiator is true on the side that opened the connection (the
	// master SAE, which took the key with enc_keys).
	Initiator bool
	// Reason says why there is no QKD key (QKDFallback) or why the
	// connection was refused (QKDRefused).
	Reason string
}

// QKDKeys is a source of QKD keys: this node's KME, as its SAE.
// Implementations must be safe for concurrent use; the key material they
// return belongs to the caller, which overwrites it after use.
type QKDKeys interface {
	// EncKey takes one new key shared with the SAE slave (enc_keys).
	EncKey(ctx context.Context, slave string) (keyID string, key []byte, err error)
	// DecKey fetches the key with id keyID that the SAE master took for
	// this SAE (dec_keys).
	DecKey(ctx context.Context, master, keyID string) ([]byte, error)
}

// QKDPeer is what a node is told about QKD with one peer.
type QKDPeer struct {
	// SAE is the peer's SAE id. When set, the SAE id the peer names in
	// its node proof must be this one; when empty, the proof's is used.
	SAE string
	// Policy is QKDPreferred when empty.
	Policy QKDPolicy
}

// Defaults of the QKD rotation.
const (
	// DefaultQKDRotateAfter is how long a connection keyed with one QKD
	// key starts new requests; after it, the next request opens a new
	// connection with a fresh key.
	DefaultQKDRotateAfter = 10 * time.Minute
	// DefaultQKDRotateBytes is how many bytes a connection keyed with one
	// QKD key carries before the next request opens a new connection.
	DefaultQKDRotateBytes = 1 << 30
	// MaxQKDKeyIDs is how many key ids a node remembers to refuse a
	// repeated one; the oldest are forgotten first.
	MaxQKDKeyIDs = 1 << 20
	// maxQKDFrame bounds one message of the QKD step.
	maxQKDFrame = 4 << 10
)

// ErrQKD reports a node link that failed or was refused in its QKD step.
var ErrQKD = errors.New("qkd link")

// ErrLinkKeyExpired is what a connection keyed with a QKD key answers to
// a write once it has reached its rotation limit (QKD.RotateAfter or
// RotateBytes): nothing was written, so an HTTP client retries the
// request on a new connection, which takes a fresh key.
var ErrLinkKeyExpired = errors.New("qkd link: the connection's key reached its rotation limit; a new connection takes a fresh key")

// QKD mixes QKD keys into node links: set it as the QKD of a Dialer and a
// Listener. Set the fields before use; a QKD is then safe for concurrent
// use.
//
// What it guarantees: on a connection whose Peer.QKD.State is QKDInUse,
// every byte after the node proofs is sealed (AES-256-GCM) with keys
// derived from both the TLS secret and the QKD key; the two ends proved
// to each other that they derived the same keys; the key was taken for
// this connection only and its id is refused if it comes again. What it
// does not: the QKD key's secrecy is the KME's and the QKD link's to
// keep; a node that falls back (QKDPreferred) is post-quantum only; the
// AES key schedules inside the ciphers cannot be overwritten when a
// connection ends (the QKD key, the exporter and the intermediate keys
// are).
type QKD struct {
	// SAE is this node's SAE id at its KME. Required.
	SAE string
	// Keys is this node's KME. Required.
	Keys QKDKeys
	// Peer returns what the node is told about QKD with the organisation
	// org; nil means QKDPreferred and the SAE id the peer's proof names.
	Peer func(org string) QKDPeer
	// Report, when set, is told the outcome of the QKD step of every
	// connection, refusals included.
	Report func(org string, l *LinkQKD)
	// RotateAfter and RotateBytes bound the use of one key (see
	// DefaultQKDRotateAfter, DefaultQKDRotateBytes) when not zero.
	RotateAfter time.Duration
	RotateBytes int64

	mu    sync.Mutex
	used  map[string]struct{}
	order []string
}

// fresh records id and reports whether it was not seen before.
func (q *QKD) fresh(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used == nil {
		q.used = make(map[string]struct{})
	}
	if _, ok := q.used[id]; ok {
		return false
	}
	q.used[id] = struct{}{}
	q.order = append(q.order, id)
	if len(q.order) > MaxQKDKeyIDs {
		delete(q.used, q.order[0])
		q.order = q.order[1:]
	}
	return true
}

// sae is the SAE id this node names in its proofs: none without a QKD.
func (q *QKD) sae() string {
	if q == nil || q.Keys == nil {
		return ""
	}
	return q.SAE
}

func (q *QKD) peer(org string) QKDPeer {
	var p QKDPeer
	if q.Peer != nil {
		p = q.Peer(org)
	}
	if p.Policy == "" {
		p.Policy = QKDPreferred
	}
	return p
}

// qkdFrame is one message of the QKD step, length-prefixed JSON.
type qkdFrame struct {
	// KeyID is the key the client took (client's first message).
	KeyID string `json:"key_id,omitempty"`
	// Confirm is the sender's key confirmation.
	Confirm []byte `json:"confirm,omitempty"`
	// None says the sender has no key and why; the link falls back
	// unless the other side's policy requires QKD.
	None string `json:"none,omitempty"`
	// Fallback is the client's acceptance of the server's None.
	Fallback bool `json:"fallback,omitempty"`
	// Error refuses the link and says why.
	Error string `json:"error,omitempty"`
}

func writeQKD(w io.Writer, f qkdFrame) error { return writeJSONFrame(w, f) }

func readQKD(r io.Reader) (*qkdFrame, error) {
	return readJSONFrame[qkdFrame](r, maxQKDFrame, "QKD message")
}

// secure runs the QKD step on c, whose node proofs are done, and returns
// the connection to use: c itself when the link falls back, c sealed
// under the mixed keys when a QKD key is in use. It sets peer.QKD and
// reports the outcome. self is this node's organisation.
func (q *QKD) secure(ctx context.Context, c *tls.Conn, server bool, self string, peer *Peer) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
		defer c.SetDeadline(time.Time{})
	}
	org := peer.Organization.ID
	conn, link, err := q.exchange(ctx, c, server, self, peer, q.peer(org))
	if err == nil && !server && link.State == QKDFallback && q.sae() != "" {
		// Try for a key again after the rotation limits, as a keyed
		// connection would take a fresh one.
		conn = newRotatingConn(conn, q.RotateAfter, q.RotateBytes)
	}
	if err != nil {
		link.State = QKDRefused
		link.Reason = err.Error()
		err = fmt.Errorf("%w with %s (%s): %v", ErrQKD, peer.Organization.Name, org, err)
	}
	link.Initiator = !server
	peer.QKD = link
	if q.Report != nil {
		q.Report(org, link)
	}
	return conn, err
}

func (q *QKD) exchange(ctx context.Context, c *tls.Conn, server bool, self string, peer *Peer, cfg QKDPeer) (net.Conn, *LinkQKD, error) {
	link := &LinkQKD{}
	required := cfg.Policy == QKDRequired
	theirs := peer.SAE
	if q.sae() == "" || theirs == "" {
		// Neither side sends anything more: both know from the proofs.
		why := "the peer's node proof names no QKD SAE (it has no KME configured)"
		if q.sae() == "" {
			why = "this node has no QKD SAE configured"
		}
		if required {
			return nil, link, fmt.Errorf("QKD is required with this peer, but %s", why)
		}
		link.State, link.Reason = QKDFallback, why
		return c, link, nil
	}
	mismatch := ""
	if !validSAE(theirs) {
		mismatch = fmt.Sprintf("the peer's node proof names QKD SAE %q, which is not an SAE id (letters, digits, '.', '_', ':' and '-', at most 256)", theirs)
	} else if cfg.SAE != "" && cfg.SAE != theirs {
		mismatch = fmt.Sprintf("the peer's node proof names QKD SAE %q, but this node is told its SAE is %q", theirs, cfg.SAE)
	}
	if server {
		return q.respond(ctx, c, self, peer, required, mismatch, link)
	}
	return q.initiate(ctx, c, self, peer, required, mismatch, link)
}

// validSAE reports whether id can be an SAE id in the path of the ETSI
// 014 API: one path segment of safe characters, never "." or "..".
func validSAE(id string) bool {
	if id == "" || len(id) > 256 || id == "." || id == ".." {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == ':', r == '-':
		default:
			return false
		}
	}
	return true
}

// initiate is the client's side of the QKD step.
func (q *QKD) initiate(ctx context.Context, c *tls.Conn, self string, peer *Peer, required bool, why string, link *LinkQKD) (net.Conn, *LinkQKD, error) {
	var key []byte
	defer func() { clear(key) }()
	if why == "" {
		var err error
		link.KeyID, key, err = q.Keys.EncKey(ctx, peer.SAE)
		switch {
		case err != nil:
			why = fmt.Sprintf("no key from this node's KME for SAE %q: %v", peer.SAE, err)
		case !q.fresh(link.KeyID):
			why = fmt.Sprintf("this node's KME delivered key_ID %q a second time", link.KeyID)
			writeQKD(c, qkdFrame{Error: why})
			return nil, link, errors.New(why)
		}
	}
	if why != "" {
		if required {
			writeQKD(c, qkdFrame{Error: "the client requires QKD: " + why})
			return nil, link, fmt.Errorf("QKD is required with this peer, but there is %s", why)
		}
		if err := writeQKD(c, qkdFrame{None: why}); err != nil {
			return nil, link, fmt.Errorf("send QKD message: %v", err)
		}
		f, err := readQKD(c)
		if err != nil {
			return nil, link, fmt.Errorf("read the server's QKD answer: %v", err)
		}
		if f.Error != "" {
			return nil, link, fmt.Errorf("the server refused the link: %s; this node has %s", f.Error, why)
		}
		link.State, link.Reason = QKDFallback, why
		return c, link, nil
	}
	keys, err := deriveLinkKeys(c.ConnectionState(), key, self, peer.Organization.ID, q.SAE, peer.SAE, link.KeyID)
	if err != nil {
		return nil, link, err
	}
	defer keys.zero()
	if err := writeQKD(c, qkdFrame{KeyID: link.KeyID}); err != nil {
		return nil, link, fmt.Errorf("send QKD key_ID: %v", err)
	}
	f, err := readQKD(c)
	if err != nil {
		return nil, link, fmt.Errorf("read the server's key confirmation: %v", err)
	}
	switch {
	case f.Error != "":
		return nil, link, fmt.Errorf("the server refused the link: %s", f.Error)
	case f.None != "":
		if required {
			writeQKD(c, qkdFrame{Error: "the client requires QKD: the server has no key: " + f.None})
			return nil, link, fmt.Errorf("QKD is required with this peer, but the server has no key %q: %s", link.KeyID, f.None)
		}
		if err := writeQKD(c, qkdFrame{Fallback: true}); err != nil {
			return nil, link, fmt.Errorf("send QKD message: %v", err)
		}
		link.State, link.Reason = QKDFallback, "the server has no QKD key: "+f.None
		return c, link, nil
	}
	if !hmac.Equal(f.Confirm, keys.confirm(true)) {
		why := fmt.Sprintf("key confirmation failed: the two ends derived different link keys from QKD key_ID %q (the KMEs delivered different keys, or the link is attacked)", link.KeyID)
		writeQKD(c, qkdFrame{Error: why})
		return nil, link, errors.New(why)
	}
	if err := writeQKD(c, qkdFrame{Confirm: keys.confirm(false)}); err != nil {
		return nil, link, fmt.Errorf("send key confirmation: %v", err)
	}
	sc, err := newSealedConn(c, keys, true, q.RotateAfter, q.RotateBytes)
	if err != nil {
		return nil, link, err
	}
	link.State = QKDInUse
	return sc, link, nil
}

// respond is the server's side of the QKD step.
func (q *QKD) respond(ctx context.Context, c *tls.Conn, self string, peer *Peer, required bool, why string, link *LinkQKD) (net.Conn, *LinkQKD, error) {
	f, err := readQKD(c)
	if err != nil {
		return nil, link, fmt.Errorf("read the client's QKD message: %v", err)
	}
	switch {
	case f.Error != "":
		return nil, link, fmt.Errorf("the client refused the link: %s", f.Error)
	case f.None != "":
		if required {
			why := "QKD is required with this peer, but the client has no key: " + f.None
			writeQKD(c, qkdFrame{Error: "the server requires QKD with this node: the client has no key"})
			return nil, link, errors.New(why)
		}
		if err := writeQKD(c, qkdFrame{None: "fallback accepted"}); err != nil {
			return nil, link, fmt.Errorf("send QKD message: %v", err)
		}
		link.State, link.Reason = QKDFallback, "the client has no QKD key: "+f.None
		return c, link, nil
	case f.KeyID == "":
		return nil, link, errors.New("the client's QKD message has no key_id, none or error")
	}
	link.KeyID = f.KeyID
	if !q.fresh(f.KeyID) {
		why := fmt.Sprintf("key_ID %q was used before: a repeated key id is refused", f.KeyID)
		writeQKD(c, qkdFrame{Error: why})
		return nil, link, errors.New(why)
	}
	var key []byte
	defer func() { clear(key) }()
	if why == "" {
		if key, err = q.Keys.DecKey(ctx, peer.SAE, f.KeyID); err != nil {
			why = fmt.Sprintf("no key %q from this node's KME for master SAE %q: %v", f.KeyID, peer.SAE, err)
		}
	}
	if why != "" {
		if required {
			writeQKD(c, qkdFrame{Error: "the server requires QKD: " + why})
			return nil, link, fmt.Errorf("QKD is required with this peer, but there is %s", why)
		}
		if err := writeQKD(c, qkdFrame{None: why}); err != nil {
			return nil, link, fmt.Errorf("send QKD message: %v", err)
		}
		f, err := readQKD(c)
		if err != nil {
			return nil, link, fmt.Errorf("read the client's QKD answer: %v", err)
		}
		if f.Error != "" {
			return nil, link, fmt.Errorf("the client refused the link: %s", f.Error)
		}
		if !f.Fallback {
			return nil, link, errors.New("the client neither accepted the fallback nor refused it")
		}
		link.State, link.Reason = QKDFallback, why
		return c, link, nil
	}
	keys, err := deriveLinkKeys(c.ConnectionState(), key, peer.Organization.ID, self, peer.SAE, q.SAE, f.KeyID)
	if err != nil {
		return nil, link, err
	}
	defer keys.zero()
	if err := writeQKD(c, qkdFrame{Confirm: keys.confirm(true)}); err != nil {
		return nil, link, fmt.Errorf("send key confirmation: %v", err)
	}
	f, err = readQKD(c)
	if err != nil {
		return nil, link, fmt.Errorf("read the client's key confirmation: %v", err)
	}
	if f.Error != "" {
		return nil, link, fmt.Errorf("the client refused the link: %s", f.Error)
	}
	if !hmac.Equal(f.Confirm, keys.confirm(false)) {
		return nil, link, fmt.Errorf("key confirmation failed: the client's confirmation for QKD key_ID %q does not match", f.KeyID)
	}
	sc, err := newSealedConn(c, keys, false, q.RotateAfter, q.RotateBytes)
	if err != nil {
		return nil, link, err
	}
	link.State = QKDInUse
	return sc, link, nil
}

// qkdExporterLabel is the TLS exporter label (RFC 8446 §7.5) of the
// secret mixed with the QKD key.
const qkdExporterLabel = "EXPORTER-rampart-qkd"

// linkKeys are the keys derived for one connection.
type linkKeys struct {
	confirmClient, confirmServer   []byte
	clientToServer, serverToClient []byte
	transcript                     []byte
}

// deriveLinkKeys derives a connection's keys with HKDF-SHA-384: the input
// keying material is the TLS exporter (48 bytes, bound to the handshake
// the node proofs signed) followed by the QKD key; the info binds both
// organisations, both SAE ids and the key_ID.
func deriveLinkKeys(cs tls.ConnectionState, qkdKey []byte, clientOrg, serverOrg, clientSAE, serverSAE, keyID string) (*linkKeys, error) {
	if len(qkdKey) < 16 {
		return nil, fmt.Errorf("QKD key %q has %d bits; at least 128 are needed", keyID, 8*len(qkdKey))
	}
	exp, err := cs.ExportKeyingMaterial(qkdExporterLabel, nil, 48)
	if err != nil {
		return nil, fmt.Errorf("tls exporter: %v", err)
	}
	defer clear(exp)
	ikm := append(exp, qkdKey...) // may or may not share exp's array: both are cleared
	defer clear(ikm)
	var t []byte
	for _, s := range []string{"rampart qkd link v1", clientOrg, serverOrg, clientSAE, serverSAE, keyID} {
		t = binary.BigEndian.AppendUint16(t, uint16(len(s)))
		t = append(t, s...)
	}
	prk, err := hkdf.Extract(sha512.New384, ikm, []byte("rampart qkd link v1"))
	if err != nil {
		return nil, err
	}
	defer clear(prk)
	k := &linkKeys{transcript: t}
	for _, out := range []struct {
		label string
		dst   *[]byte
	}{{"confirm client", &k.confirmClient}, {"confirm server", &k.confirmServer},
		{"traffic client to server", &k.clientToServer}, {"traffic server to client", &k.serverToClient}} {
		if *out.dst, err = hkdf.Expand(sha512.New384, prk, out.label+"\x00"+string(t), 32); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// confirm returns the server's (server) or the client's key confirmation:
// an HMAC-SHA-384 over the transcript with that side's confirmation key.
func (k *linkKeys) confirm(server bool) []byte {
	key, label := k.confirmClient, "client finished"
	if server {
		key, label = k.confirmServer, "server finished"
	}
	m := hmac.New(sha512.New384, key)
	m.Write([]byte(label))
	m.Write(k.transcript)
	return m.Sum(nil)
}

// zero overwrites every key.
func (k *linkKeys) zero() {
	clear(k.confirmClient)
	clear(k.confirmServer)
	clear(k.clientToServer)
	clear(k.serverToClient)
}
