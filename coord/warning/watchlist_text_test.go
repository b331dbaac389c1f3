package warning

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWatchlistWriteText(t *testing.T) {
	for _, tc := range []struct {
		name string
		wl   *Watchlist
		want string
	}{
		{"every kind of entry", &Watchlist{Name: "fr-assets", MemberState: "FR", Owner: orgFR,
			Networks: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, ASNs: []int64{64500}, Domains: []string{"gouv.example"}, Brands: []string{"acmebank"}},
			"watchlist fr-assets (FR, owner " + orgFR + ")\n  network 192.0.2.0/24\n  asn 64500\n  domain gouv.example\n  brand acmebank\n"},
		{"no owner, no entries", &Watchlist{Name: "empty", MemberState: "DE"}, "watchlist empty (DE, owner -)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.wl.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("WriteText (-want +got):\n%s", diff)
			}
		})
	}
}
