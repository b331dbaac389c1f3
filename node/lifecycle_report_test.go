package node

import (
	"context"
	"strings"
	"testing"
)

func TestLifecycleChangeCheck(t *testing.T) {
	threshold, factor, conf := 20.0, 0.5, 60
	for _, tc := range []struct {
		name string
		c    LifecycleChange
		ok   bool
	}{
		{"nothing", LifecycleChange{}, false},
		{"a feed alone", LifecycleChange{Feed: "f"}, false},
		{"threshold", LifecycleChange{Threshold: &threshold}, true},
		{"model of a feed", LifecycleChange{Feed: "f", Models: []string{"ipv4-addr=30d:2"}}, true},
		{"producer", LifecycleChange{Producers: []string{"identity--x=60"}}, true},
		{"factor", LifecycleChange{FalsePositiveFactor: &factor}, true},
		{"confidence", LifecycleChange{DefaultConfidence: &conf}, true},
	} {
		err := tc.c.Check()
		if (err == nil) != tc.ok || (err != nil && !isConfigError(err)) {
			t.Errorf("%s: Check = %v, want ok %v (or a config error)", tc.name, err, tc.ok)
		}
	}
}

func TestReadLifecycleFile(t *testing.T) {
	s, err := ReadLifecycleFile(strings.NewReader(`{"threshold": 25}`), "s.json")
	if err != nil || s.Threshold == nil || *s.Threshold != 25 {
		t.Errorf("ReadLifecycleFile = %+v, %v; want threshold 25", s, err)
	}
	if _, err := ReadLifecycleFile(strings.NewReader(`{"thresold": 25}`), "s.json"); err == nil || !strings.HasPrefix(err.Error(), "s.json: ") {
		t.Errorf("an unknown member: %v, want an error naming the file", err)
	}
}

func TestFileFalsePositive(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	ingestBundle(t, an, ipIndicator(t, 1, "198.51.100.7"))
	o, err := an.FindIndicator(ctx, "indicator--00000000-0000-4000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := an.FileFalsePositive(ctx, DefaultAPIRoot, "", o, "a resolver")
	if err != nil || fp.Collection != c.ID || fp.Sighting.Type != "sighting" || fp.Score == nil {
		t.Fatalf("FileFalsePositive = %+v, %v", fp, err)
	}
	if n := fp.Notice(); !strings.HasPrefix(n, o.ID+" reported a false positive in collection "+c.ID+"; its score is now ") {
		t.Errorf("Notice = %q", n)
	}
	if _, err := an.FileFalsePositive(ctx, DefaultAPIRoot, "no-such-collection", o, ""); err == nil {
		t.Error("FileFalsePositive into a missing collection succeeded")
	}
	if (&FalsePositive{Indicator: o}).Notice() != "" {
		t.Error("a notice without a score")
	}
}
