package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// settingLifecycle is the name of the setting holding the node's
// lifecycle.Settings.
const settingLifecycle = "lifecycle"

// LifecycleSettings returns the node's lifecycle settings as stored (the
// zero Settings, every default, when there are none).
func (n *Node) LifecycleSettings(ctx context.Context) (lifecycle.Settings, error) {
	var s lifecycle.Settings
	set, err := n.Settings.FindSetting(ctx, settingLifecycle)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(set.Value, &s); err != nil {
		return s, fmt.Errorf("setting %q: %v", settingLifecycle, err)
	}
	return s, nil
}

// SetLifecycleSettings checks and stores the node's lifecycle settings
// (EINVALID naming the setting out of range); a serving node applies them
// within a second.
func (n *Node) SetLifecycleSettings(ctx context.Context, s lifecycle.Settings) error {
	if err := s.Check(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "lifecycle settings: %v", err)
	}
	data, err := json.Marshal(s, json.Deterministic(true))
	if err != nil {
		return err
	}
	_, err = n.Settings.SetSetting(ctx, settingLifecycle, data, -1)
	return err
}

// Lifecycle scores the node's indicators (lifecycle.Score): it keeps,
// for every indicator sighted, the last time a true sighting saw it and
// who reported it a false positive, read from every sighting the node
// holds when it opens and told of those stored after (Sighted). It is
// safe for concurrent use.
type Lifecycle struct {
	now func() time.Time

	mu       sync.Mutex
	settings lifecycle.Settings
	own      string
	scorer   *lifecycle.Scorer
	sighted  map[string]*lifecycle.Facts // by indicator id
}

// OpenLifecycle returns the node's lifecycle: its settings and the
// sightings of every collection, read a page at a time.
func (n *Node) OpenLifecycle(ctx context.Context) (*Lifecycle, error) {
	set, err := n.LifecycleSettings(ctx)
	if err != nil {
		return nil, err
	}
	now := n.Config.Now
	if now == nil {
		now = time.Now
	}
	own := n.Organization(ctx)
	l := &Lifecycle{now: now, own: own, settings: set, scorer: lifecycle.NewScorer(set, own), sighted: map[string]*lifecycle.Facts{}}
	colls, err := allCollections(ctx, n.Collections)
	if err != nil {
		return nil, err
	}
	for _, c := range colls {
		f := rampart.ObjectFilter{CollectionID: c, Types: []string{"sighting"}, Limit: rampart.MaxPageSize}
		for {
			page, err := n.Objects.FindObjects(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("collection %s: %w", c, err)
			}
			for _, v := range page.Versions {
				l.Sighted(v.Object)
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return l, nil
}

// Settings returns the settings the lifecycle applies.
func (l *Lifecycle) Settings() lifecycle.Settings {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.settings
}

// SetSettings makes the lifecycle apply s from now on.
func (l *Lifecycle) SetSettings(s lifecycle.Settings) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settings, l.scorer = s, lifecycle.NewScorer(s, l.own)
}

// Sighted counts a sighting and returns the id of the indicator it is
// of, "" when o is not a sighting of an indicator (or does not decode).
func (l *Lifecycle) Sighted(o *stix.Object) string {
	if o.Type != "sighting" {
		return ""
	}
	sg, err := lifecycle.ReadSighting(o)
	if err != nil || stix.IDType(sg.Of) != "indicator" {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.sighted[sg.Of]
	if f == nil {
		f = &lifecycle.Facts{}
		l.sighted[sg.Of] = f
	}
	f.Add(sg, l.now())
	return sg.Of
}

// Score returns the score of an indicator now.
func (l *Lifecycle) Score(o *stix.Object) (lifecycle.Score, error) {
	f, err := IndicatorFacts(o)
	if err != nil {
		return lifecycle.Score{}, err
	}
	return l.ScoreFacts(o.ID, f), nil
}

// ScoreFacts returns the score now of indicator id whose own facts
// (IndicatorFacts) are f, with what its sightings add.
func (l *Lifecycle) ScoreFacts(id string, f lifecycle.Facts) lifecycle.Score {
	l.mu.Lock()
	if s := l.sighted[id]; s != nil {
		f.LastSighted = s.LastSighted
		f.FalsePositiveBy = s.FalsePositiveBy
	}
	sc := l.scorer
	l.mu.Unlock()
	return sc.Score(f, l.now())
}

// IndicatorFacts reads what a score needs of an indicator: its
// confidence, producer, feed (a label "feed:NAME"), valid_from (created
// when absent) and the type of the first value its pattern compares.
func IndicatorFacts(o *stix.Object) (lifecycle.Facts, error) {
	var in struct {
		Confidence  *int           `json:"confidence"`
		Pattern     string         `json:"pattern"`
		PatternType string         `json:"pattern_type"`
		ValidFrom   stix.Timestamp `json:"valid_from"`
		Labels      []string       `json:"labels"`
	}
	if o.Type != "indicator" {
		return lifecycle.Facts{}, fmt.Errorf("%s: not an indicator", o.ID)
	}
	if err := o.Decode(&in); err != nil {
		return lifecycle.Facts{}, fmt.Errorf("%s: %v", o.ID, err)
	}
	f := lifecycle.Facts{Confidence: in.Confidence, Producer: o.CreatedByRef, ValidFrom: in.ValidFrom.Time()}
	if f.ValidFrom.IsZero() {
		f.ValidFrom = o.Created.Time()
	}
	for _, lb := range in.Labels {
		if name, ok := strings.CutPrefix(lb, "feed:"); ok {
			f.Feed = name
			break
		}
	}
	if in.PatternType == "" || in.PatternType == "stix" {
		if p, err := pattern.Parse(in.Pattern); err == nil {
			pattern.Inspect(p, func(n pattern.Node) bool {
				if c, ok := n.(*pattern.Comparison); ok && f.Type == "" {
					f.Type = c.Path.Type
				}
				return f.Type == ""
			})
		}
	}
	return f, nil
}
