package lifecycle

import (
	"strings"
	"testing"
	"time"
)

func TestReadSettings(t *testing.T) {
	s, err := ReadSettings(strings.NewReader(`{"threshold": 30, "producers": {"identity--1": 60}}`))
	if err != nil || s.Threshold == nil || *s.Threshold != 30 || s.Producers["identity--1"] != 60 {
		t.Fatalf("ReadSettings = %+v, %v", s, err)
	}
	for _, bad := range []string{`{"treshold": 30}`, `{"threshold": "x"}`, `{` + strings.Repeat(" ", MaxSettingsBytes) + `}`} {
		if _, err := ReadSettings(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadSettings(%.30q…) accepted it", bad)
		}
	}
}

func TestSettingsWriteText(t *testing.T) {
	th := 40.0
	s := Settings{Threshold: &th, Producers: map[string]int{"identity--b": 70},
		Feeds: map[string]Override{"otx": {}, "drop": {Models: map[string]Model{"ipv4-addr": {Lifetime: Duration{D: 48 * time.Hour}, Speed: 2}}}}}
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"threshold 40; default confidence 50; default producer confidence 100; false-positive factor 0.5\n",
		"FEED  TYPE", "otx   (all)", "drop  ipv4-addr", "producer identity--b confidence 70\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("settings text lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "drop") > strings.Index(out, "otx") {
		t.Errorf("feeds not sorted by name:\n%s", out)
	}
}

func TestScoreWriteText(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		sc   Score
		want []string
	}{
		{Score{Value: 12.5, Threshold: 20, Decayed: true, Base: 40, Confidence: 80, ProducerConfidence: 50, Age: 72 * time.Hour, Since: since, Type: "ipv4-addr", Feed: "otx"},
			[]string{"indicator--x score 12.5 (threshold 20, decayed: no longer matched or exported)", "age 3.0 days since 2026-01-01T00:00:00Z", ", feed otx)"}},
		{Score{Value: 80, Threshold: 20, Age: 90 * time.Minute, Since: since, Until: since.Add(time.Hour)},
			[]string{"(threshold 20, matching)", "age 1h30m0s", "falls below the threshold at 2026-01-01T01:00:00Z"}},
	} {
		var b strings.Builder
		if err := tc.sc.WriteText(&b, "indicator--x"); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("score text lacks %q:\n%s", w, b.String())
			}
		}
	}
}
