package match

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// indicator returns a STIX indicator object.
func indicator(t testing.TB, n int, pat string, extra string) *stix.Object {
	t.Helper()
	js := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}`, n, pat, extra)
	o, err := stix.ParseObject([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func id(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }

// collect runs the JSON lines through m and returns the IDs hit per line.
func collect(t testing.TB, m *Matcher, lines ...string) []string {
	t.Helper()
	r := NewJSONLinesReader(strings.NewReader(strings.Join(lines, "\n")), nil)
	s := m.NewSession()
	var out []string
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		var ids []string
		s.Match(rec, func(h Hit) { ids = append(ids, h.Indicator.ID[len(h.Indicator.ID)-2:]) })
		out = append(out, strings.Join(ids, ","))
	}
	return out
}

func TestMatcher(t *testing.T) {
	m := New()
	err := m.AddObjects([]*stix.Object{
		indicator(t, 1, "[ipv4-addr:value = '203.0.113.5']", ""),
		indicator(t, 2, "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", ""),
		indicator(t, 3, "[domain-name:value = 'evil.example' OR domain-name:value LIKE '%.evil.example']", ""),
		indicator(t, 4, "[url:value = 'http://evil.example/x']", ""),
		indicator(t, 5, "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", ""),
		indicator(t, 6, "[domain-name:value MATCHES '^xn--']", ""), // indexed by its literal "xn--"
		indicator(t, 7, "[ipv6-addr:value ISSUBSET '2001:db8::/32' AND ipv6-addr:value != '2001:db8::1']", ""),
		indicator(t, 8, "[ipv4-addr:value = '192.0.2.1']", `,"valid_until":"2026-02-01T00:00:00Z"`),
		indicator(t, 9, "[network-traffic:dst_port = 4444 AND network-traffic:dst_ref.value = '192.0.2.9']", ""),
		indicator(t, 10, "[ipv4-addr:value = '192.0.2.77'] FOLLOWEDBY [domain-name:value = 'c2.example']", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, m,
		`{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"203.0.113.5","domain-name:value":"good.example"}`,
		`{"ts":"2026-03-01T10:00:01Z","ipv4-addr:value":"198.51.100.200"}`,
		`{"ts":"2026-03-01T10:00:02Z","domain-name:value":"a.b.evil.example"}`,
		`{"ts":"2026-03-01T10:00:03Z","domain-name:value":"evil.example","url:value":"http://evil.example/x"}`,
		`{"ts":"2026-03-01T10:00:04Z","file:hashes.'SHA-256'":"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}`,
		`{"ts":"2026-03-01T10:00:05Z","domain-name:value":"xn--80ak6aa92e.example"}`,
		`{"ts":"2026-03-01T10:00:06Z","ipv6-addr:value":"2001:db8::1"}`,
		`{"ts":"2026-03-01T10:00:07Z","ipv6-addr:value":"2001:db8::2"}`,
		`{"ts":"2026-03-01T10:00:08Z","ipv4-addr:value":"192.0.2.1"}`,
		`{"ts":"2026-01-15T10:00:08Z","ipv4-addr:value":"192.0.2.1"}`,
		`{"ts":"2026-03-01T10:00:09Z","network-traffic:dst_port":4444,"network-traffic:dst_ref.value":"192.0.2.9"}`,
		`{"ts":"2026-03-01T10:00:10Z","network-traffic:dst_port":4445,"network-traffic:dst_ref.value":"192.0.2.9"}`,
		`{"ts":"2026-03-01T10:00:11Z","domain-name:value":"c2.example"}`,
		`{"ts":"2026-03-01T10:00:12Z","ipv4-addr:value":"192.0.2.77"}`,
		`{"ts":"2026-03-01T10:00:13Z","domain-name:value":"c2.example"}`,
		`{"ts":"2025-12-01T10:00:13Z","ipv4-addr:value":"203.0.113.5"}`,
	)
	want := []string{"01", "02", "03", "03,04", "05", "06", "", "07", "", "08", "09", "", "", "", "10", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("hits\n got %q\nwant %q", got, want)
	}
}

