package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/stix"
)

// crossBorderSightings are sightings of one indicator, published by CSIRT
// DE, by organisations in France and in Germany two hours apart.
var crossBorderSightings = []string{
	`{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-0000000000a1","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":"CSIRT FR","identity_class":"organization","sectors":["energy"]}`,
	`{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-0000000000a2","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":"CSIRT DE","identity_class":"organization"}`,
	`{"type":"location","spec_version":"2.1","id":"location--00000000-0000-4000-8000-0000000000b1","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","country":"FR"}`,
	`{"type":"location","spec_version":"2.1","id":"location--00000000-0000-4000-8000-0000000000b2","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","country":"DE"}`,
	`{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-0000000000c1","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","relationship_type":"located-at","source_ref":"identity--00000000-0000-4000-8000-0000000000a1","target_ref":"location--00000000-0000-4000-8000-0000000000b1"}`,
	`{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-0000000000c2","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","relationship_type":"located-at","source_ref":"identity--00000000-0000-4000-8000-0000000000a2","target_ref":"location--00000000-0000-4000-8000-0000000000b2"}`,
	`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000d1","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","created_by_ref":"identity--00000000-0000-4000-8000-0000000000a2","name":"c2 address","pattern":"[ipv4-addr:value = '192.0.2.7']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`,
	`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-0000000000f1","created":"2026-03-10T09:00:00.000Z","modified":"2026-03-10T09:00:00.000Z","sighting_of_ref":"indicator--00000000-0000-4000-8000-0000000000d1","where_sighted_refs":["identity--00000000-0000-4000-8000-0000000000a1"],"first_seen":"2026-03-10T09:00:00Z","last_seen":"2026-03-10T09:00:00Z"}`,
	`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-0000000000f2","created":"2026-03-10T11:00:00.000Z","modified":"2026-03-10T11:00:00.000Z","sighting_of_ref":"indicator--00000000-0000-4000-8000-0000000000d1","where_sighted_refs":["identity--00000000-0000-4000-8000-0000000000a2"],"first_seen":"2026-03-10T11:00:00Z","last_seen":"2026-03-10T11:00:00Z"}`,
}

func TestScanAlerts(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if k, err := n.ScanAlerts(ctx); k != 0 || err != nil {
		t.Fatalf("an empty node: %d alerts, %v; want 0", k, err)
	}
	def, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	var objs []*stix.Object
	for _, raw := range crossBorderSightings {
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	if _, err := n.Objects.CreateObjects(ctx, def.ID, objs); err != nil {
		t.Fatal(err)
	}
	if k, err := n.ScanAlerts(ctx); k != 1 || err != nil {
		t.Fatalf("sightings in two member states: %d alert versions, %v; want 1", k, err)
	}
	if k, err := n.ScanAlerts(ctx); k != 0 || err != nil {
		t.Fatalf("a second scan: %d alert versions, %v; want 0 (the alert is up to date)", k, err)
	}
	alerts, err := n.Coord.FindAlerts(ctx, coord.AlertFilter{})
	if err != nil || len(alerts) != 1 || strings.Join(alerts[0].MemberStates, ",") != "DE,FR" {
		t.Errorf("alerts %+v, %v; want one in DE and FR", alerts, err)
	}
}

func TestChangeAlertRules(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, false, false).Node
	s, saved, err := n.ChangeAlertRules(ctx, AlertRulesChange{})
	if err != nil || saved || s.Rules.MinStates != 2 {
		t.Fatalf("no change: saved %v, rules %+v, %v; want the defaults, not saved", saved, s.Rules, err)
	}
	three, window := 3, 12*time.Hour
	if s, saved, err = n.ChangeAlertRules(ctx, AlertRulesChange{MinStates: &three, Window: &window}); err != nil || !saved {
		t.Fatalf("change: saved %v, %v", saved, err)
	}
	if s.Rules.MinStates != 3 || s.Rules.Window != window || s.Rules.Retention != warning.DefaultRules().Retention {
		t.Errorf("returned rules %+v", s.Rules)
	}
	one := 1
	if _, _, err := n.ChangeAlertRules(ctx, AlertRulesChange{MinStates: &one}); rampart.ErrorCode(err) != rampart.EINVALID || !strings.Contains(err.Error(), "min_states") {
		t.Errorf("min states 1: %v; want EINVALID naming min_states", err)
	}
	s, err = n.AlertSettings(ctx)
	if err != nil || s.Rules.MinStates != 3 || s.Rules.Window != window {
		t.Errorf("stored rules %+v, %v; want those of the last good change", s.Rules, err)
	}
}

func TestWatchlistsAndWebhooks(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, true, true).Node
	if err := n.SaveWatchlist(ctx, &warning.Watchlist{Name: "fr-assets", Domains: []string{"gouv.example"}}); err != nil {
		t.Fatal(err)
	}
	wl, err := n.FindWatchlist(ctx, "fr-assets")
	if err != nil {
		t.Fatal(err)
	}
	if wl.Owner != auditOrgFR || wl.MemberState != "FR" {
		t.Errorf("owner %q, member state %q; want the node's %s and FR", wl.Owner, wl.MemberState, auditOrgFR)
	}
	if err := n.SaveWatchlist(ctx, &warning.Watchlist{Name: "de", MemberState: "DE", Owner: auditOrgDE, Brands: []string{"ab"}}); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("a brand too short: %v; want EINVALID", err)
	}
	if err := n.DeleteWatchlist(ctx, "fr-assets"); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{errOf(n.FindWatchlist(ctx, "fr-assets")), n.DeleteWatchlist(ctx, "fr-assets")} {
		if rampart.ErrorCode(err) != rampart.ENOTFOUND || !strings.Contains(err.Error(), `no watchlist "fr-assets"`) {
			t.Errorf("removed watchlist: %v; want ENOTFOUND", err)
		}
	}

	const hook, secret = "http://127.0.0.1:9999/hook", "a-webhook-secret-of-32-characters"
	if err := n.SaveWebhook(ctx, hook, secret); err != nil {
		t.Fatal(err)
	}
	if err := n.SaveWebhook(ctx, "http://soc.example/hook", secret); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("plain http to another host: %v; want an error without the secret", err)
	}
	s, err := n.AlertSettings(ctx)
	if err != nil || len(s.Webhooks) != 1 || s.Webhooks[0].URL != hook {
		t.Fatalf("webhooks %+v, %v; want %s only", s.Webhooks, err, hook)
	}
	if err := n.DeleteWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	if s, err := n.AlertSettings(ctx); err != nil || len(s.Webhooks) != 0 {
		t.Errorf("after removal: %+v, %v", s.Webhooks, err)
	}
}
