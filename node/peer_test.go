package node

import (
	"context"
	json "encoding/json/v2"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
)

func TestPeerReports(t *testing.T) {
	an := openAuditNode(t, true, true) // a registry that names auditOrgDE CERT-Bund
	ctx := context.Background()
	if rs, err := an.PeerReports(ctx); err != nil || rs == nil || len(rs) != 0 {
		t.Fatalf("PeerReports of a node without peers = %#v, %v; want an empty list", rs, err)
	}
	if err := an.Peers.CreatePeer(ctx, &rampart.Peer{ID: auditOrgDE, Name: "CERT-Bund", URL: "https://de.example:8443", APIRoot: "cti"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	err := an.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: auditOrgDE, At: at, ObjectsIn: 4, Completed: true,
		Cursor:     &rampart.PeerCursor{CollectionID: "c1", AddedAfter: at.Add(-time.Minute), Lag: 2 * time.Second},
		Rejections: []*rampart.PeerRejection{{At: at, ObjectID: "indicator--1", Reason: "replay", Message: "seen"}}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := an.PeerReports(ctx)
	if err != nil || len(rs) != 1 {
		t.Fatalf("PeerReports = %v, %v; want one", rs, err)
	}
	if r := rs[0]; r.Name != "CERT-Bund" || r.APIRoot != "cti" || r.LastSync == nil || !r.LastSync.Equal(at) || r.LagSeconds != 2 ||
		r.ObjectsIn != 4 || r.Rejections != 1 || r.LastErrorAt != nil || r.Cursors != nil || r.Recent != nil {
		t.Errorf("PeerReports()[0] = %+v", r)
	}
	r, err := an.PeerReport(ctx, auditOrgDE)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Cursors) != 1 || r.Cursors[0].Collection != "c1" || len(r.Recent) != 1 || r.Recent[0].Reason != "replay" {
		t.Errorf("PeerReport with detail: cursors %+v, refusals %+v", r.Cursors, r.Recent)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "last_error") || strings.Contains(s, "api_root") || !strings.Contains(s, `"lag_seconds":2`) {
		t.Errorf("JSON of a report: %s", s)
	}
	if _, err := an.PeerReport(ctx, auditOrgFR); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("PeerReport of no peer: %v, want ENOTFOUND", err)
	}
}

func TestDeliveryReports(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx := context.Background()
	if ds, err := an.DeliveryReports(ctx); err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("DeliveryReports of a node that sealed nothing = %#v, %v; want an empty list", ds, err)
	}
	other := "identity--99999999-9999-4999-8999-999999999999"
	err := an.Deliveries.RecordDeliveries(ctx, []*rampart.Delivery{
		{ObjectID: "indicator--1", Version: "v1", Recipient: auditOrgDE, Status: rampart.DeliverySealed, EnvelopeID: "x-rampart-sealed--1"},
		{ObjectID: "indicator--1", Version: "v1", Recipient: other, Status: rampart.DeliveryFailed, Reason: "not a member"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := an.DeliveryReports(ctx)
	if err != nil || len(ds) != 2 {
		t.Fatalf("DeliveryReports = %+v, %v; want two", ds, err)
	}
	byID := map[string]DeliveryReport{ds[0].Recipient: ds[0], ds[1].Recipient: ds[1]}
	if d := byID[auditOrgDE]; d.Name != "CERT-Bund" || d.Sealed != 1 || d.Failed != 0 || d.LastFailureAt != nil {
		t.Errorf("delivery report of a registry member: %+v", d)
	}
	if d := byID[other]; d.Name != "" || d.Failed != 1 || d.LastFailure != "not a member" || d.LastFailureAt == nil {
		t.Errorf("delivery report of an organisation the registry does not list: %+v", d)
	}
}

func TestPeerLink(t *testing.T) {
	for _, tt := range []struct {
		nodes []string
		want  string
	}{
		{[]string{"https://cti.cert.fr:8443/taxii2/", "https://other.example/"}, "https://cti.cert.fr:8443"},
		{[]string{"https://hub.example.eu/"}, "https://hub.example.eu"},
		{nil, ""},
		{[]string{"://bad"}, ""},
	} {
		if got := PeerLink(&trust.Organization{Nodes: tt.nodes}); got != tt.want {
			t.Errorf("PeerLink(nodes %q) = %q, want %q", tt.nodes, got, tt.want)
		}
	}
}

// The console adds peers as "rampart peer add" does: members of the
// registry the node trusts only, named as the registry names them.
func TestAddPeer(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx := context.Background()
	if keys := an.PublicKeys(); keys == nil || keys.Organization != auditOrgFR || len(keys.Keys) != 3 {
		t.Errorf("PublicKeys() = %+v, want the three keys of %s", keys, auditOrgFR)
	}
	const stranger = "identity--99999999-9999-4999-8999-999999999999"
	for _, tc := range []struct {
		p    rampart.Peer
		want string
	}{
		{rampart.Peer{ID: stranger, URL: "https://x.example"}, "is not a member in registry version 1 (the registry this node trusts)"},
		{rampart.Peer{ID: auditOrgDE}, "needs the https URL of its node link"},
		{rampart.Peer{ID: auditOrgDE, URL: "http://de.example"}, "url must be an https URL"},
	} {
		if err := an.AddPeer(ctx, &tc.p); rampart.ErrorCode(err) != rampart.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddPeer(%+v) = %v, want EINVALID saying %q", tc.p, err, tc.want)
		}
	}
	p := &rampart.Peer{ID: auditOrgDE, URL: "https://de.example:8443"}
	if err := an.AddPeer(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "CERT-Bund" || p.APIRoot != DefaultAPIRoot {
		t.Errorf("added %+v, want the registry's name and the default API root", p)
	}
	if err := an.AddPeer(ctx, &rampart.Peer{ID: auditOrgDE, URL: "https://de.example:8443"}); rampart.ErrorCode(err) != rampart.ECONFLICT {
		t.Errorf("a peer twice: %v", err)
	}
	h, err := an.FederationHealth(ctx)
	if err != nil || len(h.Peers) != 1 || h.Peers[0].ID != auditOrgDE {
		t.Fatalf("FederationHealth = %+v, %v", h, err)
	}
	if err := an.RemovePeer(ctx, auditOrgDE); err != nil {
		t.Fatal(err)
	}
	if err := an.RemovePeer(ctx, auditOrgDE); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("RemovePeer twice: %v", err)
	}

	// Without a registry, any https node link does.
	bare := openAuditNode(t, false, false)
	if bare.PublicKeys() != nil {
		t.Errorf("PublicKeys of a node without keys: %+v", bare.PublicKeys())
	}
	q := &rampart.Peer{ID: stranger, URL: "https://x.example"}
	if err := bare.AddPeer(ctx, q); err != nil || q.Name != stranger {
		t.Errorf("AddPeer without a registry: %+v %v", q, err)
	}
}
