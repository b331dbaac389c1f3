package trust

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeKMEs are the two KMEs of a QKD link, in memory: what one end's
// EncKey hands out, the other end's DecKey returns by id.
type fakeKMEs struct {
	mu   sync.Mutex
	keys map[string][]byte
	n    int
}

// kmeEnd is one node's KME, which can fail, lie (flip a bit of every key
// it delivers by id) or hand out the same key id every time.
type kmeEnd struct {
	link             *fakeKMEs
	fail             atomic.Bool
	lie              bool
	sameID           string
	mu               sync.Mutex
	encCalls, decIDs []string
}

func newKMEs() (*fakeKMEs, *kmeEnd, *kmeEnd) {
	l := &fakeKMEs{keys: map[string][]byte{}}
	return l, &kmeEnd{link: l}, &kmeEnd{link: l}
}

func (e *kmeEnd) EncKey(_ context.Context, slave string) (string, []byte, error) {
	if e.fail.Load() {
		return "", nil, errors.New("KME answered 503: KME error")
	}
	e.link.mu.Lock()
	defer e.link.mu.Unlock()
	e.link.n++
	id := fmt.Sprintf("key-%d", e.link.n)
	if e.sameID != "" {
		id = e.sameID
	}
	key := make([]byte, 32)
	rand.Read(key)
	e.link.keys[id] = key
	e.mu.Lock()
	e.encCalls = append(e.encCalls, id)
	e.mu.Unlock()
	return id, bytes.Clone(key), nil
}

func (e *kmeEnd) DecKey(_ context.Context, master, id string) ([]byte, error) {
	if e.fail.Load() {
		return nil, errors.New("KME answered 503: KME error")
	}
	e.link.mu.Lock()
	defer e.link.mu.Unlock()
	key, ok := e.link.keys[id]
	if !ok {
		return nil, fmt.Errorf("KME answered 400: unknown key %q", id)
	}
	key = bytes.Clone(key)
	if e.lie {
		key[3] ^= 0x10
	}
	e.mu.Lock()
	e.decIDs = append(e.decIDs, id)
	e.mu.Unlock()
	return key, nil
}

// reports records what a QKD reports.
type reports struct {
	mu  sync.Mutex
	all []LinkQKD
}

func (r *reports) add(_ string, l *LinkQKD) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, *l)
}

func (r *reports) last(t *testing.T) LinkQKD {
	t.Helper()
	var out LinkQKD
	waitFor(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.all) == 0 {
			return false
		}
		out = r.all[len(r.all)-1]
		return true
	}, "no QKD outcome reported")
	return out
}

const saeFR, saeHub = "sae-fr", "sae-hub"

// qkdPair starts the hub's listener with serverQKD and returns a dialer
// from FR with clientQKD.
func qkdPair(t *testing.T, serverQKD, clientQKD *QKD) (string, *syncBuffer, *Dialer) {
	t.Helper()
	f := newTestFed(t)
	addr, log, _ := startListener(t, f, orgHub, func(l *Listener) { l.QKD = serverQKD })
	d := f.dialer(orgFR, orgHub)
	d.QKD = clientQKD
	return addr, log, d
}

func echo(t *testing.T, d *Dialer, addr string) (string, error) {
	t.Helper()
	c, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	fmt.Fprint(c, "hello")
	got, err := io.ReadAll(c)
	return string(got), err
}

// TestQKDLinkMixesKey: two nodes with KMEs mix a QKD key into their
// connection; both report the same key id and the traffic is sealed.
func TestQKDLinkMixesKey(t *testing.T) {
	_, a, b := newKMEs()
	var cr, sr reports
	client := &QKD{SAE: saeFR, Keys: a, Report: cr.add, Peer: func(string) QKDPeer { return QKDPeer{SAE: saeHub, Policy: QKDRequired} }}
	server := &QKD{SAE: saeHub, Keys: b, Report: sr.add, Peer: func(string) QKDPeer { return QKDPeer{SAE: saeFR, Policy: QKDRequired} }}
	addr, _, d := qkdPair(t, server, client)
	c, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*sealedConn); !ok {
		t.Errorf("the connection is a %T, not sealed under the mixed keys", c)
	}
	fmt.Fprint(c, "hello")
	got, _ := io.ReadAll(c)
	c.Close()
	if string(got) != "CERT-FR:hello" {
		t.Errorf("got %q", got)
	}
	cl, sv := cr.last(t), sr.last(t)
	if cl.State != QKDInUse || sv.State != QKDInUse || cl.KeyID == "" || cl.KeyID != sv.KeyID || !cl.Initiator || sv.Initiator {
		t.Errorf("client %+v, server %+v: want both in use with the same key", cl, sv)
	}
	a.mu.Lock()
	b.mu.Lock()
	defer a.mu.Unlock()
	defer b.mu.Unlock()
	if len(a.encCalls) != 1 || len(b.decIDs) != 1 || a.encCalls[0] != cl.KeyID || b.decIDs[0] != cl.KeyID {
		t.Errorf("enc_keys gave %v, dec_keys fetched %v, link used %q", a.encCalls, b.decIDs, cl.KeyID)
	}
}

