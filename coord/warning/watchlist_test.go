package warning

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

const orgFR = "identity--11111111-1111-4111-8111-111111111111"

func frWatchlist() *Watchlist {
	return &Watchlist{
		Name: "fr-assets", MemberState: "FR", Owner: orgFR,
		Networks: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8:10::/48")},
		ASNs:     []int64{64500},
		Domains:  []string{"Gouv.Example."},
		Brands:   []string{"AcmeBank"},
	}
}

func TestWatchlistMatch(t *testing.T) {
	wl := frWatchlist()
	if err := wl.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pattern string
		want    []coord.WatchMatch
	}{
		{"[ipv4-addr:value = '192.0.2.77']", []coord.WatchMatch{{Kind: "network", Entry: "192.0.2.0/24", Value: "192.0.2.77"}}},
		{"[ipv4-addr:value ISSUBSET '192.0.0.0/16']", []coord.WatchMatch{{Kind: "network", Entry: "192.0.2.0/24", Value: "192.0.0.0/16"}}},
		{"[ipv4-addr:value = '198.51.100.7']", nil},
		{"[ipv6-addr:value = '2001:db8:10::1']", []coord.WatchMatch{{Kind: "network", Entry: "2001:db8:10::/48", Value: "2001:db8:10::1"}}},
		{"[network-traffic:dst_ref.value = '192.0.2.8' AND network-traffic:dst_port = 443]", []coord.WatchMatch{{Kind: "network", Entry: "192.0.2.0/24", Value: "192.0.2.8"}}},
		{"[autonomous-system:number = 64500]", []coord.WatchMatch{{Kind: "asn", Entry: "64500", Value: "64500"}}},
		{"[domain-name:value = 'mail.gouv.example']", []coord.WatchMatch{{Kind: "domain", Entry: "gouv.example", Value: "mail.gouv.example"}}},
		// Names that imitate a watched domain or brand are look-alikes.
		{"[domain-name:value = 'notgouv.example']", []coord.WatchMatch{{Kind: "lookalike", Entry: "gouv.example", Value: "notgouv.example", Reason: "added words: notgouv holds gouv"}}},
		{"[domain-name:value = 'g0uv.example']", []coord.WatchMatch{{Kind: "lookalike", Entry: "gouv.example", Value: "g0uv.example", Reason: "homoglyphs: g0uv reads as gouv"}}},
		{"[domain-name:value = 'gouv.example.org']", nil},
		{"[url:value = 'https://acmebamk.example/login']", []coord.WatchMatch{{Kind: "lookalike", Entry: "acmebank", Value: "https://acmebamk.example/login", Reason: "typo: acmebamk is one character off acmebank"}}},
		{"[domain-name:value = 'xn--cmebank-1fg.example']", []coord.WatchMatch{{Kind: "lookalike", Entry: "acmebank", Value: "xn--cmebank-1fg.example", Reason: "homoglyphs: \u0430cmebank mixes scripts to read as acmebank"}}},
		{"[url:value = 'https://acmebank-login.example/x']", []coord.WatchMatch{{Kind: "brand", Entry: "acmebank", Value: "https://acmebank-login.example/x"}}},
		{"[url:value = 'http://192.0.2.9/payload']", []coord.WatchMatch{{Kind: "network", Entry: "192.0.2.0/24", Value: "http://192.0.2.9/payload"}}},
		{"[email-addr:value = 'ceo@secure.gouv.example']", []coord.WatchMatch{{Kind: "domain", Entry: "gouv.example", Value: "ceo@secure.gouv.example"}}},
		{"[email-message:from_ref.value = 'x@myacmebank.example']", []coord.WatchMatch{{Kind: "brand", Entry: "acmebank", Value: "x@myacmebank.example"}}},
		{"[domain-name:value IN ('a.example', 'www.gouv.example')]", []coord.WatchMatch{{Kind: "domain", Entry: "gouv.example", Value: "www.gouv.example"}}},
		{"[domain-name:value != 'gouv.example']", nil},
		{"[domain-name:value NOT = 'gouv.example']", nil},
		{"[file:name = 'acmebank.exe']", nil},
		{"[url:value = 'https://example.com/?q=domain-name:value = \\'gouv.example\\'']", nil},
	}
	for _, tt := range tests {
		values, err := Observables(tt.pattern)
		if err != nil {
			t.Errorf("%s: %v", tt.pattern, err)
			continue
		}
		if diff := cmp.Diff(tt.want, wl.Match(values)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.pattern, diff)
		}
	}
}

func TestWatchlistValidate(t *testing.T) {
	tests := []struct {
		edit func(*Watchlist)
		want string
	}{
		{func(w *Watchlist) { w.Name = "" }, "watchlist name"},
		{func(w *Watchlist) { w.MemberState = "France" }, "member_state"},
		{func(w *Watchlist) { w.Owner = "CERT-FR" }, "owner must be an identity id"},
		{func(w *Watchlist) { w.ASNs = []int64{-1} }, "ASN -1 is out of range"},
		{func(w *Watchlist) { w.Domains = []string{"localhost"} }, `domain "localhost" is not a domain name`},
		{func(w *Watchlist) { w.Brands = []string{"ab"} }, `brand "ab" must be one word of at least 4 characters`},
		{func(w *Watchlist) { w.Networks = []netip.Prefix{{}} }, "networks[0] is not an IP prefix"},
	}
	for _, tt := range tests {
		wl := frWatchlist()
		tt.edit(wl)
		if err := wl.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want %q", err, tt.want)
		}
	}
}

