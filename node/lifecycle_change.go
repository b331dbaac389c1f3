package node

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/stix"
)

// LifecycleChange is a change of the lifecycle settings as "rampart
// lifecycle set" gives it. Nil fields and empty lists change nothing.
type LifecycleChange struct {
	// Feed, when set, makes Threshold and Models those of one feed; the
	// other settings apply to the whole node and may not go with it.
	Feed      string
	Threshold *float64
	// Models are written TYPE=LIFETIME:SPEED ("ipv4-addr=30d:2"),
	// Producers IDENTITY-ID=CONFIDENCE.
	Models              []string
	Producers           []string
	FalsePositiveFactor *float64
	DefaultConfidence   *int
}

// Apply applies the change to s. It fails, naming the flag and the value,
// on a model or producer that does not read, or on a node-wide setting
// given with Feed; s is then partly changed.
func (c LifecycleChange) Apply(s *lifecycle.Settings) error {
	models, threshold := &s.Models, &s.Threshold
	if c.Feed != "" {
		for _, g := range []struct {
			name  string
			given bool
		}{{"producer", len(c.Producers) > 0}, {"false-positive-factor", c.FalsePositiveFactor != nil}, {"default-confidence", c.DefaultConfidence != nil}} {
			if g.given {
				return fmt.Errorf("--%s applies to the whole node, not to one --feed", g.name)
			}
		}
		if s.Feeds == nil {
			s.Feeds = map[string]lifecycle.Override{}
		}
		o := s.Feeds[c.Feed]
		defer func() { s.Feeds[c.Feed] = o }()
		models, threshold = &o.Models, &o.Threshold
	}
	if c.Threshold != nil {
		t := *c.Threshold
		*threshold = &t
	}
	for _, v := range c.Models {
		typ, m, err := parseModel(v)
		if err != nil {
			return err
		}
		if *models == nil {
			*models = map[string]lifecycle.Model{}
		}
		(*models)[typ] = m
	}
	for _, v := range c.Producers {
		id, conf, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(conf)
		if !ok || err != nil || stix.IDType(id) != "identity" {
			return fmt.Errorf("--producer %q: write IDENTITY-ID=CONFIDENCE, like identity--…=60", v)
		}
		if s.Producers == nil {
			s.Producers = map[string]int{}
		}
		s.Producers[id] = n
	}
	if c.FalsePositiveFactor != nil {
		s.FalsePositiveFactor = new(*c.FalsePositiveFactor)
	}
	if c.DefaultConfidence != nil {
		s.DefaultConfidence = new(*c.DefaultConfidence)
	}
	return nil
}

// parseModel reads TYPE=LIFETIME:SPEED.
func parseModel(v string) (string, lifecycle.Model, error) {
	typ, spec, ok1 := strings.Cut(v, "=")
	life, speed, ok2 := strings.Cut(spec, ":")
	if !ok1 || !ok2 || typ == "" {
		return "", lifecycle.Model{}, fmt.Errorf("--model %q: write TYPE=LIFETIME:SPEED, like ipv4-addr=30d:2", v)
	}
	d, err := lifecycle.ParseDuration(life)
	if err != nil {
		return "", lifecycle.Model{}, fmt.Errorf("--model %q: lifetime %v", v, err)
	}
	sp, err := strconv.ParseFloat(speed, 64)
	if err != nil {
		return "", lifecycle.Model{}, fmt.Errorf("--model %q: speed %q is not a number", v, speed)
	}
	return typ, lifecycle.Model{Lifetime: lifecycle.Duration{D: d}, Speed: sp}, nil
}

// FindIndicator returns the newest version of an indicator the node
// holds: EINVALID when id is not an indicator id, ENOTFOUND when no
// collection holds it.
func (n *Node) FindIndicator(ctx context.Context, id string) (*stix.Object, error) {
	if stix.IDType(id) != "indicator" {
		return nil, rampart.Errorf(rampart.EINVALID, "%q is not an indicator id (indicator--<uuid>)", id)
	}
	o, err := n.NewestObject(ctx, id)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no indicator %s in any collection of the node", id)
	}
	return o, nil
}
