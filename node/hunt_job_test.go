package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

func TestHuntJobCheck(t *testing.T) {
	for _, tc := range []struct {
		h  HuntJob
		ok bool
	}{
		{HuntJob{Indicator: "indicator--1"}, true},
		{HuntJob{Pattern: "[ipv4-addr:value = '192.0.2.1']"}, true},
		{HuntJob{}, false},
		{HuntJob{Indicator: "indicator--1", Pattern: "[ipv4-addr:value = '192.0.2.1']"}, false},
	} {
		err := tc.h.Check()
		if _, isConfig := AsConfigError(err); tc.ok != (err == nil) || (err != nil && !isConfig) {
			t.Errorf("Check(%+v) = %v; want ok %v, else a ConfigError", tc.h, err, tc.ok)
		}
	}
}

func TestHuntReportWriteText(t *testing.T) {
	r := &HuntReport{IndicatorID: "indicator--1", CollectionID: "c1", Since: time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600)),
		HuntResult: HuntResult{HuntStats: match.HuntStats{Hits: 1}, Sightings: []*stix.Object{{ID: "sighting--a"}, {ID: "sighting--b"}}}}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "indicator--1: 1 value seen since 2026-03-01T11:00:00Z matched; 2 sightings stored in collection c1\nsighting--a\nsighting--b\n"
	if b.String() != want {
		t.Errorf("WriteText = %q; want %q", b.String(), want)
	}
}

func TestRunHunt(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, false, false)
	c := an.defaultCollection(t)
	if _, err := an.RunHunt(ctx, HuntJob{CollectionID: c.ID, Back: time.Hour}); err == nil {
		t.Error("RunHunt without indicator or pattern = nil; want the Check error")
	}
	_, err := an.RunHunt(ctx, HuntJob{Pattern: "[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']", CollectionID: c.ID, Back: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "is not hunted: the pattern needs several observations") {
		t.Errorf("RunHunt of a pattern of two observations = %v; want it not hunted", err)
	}
	r, err := an.RunHunt(ctx, HuntJob{Pattern: "[domain-name:value = 'a.example']", CollectionID: c.ID, Back: time.Hour})
	if err != nil || r.Hits != 0 || len(r.Sightings) != 0 || r.CollectionID != c.ID || time.Since(r.Since) < time.Hour {
		t.Errorf("RunHunt over an empty archive = %+v, %v; want nothing found since an hour ago", r, err)
	}
}
