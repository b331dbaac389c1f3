package export

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/stix"
)

var testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func id(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }

const producerA = "identity--00000000-0000-4000-8000-0000000000aa"

// fixture is indicators of every kind and filter.
func fixture(t testing.TB) []*stix.Object {
	amber, green, red := stix.TLPAmber.MarkingID(), stix.TLPGreen.MarkingID(), stix.TLPRed.MarkingID()
	return []*stix.Object{
		indicator(t, id(1), `[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '198.51.100.0/24']`, `"name":"C2 \"servers\"; sid:1;","confidence":90,"object_marking_refs":["`+green+`"],"created_by_ref":"`+producerA+`",`),
		indicator(t, id(2), `[ipv6-addr:value = '2001:db8::1'] OR [ipv6-addr:value ISSUBSET '2001:db8:1::/48']`, `"name":"v6","confidence":50,"object_marking_refs":["`+amber+`"],`),
		indicator(t, id(3), `[domain-name:value = 'evil.example']`, `"name":"=cmd|' /C calc'!A0","confidence":70,"object_marking_refs":["`+red+`"],`),
		indicator(t, id(4), `[url:value = 'http://evil.example:8080/x/"a";b|c\\d?q=1']`, `"confidence":70,`),
		indicator(t, id(5), `[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`, `"name":"empty file",`),
		indicator(t, id(6), `[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, `"name":"sha1",`),
		indicator(t, id(7), `[email-addr:value = 'phish@evil.example']`, `"name":"phisher",`),
		indicator(t, id(8), `[domain-name:value LIKE '%.evil.example']`, `"name":"like",`),
		indicator(t, id(9), `[ipv4-addr:value = '192.0.2.9']`, `"name":"revoked","revoked":true,`),
		indicator(t, id(10), `[ipv4-addr:value = '192.0.2.10']`, `"name":"expired","valid_until":"2026-05-01T00:00:00Z",`),
		indicator(t, id(11), `[ipv4-addr:value = '192.0.2.11'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.12']`, `"name":"sequence",`),
		indicator(t, id(12), `[ipv6-addr:value = '2001:db8:0:1:0:0:0:1']`, `"name":"zz",`),
		indicator(t, id(13), `[ipv4-addr:value = '192.0.2.13']`, `"name":"future","valid_from":"2027-01-01T00:00:00Z",`),
	}
}

func collect(t testing.TB, f Filter, objs []*stix.Object) *Set {
	t.Helper()
	f.Now = func() time.Time { return testNow }
	s := NewSet(f)
	for _, o := range objs {
		if err := s.Add(o, testNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	s.Done()
	return s
}

func ids(s *Set) []int {
	var out []int
	for _, in := range s.Indicators {
		var n int
		fmt.Sscanf(in.ID[len(in.ID)-12:], "%d", &n)
		out = append(out, n)
	}
	return out
}

func TestSetFilters(t *testing.T) {
	objs := fixture(t)
	for _, c := range []struct {
		name string
		f    Filter
		want []int
	}{
		{"all", Filter{}, []int{1, 2, 3, 4, 5, 6, 7, 8, 11, 12}},
		{"kind ip", Filter{Kinds: []Kind{KindIPv4, KindIPv6, KindCIDR}}, []int{1, 2, 12}},
		{"kind sha256", Filter{Kinds: []Kind{KindSHA256}}, []int{5}},
		{"confidence", Filter{MinConfidence: 60}, []int{1, 3, 4}},
		{"marking", Filter{Markings: []string{"green", "TLP:AMBER"}}, []int{1, 2}},
		{"marking id", Filter{Markings: []string{stix.TLPRed.MarkingID()}}, []int{3}},
		{"producer", Filter{Producers: []string{producerA}}, []int{1}},
		{"age", Filter{MaxAge: 24 * time.Hour}, nil},
		{"age long", Filter{MaxAge: 365 * 24 * time.Hour}, []int{1, 2, 3, 4, 5, 6, 7, 8, 11, 12}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := collect(t, c.f, objs)
			if diff := cmp.Diff(c.want, ids(s)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s.Filtered["revoked"] != 1 || s.Filtered["expired"] != 1 || s.Filtered["not yet valid"] != 1 {
				t.Errorf("filtered %v: want 1 revoked, 1 expired, 1 not yet valid", s.Filtered)
			}
		})
	}
	s := collect(t, Filter{}, objs)
	if diff := cmp.Diff(map[string]int{"LIKE comparison": 1, "FOLLOWEDBY": 1}, s.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	// The newest change: the expiry of indicator 10 (2026-05-01) is later
	// than every modified (2026-01-02) but earlier than the time added.
	if want := testNow.Add(-time.Hour); !s.Newest.Equal(want) {
		t.Errorf("newest %v, want %v", s.Newest, want)
	}
}

// TestSetNewestVersionDecides checks that of two collections' copies of
// an indicator, the newer decides, whichever comes first.
func TestSetNewestVersionDecides(t *testing.T) {
	old := indicator(t, id(1), `[ipv4-addr:value = '192.0.2.1']`, "")
	newer, err := stix.ParseObject([]byte(strings.Replace(string(old.Raw), `"modified":"2026-01-02T00:00:00.000Z"`, `"modified":"2026-02-01T00:00:00.000Z","revoked":true`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range [][]*stix.Object{{old, newer}, {newer, old}} {
		if s := collect(t, Filter{}, order); len(s.Indicators) != 0 || s.Filtered["revoked"] != 1 {
			t.Errorf("kept %v, filtered %v: the revoked newer version must decide", ids(s), s.Filtered)
		}
	}
	s := collect(t, Filter{}, []*stix.Object{old, old})
	if len(s.Indicators) != 1 {
		t.Errorf("the same version in two collections: %v", ids(s))
	}
}
