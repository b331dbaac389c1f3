package lifecycle

import (
	json "encoding/json/v2"
	"math"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestDecayMonotonicInAge(t *testing.T) {
	for typ, m := range DefaultModels() {
		prev := 2.0
		for age := time.Duration(0); age <= m.Lifetime.D+day; age += m.Lifetime.D / 50 {
			d := m.Decay(age)
			if d > prev || d < 0 || d > 1 {
				t.Fatalf("%s: decay(%s) = %v after %v: not decreasing within 0-1", typ, age, d, prev)
			}
			prev = d
		}
		if got := m.Decay(m.Lifetime.D); got != 0 {
			t.Errorf("%s: decay at the lifetime = %v, want 0", typ, got)
		}
		if got := m.Decay(0); got != 1 {
			t.Errorf("%s: decay at 0 = %v, want 1", typ, got)
		}
	}
}

func TestDecayFormula(t *testing.T) {
	m := Model{Lifetime: Duration{100 * day}, Speed: 2}
	// 1 − (25/100)^(1/2) = 0.5
	if got := m.Decay(25 * day); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("decay(25d) = %v, want 0.5", got)
	}
	lin := Model{Lifetime: Duration{100 * day}, Speed: 1}
	if got := lin.Decay(40 * day); math.Abs(got-0.6) > 1e-9 {
		t.Errorf("linear decay(40d) = %v, want 0.6", got)
	}
}

func TestThresholdCrossing(t *testing.T) {
	conf := 80
	f := Facts{Type: TypeIPv4, Confidence: &conf, ValidFrom: t0}
	var s Settings
	sc := s.Score(f, t0)
	if sc.Value != 80 || sc.Decayed {
		t.Fatalf("fresh score = %v decayed=%v, want 80 and not decayed", sc.Value, sc.Decayed)
	}
	// 30d, speed 2, base 80, threshold 20: 30d × (1 − 20/80)^2 = 16.875d.
	want := t0.Add(time.Duration(float64(30*day) * 0.5625))
	if d := sc.Until.Sub(want); d < -time.Second || d > time.Second {
		t.Fatalf("until = %s, want %s", sc.Until, want)
	}
	before := s.Score(f, want.Add(-time.Minute))
	after := s.Score(f, want.Add(time.Minute))
	if before.Decayed || !after.Decayed {
		t.Errorf("a minute before the crossing: %v (decayed %v); after: %v (decayed %v)", before.Value, before.Decayed, after.Value, after.Decayed)
	}
}

func TestHashesDecaySlowerThanAddresses(t *testing.T) {
	var s Settings
	at := t0.Add(20 * day)
	ip := s.Score(Facts{Type: TypeIPv4, ValidFrom: t0}, at)
	hash := s.Score(Facts{Type: TypeFile, ValidFrom: t0}, at)
	if !(hash.Value > ip.Value) {
		t.Errorf("after 20 days: file %v, ipv4 %v; want the hash above", hash.Value, ip.Value)
	}
}

func TestSightingRestartsDecay(t *testing.T) {
	var s Settings
	f := Facts{Type: TypeIPv4, ValidFrom: t0}
	now := t0.Add(25 * day)
	if sc := s.Score(f, now); !sc.Decayed {
		t.Fatalf("25-day-old address: %v, want decayed", sc.Value)
	}
	f.Add(Sighting{LastSeen: now.Add(-time.Hour)}, now)
	if sc := s.Score(f, now); sc.Decayed || sc.Value < 45 {
		t.Errorf("sighted an hour ago: %v decayed=%v, want about 50", sc.Value, sc.Decayed)
	}
	// A sighting dated in the future counts as now, not later.
	g := Facts{Type: TypeIPv4, ValidFrom: t0}
	g.Add(Sighting{LastSeen: now.Add(365 * day)}, now)
	if !g.LastSighted.Equal(now) {
		t.Errorf("future sighting: last sighted %s, want %s", g.LastSighted, now)
	}
}

