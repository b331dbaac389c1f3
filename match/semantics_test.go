package match

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// TestSightingCountsMatches: a sighting's count is the number of matches
// of the pattern, not of the observations they took: one FOLLOWEDBY over
// two records counts one, and observed data seen five times counts five.
func TestSightingCountsMatches(t *testing.T) {
	m := New()
	m.AddObjects([]*stix.Object{
		indicator(t, 1, "[ipv4-addr:value = '192.0.2.77'] FOLLOWEDBY [domain-name:value = 'c2.example']", ""),
		indicator(t, 2, "[domain-name:value = 'evil.example']", ""),
	})
	var sink sliceSink
	a := &Aggregator{Sink: &sink}
	_, err := (&Stream{Matcher: m, Aggregator: a, Reader: NewJSONLinesReader(strings.NewReader(
		`{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"192.0.2.77"}
{"ts":"2026-03-01T10:00:30Z","domain-name:value":"c2.example"}
{"ts":"2026-03-01T10:00:40Z","domain-name:value":"evil.example"}
`), nil)}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, s := range sink {
		var v struct {
			Of    string `json:"sighting_of_ref"`
			Count int    `json:"count"`
			First string `json:"first_seen"`
		}
		must(t, s.Decode(&v))
		counts[v.Of] = v.Count
		if v.Of == id(1) && v.First != "2026-03-01T10:00:00.000Z" {
			t.Errorf("the FOLLOWEDBY sighting was first seen %s, want the first record's time", v.First)
		}
	}
	if counts[id(1)] != 1 || counts[id(2)] != 1 {
		t.Errorf("counts %v, want one match of each", counts)
	}

	obs, err := pattern.ParseObservations([]byte(`{"type":"observed-data","id":"observed-data--00000000-0000-4000-8000-000000000001","number_observed":5,"first_observed":"2026-03-01T10:00:00Z","last_observed":"2026-03-01T10:05:00Z","objects":{"0":{"type":"domain-name","value":"evil.example"}}}`))
	must(t, err)
	a = &Aggregator{}
	must(t, a.Add(context.Background(), Hit{Indicator: m.byID[id(2)].ind, Observations: obs, Time: obs[0].FirstObserved}))
	if g := a.groups; len(g) != 1 {
		t.Fatalf("%d groups", len(g))
	}
	for _, g := range a.groups {
		if g.count != 5 {
			t.Errorf("observed data seen 5 times counts %d", g.count)
		}
	}
}

// endless is a log that never ends.
type endless struct{ line []byte }

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n+len(e.line) <= len(p) {
		n += copy(p[n:], e.line)
	}
	if n == 0 {
		return copy(p, e.line), nil
	}
	return n, nil
}

// slowSink takes its time and refuses a cancelled context, as a store
// does.
type slowSink struct{ stored int }

func (s *slowSink) Sighting(ctx context.Context, _ *stix.Object, _ []*stix.Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.stored++
	return nil
}

// TestStreamInterrupted: a stream whose context ends stops within a
// fraction of a second, even on indicators no index narrows, and still
// writes the sightings found.
func TestStreamInterrupted(t *testing.T) {
	m := New()
	var inds []*stix.Object
	for i := range 300 {
		// MATCHES without a literal: evaluated on every record.
		inds = append(inds, indicator(t, i+1, "[domain-name:value MATCHES '^(e|x)[a-z]{"+itoa(i%7+1)+"}\\\\.example$']", ""))
	}
	must(t, m.AddObjects(inds))
	ctx, cancel := context.WithCancel(context.Background())
	sink := &slowSink{}
	var st Stats
	var err error
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		st, err = (&Stream{Matcher: m, Aggregator: &Aggregator{Sink: sink}, Reader: NewJSONLinesReader(
			&endless{[]byte(`{"ts":"2026-03-01T10:00:00Z","domain-name:value":"evil.example"}` + "\n")}, nil)}).Run(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not stop within 10 s of its context ending")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if st.Records == 0 || st.Sightings == 0 || sink.stored != int(st.Sightings) {
		t.Errorf("%d records, %d sightings, %d stored: the sightings found were not all written", st.Records, st.Sightings, sink.stored)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

var _ io.Reader = (*endless)(nil)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
