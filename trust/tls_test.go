package trust

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink shared by the listener's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startNode runs an authenticating listener for org on 127.0.0.1:0 that
// echoes one line back prefixed with the peer's name, and returns its
// address and its log.
func startNode(t *testing.T, f *testFed, org string) (string, *syncBuffer) {
	t.Helper()
	addr, log, _ := startListener(t, f, org, nil)
	return addr, log
}

// startListener is startNode with the Listener set up by configure, when
// not nil, and returned.
func startListener(t *testing.T, f *testFed, org string, configure func(*Listener)) (string, *syncBuffer, *Listener) {
	t.Helper()
	id := f.ids[org]
	cert, err := GenerateCertificate(id.Profile(), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	l := NewListener(inner, cert, id, f.verifier())
	l.Logger = slog.New(slog.NewTextHandler(log, nil))
	if configure != nil {
		configure(l)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				p, _ := l.Peer(c)
				line := make([]byte, 64)
				n, _ := c.Read(line)
				fmt.Fprintf(c, "%s:%s", p.Organization.Name, line[:n])
			}()
		}
	}()
	return inner.Addr().String(), log, l
}

func (f *testFed) dialer(org, peer string) *Dialer {
	return &Dialer{Identity: f.ids[org], Verifier: f.verifier(), Peer: peer, Timeout: 5 * time.Second}
}

// TestNodeConnection: FR connects to the hub; each authenticates the other
// over hybrid TLS 1.3 with its registry keys.
func TestNodeConnection(t *testing.T) {
	f := newTestFed(t)
	addr, _ := startNode(t, f, orgHub)
	for _, org := range []string{orgFR, orgDE} { // eu-pq-base and eu-pq-high clients
		c, err := f.dialer(org, orgHub).DialContext(t.Context(), "tcp", addr)
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		cs := c.(*tls.Conn).ConnectionState()
		want := f.ids[org].Profile().TLSGroups()[0]
		if cs.Version != tls.VersionTLS13 || cs.CurveID != want {
			t.Errorf("%s: negotiated %x %s, want TLS 1.3 %s", org, cs.Version, cs.CurveID, want)
		}
		fmt.Fprint(c, "hello")
		got, _ := io.ReadAll(c)
		c.Close()
		if want := f.reg.Organization(org).Name + ":hello"; string(got) != want {
			t.Errorf("%s: server saw %q, want %q", org, got, want)
		}
	}
}

// TestStrictHybridRefusesClassicalClient: a client offering only classical
// key exchange groups is refused during the handshake, and the node logs
// why.
func TestStrictHybridRefusesClassicalClient(t *testing.T) {
	f := newTestFed(t)
	addr, log := startNode(t, f, orgHub)
	for _, tc := range []struct {
		name   string
		cfg    *tls.Config
		client string // the alert the client receives
		logs   string
	}{
		{"classical groups", &tls.Config{InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}}, "remote error: tls: handshake failure", "client offered only classical key exchange groups (X25519, CurveP256, CurveP384); strict hybrid mode requires one of X25519MLKEM768, SecP384r1MLKEM1024"},
		{"TLS 1.2", &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}, "remote error: tls: protocol version not supported", "does not offer TLS 1.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tls.Dial("tcp", addr, tc.cfg)
			if err == nil {
				c.Close()
				t.Fatal("handshake succeeded")
			}
			if !strings.Contains(err.Error(), tc.client) {
				t.Errorf("client error = %v, want %q", err, tc.client)
			}
			waitFor(t, func() bool { return strings.Contains(log.String(), tc.logs) }, "log to say %q; log:\n%s", tc.logs, log)
		})
	}
	// The server configuration alone (without Listener) refuses too, with
	// an error wrapping ErrClassicalOnly.
	cert, _ := GenerateCertificate(EUPQBase)
	srv, cli := net.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- tls.Server(srv, EUPQBase.ServerTLSConfig(cert)).Handshake() }()
	tls.Client(cli, &tls.Config{InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519}}).Handshake()
	cli.Close()
	if err := <-errc; !errors.Is(err, ErrClassicalOnly) {
		t.Errorf("ServerTLSConfig: err = %v, want ErrClassicalOnly", err)
	}
}

// TestHighProfileRefusesBaseGroup: an eu-pq-high node accepts only
// SecP384r1MLKEM1024.
func TestHighProfileRefusesBaseGroup(t *testing.T) {
	f := newTestFed(t)
	addr, log := startNode(t, f, orgDE)
	cfg := &tls.Config{InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519MLKEM768}}
	if c, err := tls.Dial("tcp", addr, cfg); err == nil {
		c.Close()
		t.Fatal("eu-pq-high node accepted X25519MLKEM768")
	}
	waitFor(t, func() bool { return strings.Contains(log.String(), "SecP384r1MLKEM1024") }, "a refusal naming SecP384r1MLKEM1024; log:\n%s", log)
}