func TestMatcherUpdates(t *testing.T) {
	m := New()
	line := `{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"203.0.113.5","domain-name:value":"evil.example"}`
	if err := m.AddObjects([]*stix.Object{indicator(t, 1, "[ipv4-addr:value = '203.0.113.5']", "")}); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, m, line); got[0] != "01" {
		t.Fatalf("after add: %q", got)
	}
	// A newer version replaces the pattern.
	newer := indicator(t, 1, "[domain-name:value = 'other.example']", "")
	newer.Modified = stix.MustTimestamp("2026-02-01T00:00:00Z")
	ind, err := ParseIndicator(newer)
	if err != nil {
		t.Fatal(err)
	}
	m.Add(ind)
	if got := collect(t, m, line); got[0] != "" {
		t.Errorf("after update: %q, want no hit", got)
	}
	// The older version is refused as superseded.
	old, _ := ParseIndicator(indicator(t, 1, "[ipv4-addr:value = '203.0.113.5']", ""))
	if errs := m.Add(old); !errors.Is(errs[0], ErrSuperseded) {
		t.Errorf("older version: %v, want ErrSuperseded", errs[0])
	}
	if got := collect(t, m, line); got[0] != "" {
		t.Errorf("after superseded add: %q, want no hit", got)
	}
	// Revocation removes.
	m.AddObjects([]*stix.Object{indicator(t, 2, "[domain-name:value = 'evil.example']", "")})
	if got := collect(t, m, line); got[0] != "02" {
		t.Errorf("indicator 2: %q", got)
	}
	rev, _ := ParseIndicator(indicator(t, 2, "[domain-name:value = 'evil.example']", `,"revoked":true`))
	rev.Modified = stix.MustTimestamp("2026-03-01T00:00:00Z")
	m.Add(rev)
	if got := collect(t, m, line); got[0] != "" {
		t.Errorf("after revoke: %q", got)
	}
	m.AddObjects([]*stix.Object{indicator(t, 3, "[domain-name:value = 'evil.example']", "")})
	m.Remove(id(3))
	if got := collect(t, m, line); got[0] != "" {
		t.Errorf("after remove: %q", got)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1", m.Len())
	}
}