func TestWatchlistAlerts(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	e := NewEngine()
	e.Objects, e.Collections, e.CollectionID = store, store, alertColl
	e.Organization = orgFR
	e.Now = func() time.Time { return now }
	e.Watchlists = []*Watchlist{frWatchlist()}
	if err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const orgDE = "identity--22222222-2222-4222-8222-222222222222"
	ind := func(n int, by, pattern string) *stix.Object {
		return coordtest.MustObject(t, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":"ind %d","pattern":%q,"pattern_type":"stix","valid_from":%q}`,
			uuid("indicator", n), ts(t0), ts(t0), by, n, pattern, ts(t0)))
	}
	feed(t, store, e, []*stix.Object{
		ind(1, orgDE, "[ipv4-addr:value = '192.0.2.77']"),
		ind(2, orgFR, "[ipv4-addr:value = '192.0.2.78']"), // France's own: no alert
		ind(3, orgDE, "[domain-name:value = 'example.org']"),
	})
	got := alertsOf(t, store)
	if len(got) != 1 {
		t.Fatalf("want one watchlist alert, got %v", summarize(got))
	}
	a := got[0]
	want := summary{RuleWatchlist, uuid("indicator", 1), coord.SeverityMedium, []string{"FR"}, nil, 0}
	if diff := cmp.Diff(want, summarize(got)[0]); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{stix.TLPRed.MarkingID()}, a.Markings); diff != "" {
		t.Errorf("a watchlist alert must be TLP:RED (-want +got):\n%s", diff)
	}
	if a.Watchlist != "fr-assets" || len(a.Matches) != 1 || a.Matches[0].Entry != "192.0.2.0/24" {
		t.Errorf("watchlist %q, matches %v", a.Watchlist, a.Matches)
	}

	// A new watchlist applies to indicators already stored.
	wl := frWatchlist()
	wl.Name, wl.Networks, wl.Domains = "fr-extra", nil, []string{"example.org"}
	if err := e.SetWatchlists(ctx, []*Watchlist{frWatchlist(), wl}); err != nil {
		t.Fatal(err)
	}
	if got := alertsOf(t, store); len(got) != 2 || store.Versions(a.ID, alertColl) != 1 {
		t.Errorf("after adding a watchlist: %v; the first alert should keep one version", summarize(got))
	}
	if err := e.SetWatchlists(ctx, []*Watchlist{wl, wl}); err == nil {
		t.Error("SetWatchlists accepted a name twice")
	}
}

func TestObservables(t *testing.T) {
	got, err := Observables("[ipv4-addr:value='10.0.0.1'] OR [email-message:to_refs[*].value IN ('a@b.example' ,'c@d.example')]")
	want := []Observable{{"ipv4-addr", "value", "10.0.0.1"}, {"email-message", "to_refs[*].value", "a@b.example"}, {"email-message", "to_refs[*].value", "c@d.example"}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("Observables = %v, %v; want %v", got, err, want)
	}
	if _, err := Observables("[domain-name:value = 'open"); err == nil || !strings.Contains(err.Error(), "pattern:1:") {
		t.Errorf("an unclosed literal: %v, want a positioned error", err)
	}
}

// FuzzWatchlistNetworks compares the prefix index with the obvious scan:
// a probe matches exactly the watched prefixes that overlap it.
func FuzzWatchlistNetworks(f *testing.F) {
	f.Add([]byte{192, 0, 2, 0, 24, 10, 0, 0, 0, 8}, []byte{192, 0, 2, 7, 32})
	f.Add([]byte{10, 0, 0, 0, 8, 10, 1, 0, 0, 16, 10, 1, 2, 0, 24}, []byte{10, 1, 0, 0, 12})
	f.Fuzz(func(t *testing.T, watched, probe []byte) {
		prefix := func(b []byte) (netip.Prefix, bool) {
			if len(b) < 5 {
				return netip.Prefix{}, false
			}
			return netip.PrefixFrom(netip.AddrFrom4([4]byte(b[:4])), int(b[4])%33).Masked(), true
		}
		wl := &Watchlist{Name: "fuzz", MemberState: "FR"}
		for len(watched) >= 5 {
			p, _ := prefix(watched)
			wl.Networks = append(wl.Networks, p)
			watched = watched[5:]
		}
		p, ok := prefix(probe)
		if !ok {
			return
		}
		var want []string
		for _, n := range wl.Networks {
			if n.Overlaps(p) && !slices.Contains(want, n.String()) {
				want = append(want, n.String())
			}
		}
		var got []string
		for _, m := range wl.Match([]Observable{{"ipv4-addr", "value", p.String()}}) {
			got = append(got, m.Entry)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Fatalf("probe %s over %v: index %v, scan %v", p, wl.Networks, got, want)
		}
	})
}