func TestFalsePositiveLowers(t *testing.T) {
	var s Settings
	conf := 90
	f := Facts{Type: TypeDomain, Confidence: &conf, ValidFrom: t0, Producer: "identity--p"}
	fresh := s.Score(f, t0)
	f.Add(Sighting{By: "identity--a", FalsePositive: true}, t0)
	one := s.Score(f, t0)
	f.Add(Sighting{By: "identity--a", FalsePositive: true}, t0) // same reporter: once
	f.Add(Sighting{By: "identity--b", FalsePositive: true}, t0)
	two := s.Score(f, t0)
	if !(one.Value < fresh.Value && two.Value < one.Value) || one.Value != 45 || two.Value != 22.5 || two.FalsePositives != 2 {
		t.Errorf("fresh %v, one report %v, two reporters %v (%d); want 90, 45, 22.5 (2)", fresh.Value, one.Value, two.Value, two.FalsePositives)
	}
	if !one.Until.Before(fresh.Until) {
		t.Errorf("a report should bring the crossing nearer: %s, fresh %s", one.Until, fresh.Until)
	}
	// The node's own organisation, and the producer, are trusted.
	own := Facts{Type: TypeDomain, Confidence: &conf, ValidFrom: t0}
	own.Add(Sighting{By: "identity--own", FalsePositive: true}, t0)
	if sc := s.Score(own, t0, "identity--own"); sc.Value != 0 || !sc.Decayed {
		t.Errorf("own report: %v decayed=%v, want 0 and decayed", sc.Value, sc.Decayed)
	}
	// A node without an organisation: its reports carry no author, and
	// count as its own; an unauthored report elsewhere only halves.
	anon := Facts{Type: TypeDomain, Confidence: &conf, ValidFrom: t0}
	anon.Add(Sighting{FalsePositive: true}, t0)
	if sc := s.Score(anon, t0, ""); sc.Value != 0 {
		t.Errorf("own report of a node without an organisation: %v, want 0", sc.Value)
	}
	if sc := s.Score(anon, t0, "identity--own"); sc.Value != 45 {
		t.Errorf("unauthored report at a node with an organisation: %v, want 45", sc.Value)
	}
	prod := Facts{Type: TypeDomain, Confidence: &conf, ValidFrom: t0, Producer: "identity--p"}
	prod.Add(Sighting{By: "identity--p", FalsePositive: true}, t0)
	if sc := s.Score(prod, t0); sc.Value != 0 {
		t.Errorf("producer's report: %v, want 0", sc.Value)
	}
}

func TestProducerConfidenceAndFeedOverride(t *testing.T) {
	th := 60.0
	s := Settings{
		Producers: map[string]int{"identity--p": 50},
		Feeds: map[string]Override{"slow": {Threshold: &th, Models: map[string]Model{
			TypeIPv4: {Lifetime: Duration{365 * day}, Speed: 1},
		}}},
	}
	conf := 80
	sc := s.Score(Facts{Type: TypeIPv4, Confidence: &conf, Producer: "identity--p", ValidFrom: t0}, t0)
	if sc.Base != 40 || sc.Value != 40 {
		t.Errorf("base %v value %v, want 40 (80 × 50%%)", sc.Base, sc.Value)
	}
	at := t0.Add(20 * day)
	normal := s.Score(Facts{Type: TypeIPv4, Confidence: &conf, ValidFrom: t0}, at)
	feed := s.Score(Facts{Type: TypeIPv4, Confidence: &conf, ValidFrom: t0, Feed: "slow"}, at)
	if !(feed.Value > normal.Value) || feed.Model.Lifetime.D != 365*day || feed.Threshold != 60 {
		t.Errorf("feed override: %+v; without: %v", feed, normal.Value)
	}
}

func TestSettingsCheck(t *testing.T) {
	bad := []string{
		`{"threshold":101}`,
		`{"false_positive_factor":2}`,
		`{"producers":{"identity--x":-1}}`,
		`{"models":{"ipv4-addr":{"lifetime":"30d","speed":0}}}`,
		`{"feeds":{"f":{"models":{"url":{"lifetime":"30d","speed":-1}}}}}`,
	}
	for _, b := range bad {
		var s Settings
		if err := json.Unmarshal([]byte(b), &s); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if err := s.Check(); err == nil {
			t.Errorf("%s: Check accepted it", b)
		}
	}
	var s Settings
	if err := json.Unmarshal([]byte(`{"models":{"url":{"lifetime":"forever","speed":1}}}`), &s); err == nil {
		t.Errorf("a lifetime of \"forever\" was read")
	}
	if err := json.Unmarshal([]byte(`{"threshold":30,"models":{"url":{"lifetime":"45d","speed":1.5}}}`), &s); err != nil || s.Check() != nil {
		t.Fatalf("good settings: %v %v", err, s.Check())
	}
	if e := s.Effective(); e.Models[TypeURL].Lifetime.D != 45*day || e.Models[TypeFile].Lifetime.D != 730*day {
		t.Errorf("effective models: %v", e.Models)
	}
}

func TestReadSighting(t *testing.T) {
	for _, tc := range []struct {
		prop string
		fp   bool
	}{{`"x_rampart_false_positive":true`, true}, {`"x_opencti_negative":true`, true}, {`"x_misp_sighting_type":"1"`, true}, {`"x_misp_sighting_type":"0"`, false}, {`"count":1`, false}} {
		raw := `{"type":"sighting","spec_version":"2.1","id":"sighting--0b1d6a2c-6a5f-4b5e-9a34-0d2a4ad3e7c1","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","last_seen":"2026-01-02T00:00:00Z","created_by_ref":"identity--1f0e0c8a-4d3b-4e4e-8b4a-1e2c3d4f5a6b",` + tc.prop + `}`
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ReadSighting(o)
		if err != nil {
			t.Fatal(err)
		}
		if s.FalsePositive != tc.fp || !s.LastSeen.Equal(t0.Add(day)) || s.Of != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" {
			t.Errorf("%s: %+v", tc.prop, s)
		}
	}
}

func BenchmarkScore(b *testing.B) {
	sc := NewScorer(Settings{}, "identity--own")
	conf := 70
	f := Facts{Type: TypeIPv4, Confidence: &conf, ValidFrom: t0, Producer: "identity--p"}
	now := t0.Add(5 * day)
	b.ReportAllocs()
	for b.Loop() {
		sc.Score(f, now)
	}
}