func TestAddObjectsErrors(t *testing.T) {
	m := New()
	bad := indicator(t, 1, "[ipv4-addr:value = '203.0.113.5'", "")
	sigma, _ := stix.ParseObject([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000002","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"title: x","pattern_type":"sigma","valid_from":"2026-01-01T00:00:00Z"}`))
	err := m.AddObjects([]*stix.Object{bad, sigma, indicator(t, 3, "[url:value = 'a']", "")})
	var ae *AddError
	if !errors.As(err, &ae) || len(ae.Errors) != 2 {
		t.Fatalf("err = %v", err)
	}
	if s := ae.Errors[0].Error(); !strings.Contains(s, `indicator "indicator--00000000-0000-4000-8000-000000000001": pattern: pattern:1:33: expected ']' to close the observation expression opened at 1:1`) {
		t.Errorf("first error = %s", s)
	}
	if !errors.Is(ae.Errors[1], ErrNotSTIXPattern) {
		t.Errorf("second error = %v", ae.Errors[1])
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1", m.Len())
	}
}

// TestIndexEqualsEvaluation checks that matching through the indexes gives
// exactly what evaluating every indicator against every record gives.
func TestIndexEqualsEvaluation(t *testing.T) {
	g := &Generator{Seed: 7, Indicators: 1000, Records: 2000, Hits: 200}
	objs, err := g.IndicatorObjects()
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	if err := m.AddObjects(objs); err != nil {
		t.Fatal(err)
	}
	var inds []*Indicator
	for _, o := range objs {
		ind, err := ParseIndicator(o)
		if err != nil {
			t.Fatal(err)
		}
		inds = append(inds, ind)
	}
	var log strings.Builder
	planted, err := g.WriteLog(&log)
	if err != nil {
		t.Fatal(err)
	}
	r := NewJSONLinesReader(strings.NewReader(log.String()), nil)
	s := m.NewSession()
	matched := 0
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		got := map[string]bool{}
		if s.Match(rec, func(h Hit) { got[h.Indicator.ID] = true }) {
			matched++
		}
		obs := rec.Observation()
		for _, ind := range inds {
			ok, err := ind.Pattern.Match([]*pattern.Observation{obs})
			if err != nil {
				t.Fatal(err)
			}
			if ok != got[ind.ID] {
				t.Fatalf("line %d, %s %s: index says %v, evaluation %v", rec.Line, ind.ID, ind.Pattern, got[ind.ID], ok)
			}
		}
	}
	if matched != planted {
		t.Errorf("matched %d records, planted %d", matched, planted)
	}
}

func TestAggregator(t *testing.T) {
	var sink sliceSink
	a := &Aggregator{Window: time.Hour, WhereSightedRef: "identity--5d0092c5-5f74-4287-9642-33f4c354e56d", Sink: &sink}
	m := New()
	m.AddObjects([]*stix.Object{indicator(t, 1, "[domain-name:value = 'evil.example']", "")})
	st, err := (&Stream{Matcher: m, Aggregator: a, Reader: NewJSONLinesReader(strings.NewReader(
		`{"ts":"2026-03-01T10:00:00Z","domain-name:value":"evil.example"}
{"ts":"2026-03-01T10:20:00Z","domain-name:value":"evil.example"}
not json
{"ts":"2026-03-01T11:05:00Z","domain-name:value":"evil.example"}
{"ts":"2026-03-01T11:06:00Z","domain-name:value":"good.example"}
`), nil)}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 5 || st.Malformed != 1 || st.Matched != 3 || st.Sightings != 2 || len(st.Errors) != 1 || st.Errors[0].Line != 3 {
		t.Errorf("stats = %+v", st)
	}
	if len(sink) != 2 {
		t.Fatalf("%d sightings", len(sink))
	}
	var s struct {
		Count    int      `json:"count"`
		First    string   `json:"first_seen"`
		Last     string   `json:"last_seen"`
		Of       string   `json:"sighting_of_ref"`
		Where    []string `json:"where_sighted_refs"`
		Observed []string `json:"observed_data_refs"`
		Type     string   `json:"type"`
	}
	if err := sink[0].Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Count != 2 || s.First != "2026-03-01T10:00:00.000Z" || s.Last != "2026-03-01T10:20:00.000Z" || s.Of != id(1) || len(s.Where) != 1 || len(s.Observed) != 2 || s.Type != "sighting" {
		t.Errorf("sighting = %+v", s)
	}
}

type sliceSink []*stix.Object

// TestStreamOnHit checks that OnHit hears of every hit with the number of
// the record that made it, malformed records counted.
func TestStreamOnHit(t *testing.T) {
	m := New()
	m.AddObjects([]*stix.Object{
		indicator(t, 1, "[domain-name:value = 'evil.example']", ""),
		indicator(t, 2, "[domain-name:value LIKE '%.example']", ""),
	})
	var got []string
	st, err := (&Stream{Matcher: m, OnHit: func(record int64, h Hit) {
		got = append(got, fmt.Sprintf("%d %s", record, h.Indicator.ID))
	}, Reader: NewJSONLinesReader(strings.NewReader(
		`{"ts":"2026-03-01T10:00:00Z","domain-name:value":"good.test"}
not json
{"ts":"2026-03-01T10:20:00Z","domain-name:value":"evil.example"}
{"ts":"2026-03-01T11:05:00Z","domain-name:value":"good.example"}
`), nil)}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{"3 " + id(1), "3 " + id(2), "4 " + id(2)}
	if !slices.Equal(got, want) || st.Hits != 3 {
		t.Errorf("hits %q (%d counted), want %q", got, st.Hits, want)
	}
}

func (s *sliceSink) Sighting(_ context.Context, o *stix.Object, _ []*stix.Object) error {
	*s = append(*s, o)
	return nil
}

// TestConcurrentUpdates matches on several goroutines while indicators are
// added and removed; run with -race. Every match sees a consistent
// snapshot: an indicator present for the whole run always matches.
func TestConcurrentUpdates(t *testing.T) {
	m := New()
	m.AddObjects([]*stix.Object{indicator(t, 1, "[domain-name:value = 'always.example']", "")})
	line := `{"ts":"2026-03-01T10:00:00Z","domain-name:value":"always.example","ipv4-addr:value":"203.0.113.5"}`
	done := make(chan struct{})
	errs := make(chan string, 4)
	for w := 0; w < 3; w++ {
		go func() {
			s := m.NewSession()
			for {
				select {
				case <-done:
					errs <- ""
					return
				default:
				}
				rec, _ := NewJSONLinesReader(strings.NewReader(line), nil).Next()
				found := false
				s.Match(rec, func(h Hit) {
					if h.Indicator.ID == id(1) {
						found = true
					}
				})
				if !found {
					errs <- "indicator 1 did not match"
					return
				}
			}
		}()
	}
	for i := 2; i < 300; i++ {
		m.AddObjects([]*stix.Object{indicator(t, i, fmt.Sprintf("[ipv4-addr:value = '203.0.113.%d']", i%256), "")})
		if i%3 == 0 {
			m.Remove(id(i - 1))
		}
	}
	close(done)
	for w := 0; w < 3; w++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

func TestLoadIndicatorLines(t *testing.T) {
	in := `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[url:value = 'a']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}
{"type":"malware","spec_version":"2.1","id":"malware--00000000-0000-4000-8000-000000000002","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}

{"type":"indicator","id":"indicator--bad","pattern":"[url:value = 'a']","pattern_type":"stix"}
{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000005","created":"2026-01-01T00:00:00Z","modified":"yesterday","pattern":"[url:value = 'a']","pattern_type":"stix"}
{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000006","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[url:value = ","pattern_type":"stix"}
{"type":
`
	m := New()
	err := LoadIndicators(m, strings.NewReader(in))
	var ae *AddError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, e := range ae.Errors {
		got = append(got, strings.SplitN(e.Error(), "\n", 2)[0])
	}
	want := []string{
		`line 4: indicator "indicator--bad": id must be of the form indicator--UUID (got "indicator--bad")`,
		`line 5: indicator "indicator--00000000-0000-4000-8000-000000000005": modified: timestamp "yesterday" is not of the form YYYY-MM-DDTHH:MM:SS[.s+]Z`,
		`line 6: indicator "indicator--00000000-0000-4000-8000-000000000006": pattern: pattern:1:14: expected a literal value after '=', found the end of the pattern`,
		`line 7: indicator "": malformed JSON: `,
	}
	if len(got) != len(want) {
		t.Fatalf("errors:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1", m.Len())
	}
}

// TestConcurrentAddsShareOnePublish holds the writers' lock while many
// goroutines call Add: the first to take it then publishes every waiting
// addition in one snapshot, and each call gets the errors of its own
// indicators.
func TestConcurrentAddsShareOnePublish(t *testing.T) {
	m := New()
	first, err := ParseIndicator(indicator(t, 0, "[ipv4-addr:value = '203.0.113.100']", ""))
	if err != nil {
		t.Fatal(err)
	}
	m.Add(first)
	const callers = 20
	inds := make([]*Indicator, callers)
	for i := range inds {
		o := indicator(t, i, fmt.Sprintf("[ipv4-addr:value = '203.0.113.%d']", i), "")
		if inds[i], err = ParseIndicator(o); err != nil {
			t.Fatal(err)
		}
	}
	m.mu.Lock()
	publishes := m.publishes
	errs := make([][]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { errs[i] = m.Add(inds[i]) })
	}
	for {
		m.adding.Lock()
		n := len(m.pending)
		m.adding.Unlock()
		if n == callers {
			break
		}
		time.Sleep(time.Millisecond)
	}
	m.mu.Unlock()
	wg.Wait()

	if got := m.publishes - publishes; got != 1 {
		t.Errorf("%d concurrent Add calls published %d snapshots, want 1", callers, got)
	}
	for i, e := range errs {
		// Indicator 0 has the version held already: only its caller
		// hears that it is superseded.
		if superseded := len(e) == 1 && errors.Is(e[0], ErrSuperseded); superseded != (i == 0) || len(e) != 1 {
			t.Errorf("caller %d: errors %v", i, e)
		}
	}
	for i := 1; i < callers; i++ {
		line := fmt.Sprintf(`{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"203.0.113.%d"}`, i)
		if got := collect(t, m, line); got[0] != fmt.Sprintf("%02d", i) {
			t.Errorf("203.0.113.%d hits %q, want indicator %d", i, got[0], i)
		}
	}
}
