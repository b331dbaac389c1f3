package storetest

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

func testArchive(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	a := s.Archive
	mon := time.Date(2026, 12, 7, 9, 15, 0, 0, time.UTC)
	v := func(path, value, sensor string, at time.Time, count int64) rampart.ArchivedValue {
		return rampart.ArchivedValue{Path: path, Value: value, Sensor: sensor, First: at, Last: at, Count: count}
	}
	must(t, "archive", a.ArchiveValues(ctx, []rampart.ArchivedValue{
		v("ipv4-addr:value", "203.0.113.9", "", mon, 1),
		v("ipv4-addr:value", "203.0.113.9", "", mon.Add(20*time.Minute), 2), // same hour: merged
		v("ipv4-addr:value", "203.0.113.200", "", mon, 1),
		v("ipv4-addr:value", "198.51.100.1", "", mon, 1),
		v("ipv6-addr:value", "2001:db8::7", "", mon, 1),
		v("domain-name:value", "a.evil.example", "sensor-2", mon, 1),
		v("domain-name:value", "evil.example", "", mon.Add(2*time.Hour), 1),
		v("domain-name:value", "notevil.example", "", mon, 1),
		v("domain-name:value", "evil.example.org", "", mon, 1),
	}))
	// Again later: an existing hour's row grows.
	must(t, "archive again", a.ArchiveValues(ctx, []rampart.ArchivedValue{v("ipv4-addr:value", "203.0.113.9", "", mon.Add(-10*time.Minute), 4)}))

	find := func(q rampart.ArchiveQuery) []string {
		t.Helper()
		got, err := a.FindArchivedValues(ctx, q)
		must(t, "find", err)
		var out []string
		for _, x := range got {
			out = append(out, x.Value+"@"+x.Sensor)
		}
		return out
	}
	got, err := a.FindArchivedValues(ctx, rampart.ArchiveQuery{Path: "ipv4-addr:value", Value: "203.0.113.9"})
	must(t, "find exact", err)
	if len(got) != 1 || got[0].Count != 7 || !got[0].First.Equal(mon.Add(-10*time.Minute)) || !got[0].Last.Equal(mon.Add(20*time.Minute)) {
		t.Errorf("203.0.113.9: %+v, want one row counting 7 from 09:05 to 09:35", got)
	}
	if got := find(rampart.ArchiveQuery{Path: "ipv4-addr:value", Prefix: netip.MustParsePrefix("203.0.113.0/24")}); !slices.Equal(got, []string{"203.0.113.200@", "203.0.113.9@"}) {
		t.Errorf("203.0.113.0/24: %q", got)
	}
	if got := find(rampart.ArchiveQuery{Path: "ipv6-addr:value", Prefix: netip.MustParsePrefix("2001:db8::/32")}); !slices.Equal(got, []string{"2001:db8::7@"}) {
		t.Errorf("2001:db8::/32: %q", got)
	}
	if got := find(rampart.ArchiveQuery{Path: "domain-name:value", Domain: "evil.example"}); !slices.Equal(got, []string{"a.evil.example@sensor-2", "evil.example@"}) {
		t.Errorf("evil.example and its subdomains: %q", got)
	}
	if got := find(rampart.ArchiveQuery{Path: "domain-name:value", Domain: "evil.example", Since: mon.Add(time.Hour)}); !slices.Equal(got, []string{"evil.example@"}) {
		t.Errorf("since 10:15: %q", got)
	}
	_, err = a.FindArchivedValues(ctx, rampart.ArchiveQuery{Path: "ipv4-addr:value"})
	wantCode(t, "a query naming nothing", err, rampart.EINVALID)

	n, err := a.PurgeArchive(ctx, mon.Add(time.Hour))
	must(t, "purge", err)
	if n != 7 {
		t.Errorf("purged %d rows, want 7 (all but the 11:15 one)", n)
	}
	if got := find(rampart.ArchiveQuery{Path: "domain-name:value", Domain: "example"}); !slices.Equal(got, []string{"evil.example@"}) {
		t.Errorf("after the purge: %q", got)
	}
}
