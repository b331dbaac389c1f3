package node

import (
	"context"
	"encoding/json/jsontext"
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

// Lifecycle returns the node's lifecycle, opening it (OpenLifecycle) the
// first time. A serving node's matcher keeps it told of every sighting
// stored; in other processes it knows the sightings stored when it was
// opened.
func (n *Node) Lifecycle(ctx context.Context) (*Lifecycle, error) {
	n.lifecycleMu.Lock()
	defer n.lifecycleMu.Unlock()
	if n.lifecycle != nil {
		return n.lifecycle, nil
	}
	l, err := n.OpenLifecycle(ctx)
	if err != nil {
		return nil, fmt.Errorf("indicator scores: %w", err)
	}
	n.lifecycle = l
	return l, nil
}

// OpenLifecycle returns a new lifecycle of the node: its settings and the
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

// IndicatorScore returns the score of an indicator now, with its parts.
func (n *Node) IndicatorScore(ctx context.Context, o *stix.Object) (lifecycle.Score, error) {
	l, err := n.Lifecycle(ctx)
	if err != nil {
		return lifecycle.Score{}, err
	}
	return l.Score(o)
}

// ReportFalsePositive stores, in collection collectionID, a sighting of
// the indicator by the organisation by (the node's own when ""), flagged
// x_rampart_false_positive, with note as its description. It is marked,
// addressed and signed as every sighting the node makes (NewSightings):
// federation carries it back to the indicator's producer. A serving
// node's matcher scores the indicator again before the next match.
// It returns the sighting stored, or EINVALID when indicator is not an
// indicator.
func (n *Node) ReportFalsePositive(ctx context.Context, collectionID string, indicator *stix.Object, by, note string) (*stix.Object, error) {
	if indicator.Type != "indicator" {
		return nil, rampart.Errorf(rampart.EINVALID, "%s is not an indicator: only indicators are reported as false positives", indicator.ID)
	}
	if by == "" {
		by = n.Organization(ctx)
	}
	now := stix.NewTimestamp(time.Now())
	if n.Config.Now != nil {
		now = stix.NewTimestamp(n.Config.Now())
	}
	one := 1
	sg := stix.Sighting{
		CommonProperties: stix.CommonProperties{Type: "sighting", SpecVersion: "2.1", ID: stix.NewID("sighting"), Created: now, Modified: now, CreatedByRef: by},
		Description:      note,
		FirstSeen:        now, LastSeen: now, Count: &one,
		SightingOfRef: indicator.ID,
		Custom:        map[string]jsontext.Value{lifecycle.PropFalsePositive: jsontext.Value("true")},
	}
	if by != "" {
		sg.WhereSightedRefs = []string{by}
	}
	o, err := stix.NewObject(&sg)
	if err != nil {
		return nil, fmt.Errorf("false-positive sighting of %s: %v", indicator.ID, err)
	}
	s := n.NewSightings(ctx, collectionID)
	if err := s.Sighting(ctx, o, nil); err != nil {
		return nil, err
	}
	if l, err := n.Lifecycle(ctx); err == nil && (n.serving == nil || n.serving.matcher.Lifecycle != l) {
		// Not a serving node's, which its matcher tells of every sighting.
		l.Sighted(s.Objects[len(s.Objects)-1])
	}
	return s.Objects[len(s.Objects)-1], nil
}

// ExportScore returns what export.Filter.Score takes: the score of an
// indicator now and whether it has decayed.
func (n *Node) ExportScore(ctx context.Context) (func(o *stix.Object) (float64, bool, error), error) {
	l, err := n.Lifecycle(ctx)
	if err != nil {
		return nil, err
	}
	return func(o *stix.Object) (float64, bool, error) {
		sc, err := l.Score(o)
		return sc.Value, sc.Decayed, err
	}, nil
}