// TestQKDLinkFlippedBitFailsBothSides: the server's KME delivers the key
// with one bit flipped; key confirmation fails and both sides say so.
func TestQKDLinkFlippedBitFailsBothSides(t *testing.T) {
	_, a, b := newKMEs()
	b.lie = true
	var cr, sr reports
	client := &QKD{SAE: saeFR, Keys: a, Report: cr.add}
	server := &QKD{SAE: saeHub, Keys: b, Report: sr.add}
	addr, log, d := qkdPair(t, server, client)
	_, err := echo(t, d, addr)
	if !errors.Is(err, ErrQKD) || !strings.Contains(err.Error(), "key confirmation failed: the two ends derived different link keys") {
		t.Fatalf("client: err = %v, want a failed key confirmation", err)
	}
	if sv := sr.last(t); sv.State != QKDRefused || !strings.Contains(sv.Reason, "the client refused the link: key confirmation failed") {
		t.Errorf("server reports %+v", sv)
	}
	waitFor(t, func() bool { return strings.Contains(log.String(), "key confirmation failed") }, "the server does not log the failed confirmation:\n%s", log)
	// Preferred does not fall back from a key mismatch: it is an attack
	// or a broken KME, not a missing key.
	if cl := cr.last(t); cl.State != QKDRefused {
		t.Errorf("client reports %+v", cl)
	}
}

