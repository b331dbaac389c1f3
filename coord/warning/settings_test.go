package warning

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/webhook"
	"github.com/rampart-cti/rampart/internal/settingstest"
)

// TestSettingsConcurrentEdits: sixteen watchlists and sixteen webhooks
// saved at once are all kept (regression: edits read the whole list,
// changed it and wrote it back, so concurrent edits lost each other's).
func TestSettingsConcurrentEdits(t *testing.T) {
	svc := settingstest.NewMemory()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			wl := &Watchlist{Name: fmt.Sprintf("wl-%02d", i), MemberState: "FR", Networks: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", i))}}
			if err := SaveWatchlist(ctx, svc, wl); err != nil {
				t.Error(err)
			}
			h := webhook.Hook{URL: fmt.Sprintf("https://soc.example/hook/%d", i), Secret: testSecret}
			if err := webhook.Save(ctx, svc, h); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s, err := LoadSettings(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Watchlists) != 16 || len(s.Webhooks) != 16 {
		t.Errorf("%d watchlists and %d webhooks kept, want 16 of each", len(s.Watchlists), len(s.Webhooks))
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	svc := settingstest.NewMemory()
	s, err := LoadSettings(ctx, svc)
	if err != nil || s.Rules != DefaultRules() || len(s.Webhooks)+len(s.Watchlists) != 0 {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	r := Rules{MinStates: 3, Window: 12 * time.Hour, Retention: 7 * 24 * time.Hour, Marking: "green"}
	if err := SaveRules(ctx, svc, r); err != nil {
		t.Fatal(err)
	}
	if err := SaveRules(ctx, svc, Rules{MinStates: 1}); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("a rule of one state: %v", err)
	}
	if err := webhook.Save(ctx, svc, webhook.Hook{URL: "https://soc.example/x", Secret: "short"}); rampart.ErrorCode(err) != rampart.EINVALID || strings.Contains(err.Error(), "short") {
		t.Errorf("a short secret: %v", err)
	}
	if err := webhook.Save(ctx, svc, webhook.Hook{URL: "https://soc.example/x", Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Delete(ctx, svc, "https://soc.example/y"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("delete an unknown webhook: %v", err)
	}
	if err := SaveWatchlist(ctx, svc, &Watchlist{Name: "fr", MemberState: "FR", Domains: []string{"gouv.example"}}); err != nil {
		t.Fatal(err)
	}
	if err := DeleteWatchlist(ctx, svc, "nope"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("delete an unknown watchlist: %v", err)
	}
	s, err = LoadSettings(ctx, svc)
	if err != nil || s.Rules != r || len(s.Webhooks) != 1 || s.Webhooks[0].Secret != testSecret || len(s.Watchlists) != 1 || s.Watchlists[0].Domains[0] != "gouv.example" {
		t.Errorf("read back: %+v, %v", s, err)
	}
	if err := DeleteWatchlist(ctx, svc, "fr"); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Delete(ctx, svc, "https://soc.example/x"); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSettings(ctx, svc); err != nil || len(s.Webhooks)+len(s.Watchlists) != 0 {
		t.Errorf("after deletes: %+v, %v", s, err)
	}
}

// An edit saved at the version it was read at refuses to undo what another
// writer did meanwhile, and says what that was.
func TestSaveWatchlistAt(t *testing.T) {
	ctx := context.Background()
	svc := settingstest.NewMemory()
	wl := func(domain string) *Watchlist {
		return &Watchlist{Name: "fr", MemberState: "FR", Domains: []string{domain}}
	}
	v1, err := SaveWatchlistAt(ctx, svc, wl("a.example"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		version int64
		says    string
	}{
		{"made twice", 0, "exists already"},
		{"changed meanwhile", v1 + 1, "was changed since it was read"},
	} {
		_, err := SaveWatchlistAt(ctx, svc, wl("b.example"), tc.version)
		if rampart.ErrorCode(err) != rampart.ECONFLICT || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want ECONFLICT saying %q", tc.name, err, tc.says)
		}
	}
	got, v, err := FindWatchlist(ctx, svc, "fr")
	if err != nil || v != v1 || got.Domains[0] != "a.example" {
		t.Fatalf("FindWatchlist: %+v version %d %v, want a.example at %d", got, v, err, v1)
	}
	v2, err := SaveWatchlistAt(ctx, svc, wl("c.example"), v1)
	if err != nil || v2 == v1 {
		t.Fatalf("save at the version read: %d %v", v2, err)
	}
	if err := DeleteWatchlist(ctx, svc, "fr"); err != nil {
		t.Fatal(err)
	}
	if _, err := SaveWatchlistAt(ctx, svc, wl("d.example"), v2); !strings.Contains(fmt.Sprint(err), "was removed since it was read") {
		t.Errorf("save after removal: %v", err)
	}
	if _, _, err := FindWatchlist(ctx, svc, "fr"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("FindWatchlist after removal: %v", err)
	}
	if _, err := SaveWatchlistAt(ctx, svc, &Watchlist{Name: "bad name"}, 0); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("bad watchlist: %v", err)
	}
}

func TestParseNetworkAndASN(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.7/24": "192.0.2.0/24", " 198.51.100.1 ": "198.51.100.1/32", "2001:db8::/32": "2001:db8::/32"} {
		if p, err := ParseNetwork(in); err != nil || p.String() != want {
			t.Errorf("ParseNetwork(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	if _, err := ParseNetwork("example.eu"); err == nil || !strings.Contains(err.Error(), "not an IP prefix") {
		t.Errorf("ParseNetwork(example.eu): %v", err)
	}
	for in, want := range map[string]int64{"64500": 64500, "AS64501": 64501, "as 64502": 0} {
		n, err := ParseASN(in)
		if want == 0 {
			if err == nil {
				t.Errorf("ParseASN(%q) = %d, want an error", in, n)
			}
			continue
		}
		if err != nil || n != want {
			t.Errorf("ParseASN(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
}