// TestNodeAuthRefusals: peers that are not who they claim are refused with a
// reason, on both sides.
func TestNodeAuthRefusals(t *testing.T) {
	f := newTestFed(t)
	addr, log := startNode(t, f, orgHub)

	// Keys the registry does not list, claiming to be FR.
	impostor, _ := GenerateIdentity(EUPQBase, orgFR)
	d := &Dialer{Identity: impostor, Verifier: f.verifier(), Peer: orgHub}
	_, err := d.DialContext(t.Context(), "tcp", addr)
	if !errors.Is(err, ErrNodeAuth) || !strings.Contains(err.Error(), "the server refused this node") || !strings.Contains(err.Error(), "is not in registry") {
		t.Errorf("impostor: err = %v", err)
	}
	waitFor(t, func() bool { return strings.Contains(log.String(), "is not in registry") }, "the refusal in the log:\n%s", log)

	// The client expects DE at that address, but the hub answers.
	_, err = f.dialer(orgFR, orgDE).DialContext(t.Context(), "tcp", addr)
	if !errors.Is(err, ErrNodeAuth) || !strings.Contains(err.Error(), "not the expected") {
		t.Errorf("wrong peer: err = %v", err)
	}

	// An outsider with a registry of its own is not a member.
	outsider, _ := GenerateIdentity(EUPQBase, orgOut)
	_, err = (&Dialer{Identity: outsider, Verifier: f.verifier(), Peer: orgHub}).DialContext(t.Context(), "tcp", addr)
	if !errors.Is(err, ErrNodeAuth) {
		t.Errorf("outsider: err = %v", err)
	}
}

// TestNodeProofIsBoundToTheSession: a proof made for one TLS session is
// refused on another (what a relay in the middle would have to do).
func TestNodeProofIsBoundToTheSession(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	a := newTLSPair(t, f)
	b := newTLSPair(t, f)
	csA, csB := a.client.ConnectionState(), b.client.ConnectionState()
	bindA, _ := csA.ExportKeyingMaterial(channelBindingLabel, nil, 32)
	bindB, _ := csB.ExportKeyingMaterial(channelBindingLabel, nil, 32)
	if bytes.Equal(bindA, bindB) {
		t.Fatal("two sessions share a channel binding")
	}
	proof, err := makeProof(f.ids[orgFR], bindA, "client", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkProof(v, proof, bindA, "client"); err != nil {
		t.Fatalf("own session: %v", err)
	}
	if _, err := checkProof(v, proof, bindB, "client"); err == nil || !strings.Contains(err.Error(), "another TLS session") {
		t.Errorf("other session: err = %v", err)
	}
	if _, err := checkProof(v, proof, bindA, "server"); err == nil || !strings.Contains(err.Error(), "reflected") {
		t.Errorf("reflected: err = %v", err)
	}
}

type tlsPair struct{ client, server *tls.Conn }

func newTLSPair(t *testing.T, f *testFed) tlsPair {
	t.Helper()
	cert, _ := GenerateCertificate(EUPQBase)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sc := make(chan *tls.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			sc <- nil
			return
		}
		s := tls.Server(c, EUPQBase.ServerTLSConfig(cert))
		s.Handshake()
		sc <- s
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), EUPQBase.ClientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := <-sc
	t.Cleanup(func() { c.Close(); s.Close() })
	return tlsPair{c, s}
}

// TestHTTPOverNodeConnections: an http.Server on a Listener knows which
// organisation each request comes from, and an http.Client with a Dialer
// reaches it.
func TestHTTPOverNodeConnections(t *testing.T) {
	f := newTestFed(t)
	cert, _ := GenerateCertificate(EUPQBase)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := NewListener(inner, cert, f.ids[orgHub], f.verifier())
	l.Logger = slog.New(slog.DiscardHandler)
	srv := &http.Server{
		ConnContext: l.ConnContext,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PeerFromContext(r.Context())
			if !ok {
				http.Error(w, "no peer", http.StatusUnauthorized)
				return
			}
			fmt.Fprintf(w, "hello %s over %s", p.Organization.Name, p.Group)
		}),
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	client := &http.Client{Transport: &http.Transport{DialTLSContext: f.dialer(orgIT, orgHub).DialContext}}
	defer client.CloseIdleConnections()
	for range 2 {
		resp, err := client.Get("https://" + inner.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "hello CSIRT Italia over X25519MLKEM768"; string(body) != want {
			t.Errorf("body = %q, want %q", body, want)
		}
	}
}

// waitFor polls cond until it holds; the listener logs from its own
// goroutine after the client has already seen the failure.
func waitFor(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waited for "+format, args...)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
