package node

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
)

func TestPeerRequestCheck(t *testing.T) {
	path := writeRegistry(t, t.TempDir(), map[string]*trust.Identity{"CERT-Bund": generateIdentity(t, auditOrgDE)})
	for _, tc := range []struct {
		r          PeerRequest
		want, hint string // want "" for no error; a ConfigError has a hint
	}{
		{PeerRequest{Op: "add", Peer: rampart.Peer{ID: auditOrgDE, URL: "https://de.example:8443"}, Registry: path}, "", ""},
		{PeerRequest{Op: "add"}, "peer add needs --org IDENTITY", ""},
		{PeerRequest{Op: "add", Peer: rampart.Peer{ID: auditOrgFR}}, `peer add needs --url URL: the registry lists no node for "` + auditOrgFR + `"`, "give --registry FILE"},
		{PeerRequest{Op: "add", Peer: rampart.Peer{ID: auditOrgFR, URL: "https://fr.example"}, QKDPolicy: "always"}, `--qkd: `, ""},
		{PeerRequest{Op: "set", Peer: rampart.Peer{ID: auditOrgDE}}, "peer set needs --qkd-sae-id ID or --qkd required|preferred", ""},
		{PeerRequest{Op: "set", Peer: rampart.Peer{ID: auditOrgDE}, QKDPolicy: "required"}, "", ""},
		{PeerRequest{Op: "list", QKDPolicy: "sometimes"}, "--qkd: ", ""},
		{PeerRequest{Op: "remove", Peer: rampart.Peer{ID: auditOrgDE}}, "", ""},
	} {
		r := tc.r
		err := r.Check()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v, want none", tc.r, err)
			}
			continue
		}
		ce, ok := AsConfigError(err)
		if !ok || !strings.HasPrefix(ce.Msg, tc.want) || !strings.HasPrefix(ce.Hint, tc.hint) {
			t.Errorf("%+v: %v, want a ConfigError %q with hint %q", tc.r, err, tc.want, tc.hint)
		}
	}
	r := PeerRequest{Op: "add", Peer: rampart.Peer{ID: auditOrgDE, URL: "https://de.example:8443"}, Registry: path}
	if err := r.Check(); err != nil || r.Peer.Name != "CERT-Bund" || r.Peer.APIRoot != DefaultAPIRoot {
		t.Errorf("add from the registry: %v, peer %+v; want it named by the registry, the default API root", err, r.Peer)
	}
	r = PeerRequest{Op: "add", Peer: rampart.Peer{ID: auditOrgFR, URL: "https://fr.example"}, Registry: path}
	if err := r.Check(); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("add a non-member: %v, want EINVALID", err)
	}
}

func TestChangePeer(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	de := rampart.Peer{ID: auditOrgDE, Name: "CERT-Bund", URL: "https://de.example:8443", APIRoot: "cti"}
	for _, tc := range []struct {
		r    PeerRequest
		want string // the text, or the error
	}{
		{PeerRequest{Op: "add", Peer: de}, `added peer CERT-Bund (` + auditOrgDE + `) at https://de.example:8443, API root "cti"` + "\n"},
		{PeerRequest{Op: "add", Peer: de}, "is a peer already"},
		{PeerRequest{Op: "set", Peer: rampart.Peer{ID: auditOrgDE}, QKDSAE: "sae-de"}, "QKD with CERT-Bund: preferred, SAE sae-de\n"},
		{PeerRequest{Op: "set", Peer: rampart.Peer{ID: auditOrgDE}, QKDPolicy: "required"}, "QKD with CERT-Bund: required, SAE sae-de\n"},
		{PeerRequest{Op: "set", Peer: rampart.Peer{ID: auditOrgFR}, QKDPolicy: "required"}, "is not a peer of this node"},
		{PeerRequest{Op: "remove", Peer: rampart.Peer{ID: auditOrgDE}}, "removed peer " + auditOrgDE + "\n"},
		{PeerRequest{Op: "remove", Peer: rampart.Peer{ID: auditOrgDE}}, "is not a peer of this node"},
	} {
		c, err := an.ChangePeer(ctx, tc.r)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			var b bytes.Buffer
			c.WriteText(&b)
			got = b.String()
		}
		if (err != nil) != (c == nil) || !strings.Contains(got, tc.want) {
			t.Errorf("%s %+v: %q (change %v), want %q", tc.r.Op, tc.r, got, c, tc.want)
		}
	}
	fr := rampart.Peer{ID: auditOrgFR, Name: "CERT-FR", URL: "https://fr.example:8443", APIRoot: "cti"}
	c, err := an.ChangePeer(ctx, PeerRequest{Op: "add", Peer: fr, QKDSAE: "a/b"})
	if rampart.ErrorCode(err) != rampart.EINVALID || c == nil || c.QKD != nil {
		t.Errorf("add with a bad SAE id: %v, change %+v; want EINVALID with the peer added", err, c)
	}
	tab, err := an.FindPeerTable(ctx)
	if err != nil || len(tab.Peers) != 1 || tab.Peers[0].ID != auditOrgFR {
		t.Fatalf("FindPeerTable = %+v, %v; want CERT-FR alone", tab, err)
	}
	var b bytes.Buffer
	if err := tab.WriteText(&b, time.Now()); err != nil || !strings.Contains(b.String(), "CERT-FR") {
		t.Errorf("PeerTable.WriteText = %q, %v; want a row for CERT-FR", b.String(), err)
	}
}
