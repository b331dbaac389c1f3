package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

func TestAlertOptionsCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       AlertOptions
		sub     string
		args    []string
		wantErr string // "" for none
		hint    string
	}{
		{"list", AlertOptions{Since: "2026-03-10T00:00:00Z"}, "list", nil, "", ""},
		{"bad since", AlertOptions{Since: "yesterday"}, "list", nil, `--since "yesterday": give an RFC 3339 time`, ""},
		{"bad now", AlertOptions{Now: "soon"}, "scan", nil, `--now "soon"`, ""},
		{"bad window", AlertOptions{Window: "forever"}, "rules", nil, `--window: "forever" is not a duration`, ""},
		{"bad retention", AlertOptions{Retention: "x"}, "rules", nil, "--retention:", ""},
		{"window ignored by list", AlertOptions{Window: "forever"}, "list", nil, "", ""},
		{"unknown watchlist op", AlertOptions{}, "watchlist", []string{"frob"}, `unknown watchlist command "frob"`, ""},
		{"watchlist list with a name", AlertOptions{}, "watchlist", []string{"list", "x"}, `alert watchlist list takes no NAME (got 1: ["x"])`, `run "rampart alert -h" for examples`},
		{"watchlist show without a name", AlertOptions{}, "watchlist", []string{"show"}, "alert watchlist show needs a NAME", ""},
		{"bad network", AlertOptions{Networks: "192.0.2.0/24,nonsense"}, "watchlist", []string{"add", "fr"}, `--networks: "nonsense" is not an IP prefix`, ""},
		{"bad ASN", AlertOptions{ASNs: "ASX"}, "watchlist", []string{"add", "fr"}, `--asns: "ASX" is not an AS number`, ""},
		{"webhook without an URL", AlertOptions{}, "webhook", []string{"add"}, "alert webhook: use list", ""},
		{"webhook without its secret", AlertOptions{}, "webhook", []string{"add", "https://soc.example/hook"}, "needs --secret-stdin", ""},
		{"webhook with its secret", AlertOptions{SecretStdin: true}, "webhook", []string{"add", "https://soc.example/hook"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Check(tc.sub, tc.args)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v; want none", err)
				}
				return
			}
			ce, ok := AsConfigError(err)
			if !ok || !strings.Contains(ce.Msg, tc.wantErr) || ce.Hint != tc.hint {
				t.Fatalf("Check: %#v; want a ConfigError with %q, hint %q", err, tc.wantErr, tc.hint)
			}
		})
	}
}

func TestAlertOptionsRead(t *testing.T) {
	o := AlertOptions{MinStates: 3, MinStatesGiven: true, Window: "12h", Marking: "TLP:GREEN", Now: "2026-03-11T00:00:00Z"}
	if err := o.Check("rules", nil); err != nil {
		t.Fatal(err)
	}
	c := o.RulesChange()
	if c.MinStates == nil || *c.MinStates != 3 || c.Window == nil || *c.Window != 12*time.Hour || c.Retention != nil ||
		c.Marking == nil || *c.Marking != "TLP:GREEN" {
		t.Errorf("RulesChange = %+v; want min states 3, window 12h, marking TLP:GREEN, retention unchanged", c)
	}
	if clock := o.Clock(); clock == nil || !clock().Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Clock does not give --now")
	}
	if (&AlertOptions{}).Clock() != nil {
		t.Errorf("Clock without --now is not nil")
	}
	if c := (&AlertOptions{MinStates: 3}).RulesChange(); c.MinStates != nil {
		t.Errorf("min states not given, changed to %d", *c.MinStates)
	}

	o = AlertOptions{MemberState: "fr", Owner: "identity--x", Networks: "192.0.2.0/24, 198.51.100.7", ASNs: "AS64500,64501", Domains: "gouv.example,", Brands: "acmebank"}
	if err := o.Check("watchlist", []string{"add", "fr-assets"}); err != nil {
		t.Fatal(err)
	}
	wl := o.Watchlist()
	if wl.Name != "fr-assets" || wl.MemberState != "FR" || wl.Owner != "identity--x" || len(wl.Networks) != 2 ||
		wl.Networks[1].String() != "198.51.100.7/32" || len(wl.ASNs) != 2 || wl.ASNs[0] != 64500 ||
		strings.Join(wl.Domains, ",") != "gouv.example" || strings.Join(wl.Brands, ",") != "acmebank" {
		t.Errorf("Watchlist = %+v", wl)
	}
}

func TestFindAlertList(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
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
	if _, err := n.ScanAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o    AlertOptions
		want int
	}{
		{AlertOptions{}, 1},
		{AlertOptions{Rule: "same-indicator", MemberState: "fr"}, 1},
		{AlertOptions{Rule: "watchlist"}, 0},
		{AlertOptions{Severity: "critical"}, 0},
		{AlertOptions{MemberState: "it"}, 0},
	} {
		if err := tc.o.Check("list", nil); err != nil {
			t.Fatal(err)
		}
		list, err := n.FindAlertList(ctx, &tc.o)
		if err != nil || len(list) != tc.want {
			t.Errorf("FindAlertList(%+v) = %d alerts, %v; want %d", tc.o, len(list), err, tc.want)
		}
	}
}
