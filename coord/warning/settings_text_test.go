package warning

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rampart-cti/rampart/coord/webhook"
)

func TestSettingsWriteText(t *testing.T) {
	r := DefaultRules()
	r.MinStates, r.Window = 3, 12*time.Hour
	s := &Settings{Rules: r,
		Webhooks: []webhook.Hook{{URL: "https://soc.example/a", Secret: testSecret}, {URL: "http://127.0.0.1:9999/b", Secret: testSecret}},
		Watchlists: []*Watchlist{{Name: "fr-assets", MemberState: "FR", Networks: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
			ASNs: []int64{64500, 64501}, Brands: []string{"acmebank"}}}}

	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, d := range r.Describe() {
		if !strings.Contains(got, d.Name+strings.Repeat(" ", 20-len(d.Name))+d.Description+"\n") {
			t.Errorf("WriteText lacks rule %s:\n%s", d.Name, got)
		}
	}
	if !strings.Contains(got, "in at least 3 member states within 12h") || !strings.HasSuffix(got, "watchlists          1\nwebhooks            2\n") {
		t.Errorf("WriteText =\n%s", got)
	}

	b.Reset()
	if err := s.WriteWatchlists(&b); err != nil {
		t.Fatal(err)
	}
	want := "NAME       STATE  NETWORKS  ASNS  DOMAINS  BRANDS\nfr-assets  FR     1         2     0        1\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteWatchlists (-want +got):\n%s", diff)
	}

	b.Reset()
	if err := s.WriteWebhooks(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "https://soc.example/a\nhttp://127.0.0.1:9999/b\n" || strings.Contains(got, testSecret) {
		t.Errorf("WriteWebhooks = %q; want the URLs, never the secrets", got)
	}
}
