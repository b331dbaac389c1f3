package node

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
)

func TestLifecycleChangeApply(t *testing.T) {
	th, fp, dc := 35.0, 0.25, 60
	var s lifecycle.Settings
	c := LifecycleChange{Threshold: &th, Models: []string{"ipv4-addr=30d:2"}, Producers: []string{"identity--11111111-1111-4111-8111-111111111111=70"},
		FalsePositiveFactor: &fp, DefaultConfidence: &dc}
	if err := c.Apply(&s); err != nil {
		t.Fatal(err)
	}
	if *s.Threshold != 35 || *s.FalsePositiveFactor != 0.25 || *s.DefaultConfidence != 60 || s.Producers["identity--11111111-1111-4111-8111-111111111111"] != 70 {
		t.Errorf("node-wide settings not applied: %+v", s)
	}
	if m := s.Models["ipv4-addr"]; m.Speed != 2 || m.Lifetime.D.Hours() != 30*24 {
		t.Errorf("model = %+v, want 30d speed 2", m)
	}
	if err := (LifecycleChange{Feed: "otx", Threshold: &th, Models: []string{"url=7d:1"}}).Apply(&s); err != nil {
		t.Fatal(err)
	}
	if o := s.Feeds["otx"]; o.Threshold == nil || *o.Threshold != 35 || o.Models["url"].Speed != 1 {
		t.Errorf("feed override = %+v", o)
	}
	if _, ok := s.Models["url"]; ok {
		t.Error("a feed's model went to the node-wide models")
	}
}

func TestLifecycleChangeErrors(t *testing.T) {
	fp := 0.5
	for _, tc := range []struct {
		c    LifecycleChange
		want string
	}{
		{LifecycleChange{Models: []string{"ipv4-addr"}}, `--model "ipv4-addr": write TYPE=LIFETIME:SPEED`},
		{LifecycleChange{Models: []string{"ipv4-addr=soon:2"}}, `--model "ipv4-addr=soon:2": lifetime`},
		{LifecycleChange{Models: []string{"ipv4-addr=30d:fast"}}, `speed "fast" is not a number`},
		{LifecycleChange{Producers: []string{"malware--x=60"}}, `--producer "malware--x=60"`},
		{LifecycleChange{Feed: "otx", FalsePositiveFactor: &fp}, "--false-positive-factor applies to the whole node, not to one --feed"},
	} {
		var s lifecycle.Settings
		if err := tc.c.Apply(&s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.c, err, tc.want)
		}
	}
}

func TestFindIndicator(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	if _, err := an.FindIndicator(ctx, "malware--11111111-1111-4111-8111-111111111111"); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("a malware id: %v, want EINVALID", err)
	}
	if _, err := an.FindIndicator(ctx, "indicator--11111111-1111-4111-8111-111111111111"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("an indicator the node lacks: %v, want ENOTFOUND", err)
	}
	ingestBundle(t, an, ipIndicator(t, 7, "198.51.100.7"))
	o, err := an.FindIndicator(ctx, "indicator--00000000-0000-4000-8000-000000000007")
	if err != nil || o == nil {
		t.Errorf("FindIndicator of a stored indicator = %v, %v", o, err)
	}
}