// TestQKDLinkPolicy: without a key, "required" refuses the link with the
// reason and "preferred" falls back and says why.
func TestQKDLinkPolicy(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		failClient, failServer bool
		noServerKME            bool
		clientPolicy           QKDPolicy
		serverPolicy           QKDPolicy
		wantErr                string // "" when the link works
		wantClient, wantServer QKDState
		wantReason             string
	}{
		{"client KME fails, client requires", true, false, false, QKDRequired, QKDPreferred,
			"QKD is required with this peer, but there is no key from this node's KME", QKDRefused, QKDRefused, "KME answered 503"},
		{"client KME fails, server requires", true, false, false, QKDPreferred, QKDRequired,
			"the server refused the link: the server requires QKD", QKDRefused, QKDRefused, "KME answered 503"},
		{"client KME fails, preferred", true, false, false, QKDPreferred, QKDPreferred,
			"", QKDFallback, QKDFallback, "KME answered 503"},
		{"server KME fails, client requires", false, true, false, QKDRequired, QKDPreferred,
			"the server has no key", QKDRefused, QKDRefused, "KME answered 503"},
		{"server KME fails, preferred", false, true, false, QKDPreferred, QKDPreferred,
			"", QKDFallback, QKDFallback, "KME answered 503"},
		{"server has no KME, client requires", false, false, true, QKDRequired, QKDPreferred,
			"the peer's node proof names no QKD SAE", QKDRefused, "", "no QKD SAE"},
		{"server has no KME, preferred", false, false, true, QKDPreferred, QKDPreferred,
			"", QKDFallback, "", "no QKD SAE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, a, b := newKMEs()
			a.fail.Store(tc.failClient)
			b.fail.Store(tc.failServer)
			var cr, sr reports
			client := &QKD{SAE: saeFR, Keys: a, Report: cr.add, Peer: func(string) QKDPeer { return QKDPeer{Policy: tc.clientPolicy} }}
			server := &QKD{SAE: saeHub, Keys: b, Report: sr.add, Peer: func(string) QKDPeer { return QKDPeer{Policy: tc.serverPolicy} }}
			if tc.noServerKME {
				server = nil
			}
			addr, _, d := qkdPair(t, server, client)
			got, err := echo(t, d, addr)
			if tc.wantErr == "" {
				if err != nil || got != "CERT-FR:hello" {
					t.Fatalf("got %q, %v; want the link to fall back and work", got, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if cl := cr.last(t); cl.State != tc.wantClient || !strings.Contains(cl.Reason, tc.wantReason) {
				t.Errorf("client reports %+v, want %s because %q", cl, tc.wantClient, tc.wantReason)
			}
			if tc.wantServer != "" {
				if sv := sr.last(t); sv.State != tc.wantServer {
					t.Errorf("server reports %+v, want %s", sv, tc.wantServer)
				}
			}
		})
	}
}

// TestQKDLinkRefusesRepeatedKeyID: a key id the responder has seen is
// refused, even from a client that believes it fresh.
func TestQKDLinkRefusesRepeatedKeyID(t *testing.T) {
	_, a, b := newKMEs()
	a.sameID = "always-the-same"
	var sr reports
	server := &QKD{SAE: saeHub, Keys: b, Report: sr.add}
	addr, _, d := qkdPair(t, server, &QKD{SAE: saeFR, Keys: a})
	if got, err := echo(t, d, addr); err != nil || got != "CERT-FR:hello" {
		t.Fatalf("first link: %q, %v", got, err)
	}
	// The same client (which checks its KME's ids too) refuses itself.
	if _, err := echo(t, d, addr); err == nil || !strings.Contains(err.Error(), `delivered key_ID "always-the-same" a second time`) {
		t.Errorf("second link from the same client: err = %v", err)
	}
	// A client with no memory of it is refused by the server.
	d.QKD = &QKD{SAE: saeFR, Keys: a}
	_, err := echo(t, d, addr)
	if err == nil || !strings.Contains(err.Error(), `key_ID "always-the-same" was used before`) {
		t.Errorf("replayed key id: err = %v", err)
	}
	// The server's reports come from its own goroutines: wait for the
	// third connection's.
	waitFor(t, func() bool {
		sr.mu.Lock()
		defer sr.mu.Unlock()
		for _, r := range sr.all {
			if r.State == QKDRefused && r.KeyID == "always-the-same" && strings.Contains(r.Reason, "was used before") {
				return true
			}
		}
		return false
	}, "the server does not report refusing the repeated key id")
}

// TestQKDLinkSAEMismatch: a peer whose proof names another SAE than the
// one configured for it gets no key, and is refused under "required".
func TestQKDLinkSAEMismatch(t *testing.T) {
	_, a, b := newKMEs()
	client := &QKD{SAE: saeFR, Keys: a, Peer: func(string) QKDPeer { return QKDPeer{SAE: "sae-elsewhere", Policy: QKDRequired} }}
	addr, _, d := qkdPair(t, &QKD{SAE: saeHub, Keys: b}, client)
	_, err := echo(t, d, addr)
	if err == nil || !strings.Contains(err.Error(), `the peer's node proof names QKD SAE "sae-hub", but this node is told its SAE is "sae-elsewhere"`) {
		t.Errorf("err = %v", err)
	}
	if len(a.encCalls) != 0 {
		t.Errorf("a key was taken for the wrong SAE: %v", a.encCalls)
	}
}

// httpOverQKD serves HTTP on the hub's listener with serverQKD, each
// answer saying the state of the connection's QKD step, and returns a
// client from FR with clientQKD and the server's URL.
func httpOverQKD(t *testing.T, serverQKD, clientQKD *QKD) (*http.Client, string) {
	t.Helper()
	f := newTestFed(t)
	cert, _ := GenerateCertificate(EUPQBase)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := NewListener(inner, cert, f.ids[orgHub], f.verifier())
	l.Logger = slog.New(slog.DiscardHandler)
	l.QKD = serverQKD
	srv := &http.Server{ConnContext: l.ConnContext, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PeerFromContext(r.Context())
		fmt.Fprintf(w, "%s %s", p.QKD.State, strings.Repeat("x", 100))
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	d := f.dialer(orgFR, orgHub)
	d.QKD = clientQKD
	client := &http.Client{Transport: &http.Transport{DialTLSContext: d.DialContext}}
	t.Cleanup(client.CloseIdleConnections)
	return client, "https://" + inner.Addr().String() + "/"
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	state, _, _ := strings.Cut(string(body), " ")
	return state
}

// TestQKDLinkRotates: HTTP over QKD links whose keys last a few hundred
// bytes: every request succeeds, and new connections take fresh keys.
func TestQKDLinkRotates(t *testing.T) {
	_, a, b := newKMEs()
	client, url := httpOverQKD(t, &QKD{SAE: saeHub, Keys: b}, &QKD{SAE: saeFR, Keys: a, RotateBytes: 1000, RotateAfter: time.Hour})
	for i := range 10 {
		if got := get(t, client, url); got != "qkd" {
			t.Fatalf("request %d went over a %q connection", i, got)
		}
	}
	a.mu.Lock()
	keys := len(a.encCalls)
	a.mu.Unlock()
	// A few hundred bytes a request and answer: a key lasts a few
	// requests, and then the next connection takes a fresh one.
	if keys < 2 || keys > 6 {
		t.Errorf("10 requests took %d keys, want 2 to 6", keys)
	}
}

// TestQKDLinkFallbackTriesAgain: a link that fell back for want of a key
// tries again after the rotation limit, and takes a key once the KME
// delivers.
func TestQKDLinkFallbackTriesAgain(t *testing.T) {
	_, a, b := newKMEs()
	a.fail.Store(true)
	client, url := httpOverQKD(t, &QKD{SAE: saeHub, Keys: b}, &QKD{SAE: saeFR, Keys: a, RotateBytes: 1000, RotateAfter: time.Hour})
	if got := get(t, client, url); got != "fallback" {
		t.Fatalf("with a failing KME the request went over a %q connection", got)
	}
	a.fail.Store(false)
	for range 10 {
		if get(t, client, url) == "qkd" {
			return
		}
	}
	t.Error("the link never took a QKD key again after the KME recovered")
}

// TestSealedConnRefusesTampering: a record changed on the way is refused.
func TestSealedConnRefusesTampering(t *testing.T) {
	k := &linkKeys{clientToServer: bytes.Repeat([]byte{1}, 32), serverToClient: bytes.Repeat([]byte{2}, 32)}
	a, b := net.Pipe()
	client, err := newSealedConn(a, k, true, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	mitm := &flipper{Conn: b}
	server, _ := newSealedConn(mitm, k, false, 0, 0)
	go client.Write([]byte("a record worth changing"))
	buf := make([]byte, 64)
	mitm.flip = true
	_, err = server.Read(buf)
	if !errors.Is(err, ErrQKD) || !strings.Contains(err.Error(), "record 0") || !strings.Contains(err.Error(), "fails authentication") {
		t.Errorf("err = %v, want a record that fails authentication", err)
	}
}

// flipper flips one bit of the first read that is longer than a header.
type flipper struct {
	net.Conn
	flip bool
}

func (f *flipper) Read(p []byte) (int, error) {
	n, err := f.Conn.Read(p)
	if f.flip && n > 4 {
		p[n-1] ^= 1
		f.flip = false
	}
	return n, err
}

// TestSealedConnExpires: once over its byte limit, the initiator's side
// writes nothing more and says why.
func TestSealedConnExpires(t *testing.T) {
	k := &linkKeys{clientToServer: bytes.Repeat([]byte{1}, 32), serverToClient: bytes.Repeat([]byte{2}, 32)}
	a, b := net.Pipe()
	client, _ := newSealedConn(a, k, true, time.Hour, 10)
	server, _ := newSealedConn(b, k, false, time.Hour, 10)
	go io.Copy(io.Discard, server)
	if _, err := client.Write([]byte("twelve bytes")); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Write([]byte("more")); n != 0 || !errors.Is(err, ErrLinkKeyExpired) {
		t.Errorf("write after the limit: %d, %v", n, err)
	}
}

// TestValidSAE: an SAE id a peer names goes into the path of the KME's
// API, so only one safe segment passes.
func TestValidSAE(t *testing.T) {
	for id, want := range map[string]bool{"fr-anssi": true, "sae_1.eu:a": true, "": false, ".": false, "..": false,
		"../status": false, "a/b": false, "a?b": false, "é": false, strings.Repeat("a", 257): false} {
		if got := validSAE(id); got != want {
			t.Errorf("validSAE(%q) = %v, want %v", id, got, want)
		}
	}
}
