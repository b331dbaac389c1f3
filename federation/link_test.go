package federation

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/trust"
)

// TestNodeLinkRefusals checks who the hub's node link turns away: a TLS
// client offering only classical key exchange (strict hybrid mode), a
// client that sends no node proof, a member of the federation that is not a
// peer, and a peer once removed.
func TestNodeLinkRefusals(t *testing.T) {
	f := sharedFed(t)
	a, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgHub, "")
	link(t, a, h)
	h.start(t, nil)
	a.start(t, nil)
	addr := strings.TrimPrefix(h.url, "https://")
	ctx := context.Background()

	t.Run("ClassicalOnly", func(t *testing.T) {
		c, err := tls.Dial("tcp", addr, &tls.Config{
			InsecureSkipVerify: true,
			MinVersion:         tls.VersionTLS13,
			CurvePreferences:   []tls.CurveID{tls.X25519, tls.CurveP256},
		})
		if err == nil {
			c.Close()
			t.Fatal("a classical-only client completed a handshake with the node link")
		}
		if !strings.Contains(err.Error(), "handshake failure") {
			t.Errorf("classical-only client: %v, want a handshake failure", err)
		}
		eventually(t, "the hub logs why", func() bool {
			return strings.Contains(h.logs.String(), "strict hybrid mode requires one of")
		})
	})

	t.Run("NoNodeProof", func(t *testing.T) {
		// Hybrid TLS alone is not enough: without a node proof the link
		// never answers HTTP.
		c, err := tls.Dial("tcp", addr, f.ids[orgIT].Profile().ClientTLSConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		c.Write([]byte("GET /taxii2/ HTTP/1.1\r\nHost: hub\r\nAccept: application/taxii+json;version=2.1\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			t.Errorf("a client without a node proof got an HTTP answer: %s", resp.Status)
		}
	})

	t.Run("MemberNotPeer", func(t *testing.T) {
		// CERT-Bund is a member, but not a peer of the hub here.
		v := trust.NewVerifier(f.registry(t), trust.DefaultPolicy())
		d := &trust.Dialer{Identity: f.ids[orgDE], Verifier: v, Peer: orgHub}
		hc := &http.Client{Transport: &http.Transport{DialTLSContext: d.DialContext}}
		defer hc.CloseIdleConnections()
		c := &taxii.Client{BaseURL: h.url, HTTPClient: hc}
		_, err := c.Collections(ctx, "api")
		var ce *taxii.ClientError
		if !errors.As(err, &ce) || ce.StatusCode != http.StatusForbidden || !strings.Contains(ce.Error(), "not a peer of this node") {
			t.Errorf("a member that is not a peer: %v, want 403 not a peer", err)
		}
	})

	t.Run("PeerRemoved", func(t *testing.T) {
		l := a.node.link(orgHub)
		if _, err := l.client.Collections(ctx, "api"); err != nil {
			t.Fatalf("A, a peer of the hub, cannot list its collections: %v", err)
		}
		if err := h.peers.DeletePeer(ctx, orgFR); err != nil {
			t.Fatal(err)
		}
		if err := h.node.refreshPeers(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := l.client.Collections(ctx, "api")
		var ce *taxii.ClientError
		if !errors.As(err, &ce) || ce.StatusCode != http.StatusForbidden {
			t.Errorf("a removed peer: %v, want 403", err)
		}
	})
}

func TestLimitedBody(t *testing.T) {
	for _, tc := range []struct {
		size, limit int
		err         bool
	}{{10, 10, false}, {11, 10, true}, {0, 10, false}, {100000, 4096, true}, {4096, 4096, false}} {
		b := &limitedBody{rc: io.NopCloser(bytes.NewReader(make([]byte, tc.size))), left: int64(tc.limit)}
		got, err := io.ReadAll(b)
		if tc.err != errors.Is(err, ErrResponseTooLarge) {
			t.Errorf("%d bytes, limit %d: %v", tc.size, tc.limit, err)
		}
		if len(got) > tc.limit {
			t.Errorf("%d bytes, limit %d: read %d", tc.size, tc.limit, len(got))
		}
	}
}
