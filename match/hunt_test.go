package match

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// pastValues is a past held in memory.
type pastValues []PastValue

func (p pastValues) PastValues(_ context.Context, q PastQuery) ([]PastValue, error) {
	var out []PastValue
	for _, v := range p {
		if v.Path != q.Path || v.Last.Before(q.Since) {
			continue
		}
		a, _ := netip.ParseAddr(v.Value)
		if q.Value == v.Value || q.Prefix.IsValid() && a.IsValid() && q.Prefix.Contains(a) ||
			q.Domain != "" && (v.Value == q.Domain || strings.HasSuffix(v.Value, "."+q.Domain)) {
			out = append(out, v)
		}
	}
	return out, nil
}

func TestHunt(t *testing.T) {
	mon := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	past := pastValues{
		{Path: "ipv4-addr:value", Value: "203.0.113.77", Sensor: "s1", First: mon, Last: mon.Add(time.Minute), Count: 3},
		{Path: "ipv4-addr:value", Value: "203.0.113.78", Sensor: "s2", First: mon, Last: mon, Count: 1},
		{Path: "domain-name:value", Value: "a.evil.example", First: mon, Last: mon, Count: 2},
		{Path: "domain-name:value", Value: "evil.example", First: mon, Last: mon, Count: 1},
	}
	hunt := func(pat, extra string) (HuntStats, map[string]int64) {
		t.Helper()
		ind, err := ParseIndicator(indicator(t, 1, pat, extra))
		must(t, err)
		got := map[string]int64{}
		st, err := Hunt(context.Background(), ind, past, mon.Add(-24*time.Hour), func(sensor string, h Hit) {
			got[sensor] += int64(h.Observations[0].NumberObserved)
			if !h.Time.Equal(mon) {
				t.Errorf("hit at %s, want the value's first time %s", h.Time, mon)
			}
		})
		must(t, err)
		return st, got
	}
	if st, got := hunt("[ipv4-addr:value ISSUBSET '203.0.113.0/24' AND ipv4-addr:value != '203.0.113.78']", ""); st.Hits != 1 || got["s1"] != 3 || len(got) != 1 {
		t.Errorf("CIDR: %+v %v", st, got)
	}
	if st, got := hunt("[domain-name:value LIKE '%.evil.example']", ""); st.Hits != 1 || got[""] != 2 {
		t.Errorf("subdomains, not the domain itself: %+v %v", st, got)
	}
	// valid_from is not read (the indicator came after); valid_until is.
	if st, _ := hunt("[ipv4-addr:value = '203.0.113.77']", `,"valid_until":"2026-03-02T08:00:00Z"`); st.Hits != 0 {
		t.Errorf("an indicator no longer valid when the value was seen matched it: %+v", st)
	}
	for _, pat := range []string{"[ipv4-addr:value = '203.0.113.77'] FOLLOWEDBY [domain-name:value = 'evil.example']", "[domain-name:value MATCHES 'evil']"} {
		if st, _ := hunt(pat, ""); st.Skipped == "" || st.Hits != 0 {
			t.Errorf("%s was hunted: %+v", pat, st)
		}
	}
	rev := indicator(t, 2, "[ipv4-addr:value = '203.0.113.77']", `,"revoked":true`)
	ind, err := ParseIndicator(rev)
	must(t, err)
	if st, _ := Hunt(context.Background(), ind, past, mon.Add(-time.Hour), func(string, Hit) {}); st.Skipped != "revoked" {
		t.Errorf("a revoked indicator was hunted: %+v", st)
	}
}
