package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/warninglist"
)

// The settings of warninglists: one per list, named by the list's ID, a
// generation that every change of a list bumps (so that a process learns
// with one small read whether its lists are current), and the policy.
const (
	settingWarninglistPrefix     = "warninglist/"
	settingWarninglistGeneration = "warninglist.generation"
	settingWarninglistPolicy     = "warninglist.policy"
)

// Warninglists are the node's warninglists, compiled, and the policy at
// ingest.
type Warninglists struct {
	Checker *warninglist.Checker
	Policy  warninglist.Policy
	// Errors are the entries left out (an invalid CIDR, a bad regex).
	Errors []error
}

// warninglistCache keeps the compiled lists of the settings version they
// were read at.
type warninglistCache struct {
	mu         sync.Mutex
	settings   int64 // SettingsVersion when last looked at
	generation int64 // the generation setting's version compiled
	policy     int64 // the policy setting's version read
	cur        *Warninglists
	// published is cur, for readers that must not wait for a compile
	// (TAXII POST's checks).
	published atomic.Pointer[Warninglists]
	// suppressed counts the hits suppressed by this process (metrics).
	suppressed atomic.Int64
}

// Warninglists returns the node's warninglists as the store holds them
// now: one read of the settings version when nothing changed; the lists
// are read and compiled again when one was added or removed, in this
// process or another. It never returns nil (no lists: an empty Checker,
// policy flag).
func (n *Node) Warninglists(ctx context.Context) (*Warninglists, error) {
	c := &n.warninglists
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		c.cur = &Warninglists{Policy: warninglist.PolicyFlag}
		c.settings = -1
	}
	v, err := n.Settings.SettingsVersion(ctx)
	if err != nil {
		return c.cur, err
	}
	if v == c.settings {
		return c.cur, nil
	}
	gen, err := n.settingVersion(ctx, settingWarninglistGeneration)
	if err != nil {
		return c.cur, err
	}
	pol, err := n.Settings.FindSetting(ctx, settingWarninglistPolicy)
	if err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
		return c.cur, err
	}
	next := *c.cur
	polVersion := int64(0)
	next.Policy = warninglist.PolicyFlag
	if pol != nil {
		polVersion = pol.Version
		var s string
		if err := json.Unmarshal(pol.Value, &s); err == nil {
			if p, err := warninglist.ParsePolicy(s); err == nil {
				next.Policy = p
			}
		}
	}
	if gen != c.generation || next.Checker == nil {
		lists, err := n.FindWarninglists(ctx)
		if err != nil {
			return c.cur, err
		}
		t0 := time.Now()
		next.Checker, next.Errors = warninglist.Compile(lists)
		n.logger.Info("warninglists loaded", "lists", len(lists), "entries", next.Checker.Entries(),
			"left_out", len(next.Errors), "elapsed", time.Since(t0).Round(time.Millisecond))
	}
	if gen != c.generation || polVersion != c.policy || next.Checker != c.cur.Checker {
		c.cur = &next
		c.published.Store(c.cur)
	}
	c.settings, c.generation, c.policy = v, gen, polVersion
	return c.cur, nil
}

// WarninglistPolicy returns the policy at ingest (flag when none is set):
// one read, without compiling the lists.
func (n *Node) WarninglistPolicy(ctx context.Context) (warninglist.Policy, error) {
	s, err := n.Settings.FindSetting(ctx, settingWarninglistPolicy)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return warninglist.PolicyFlag, nil
	}
	if err != nil {
		return "", err
	}
	var v string
	if err := json.Unmarshal(s.Value, &v); err != nil {
		return "", fmt.Errorf("setting %s: %v", settingWarninglistPolicy, err)
	}
	return warninglist.ParsePolicy(v)
}

// settingVersion returns the version of a setting, 0 when there is none.
func (n *Node) settingVersion(ctx context.Context, name string) (int64, error) {
	s, err := n.Settings.FindSetting(ctx, name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return s.Version, nil
}

// FindWarninglists returns the node's warninglists, ordered by ID.
func (n *Node) FindWarninglists(ctx context.Context) ([]*warninglist.List, error) {
	sets, err := n.Settings.FindSettings(ctx, settingWarninglistPrefix)
	if err != nil {
		return nil, err
	}
	lists := make([]*warninglist.List, 0, len(sets))
	for _, s := range sets {
		l, err := warninglist.Parse(s.Value)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %v", s.Name, err)
		}
		l.ID = strings.TrimPrefix(s.Name, settingWarninglistPrefix)
		lists = append(lists, l)
	}
	return lists, nil
}

// AddWarninglist stores a list under its ID, replacing the list of that
// ID; it reports whether one was replaced. Every process of the node
// applies it at its next look (a serving node within a second).
func (n *Node) AddWarninglist(ctx context.Context, l *warninglist.List) (replaced bool, err error) {
	if !warninglist.ValidID(l.ID) {
		return false, rampart.Errorf(rampart.EINVALID, "%q cannot name a warninglist: use letters, digits, '.', '_' and '-'", l.ID)
	}
	b, err := l.Marshal()
	if err != nil {
		return false, err
	}
	old, err := n.settingVersion(ctx, settingWarninglistPrefix+l.ID)
	if err != nil {
		return false, err
	}
	if _, err := n.Settings.SetSetting(ctx, settingWarninglistPrefix+l.ID, b, -1); err != nil {
		return false, err
	}
	return old > 0, n.bumpWarninglists(ctx)
}

// RemoveWarninglist removes the list of ID id (ENOTFOUND when there is
// none).
func (n *Node) RemoveWarninglist(ctx context.Context, id string) error {
	if err := n.Settings.DeleteSetting(ctx, settingWarninglistPrefix+id); err != nil {
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			return rampart.Errorf(rampart.ENOTFOUND, "no warninglist %q", id)
		}
		return err
	}
	return n.bumpWarninglists(ctx)
}

// SetWarninglistPolicy sets what ingest does with indicators whose values
// are all on lists.
func (n *Node) SetWarninglistPolicy(ctx context.Context, p warninglist.Policy) error {
	b, err := json.Marshal(string(p))
	if err != nil {
		return err
	}
	_, err = n.Settings.SetSetting(ctx, settingWarninglistPolicy, b, -1)
	return err
}

func (n *Node) bumpWarninglists(ctx context.Context) error {
	b, _ := json.Marshal(strconv.FormatInt(time.Now().UnixNano(), 10))
	_, err := n.Settings.SetSetting(ctx, settingWarninglistGeneration, b, -1)
	return err
}

// cachedWarninglists returns the lists as last read, without reading the
// store or waiting for lists being compiled: nil before the first
// Warninglists.
func (n *Node) cachedWarninglists() *Warninglists {
	return n.warninglists.published.Load()
}

// validatePosted is Validate, then the warninglists' policy as last read
// (a serving node reads them again whenever its settings change): what
// TAXII POST checks, per object, without a read of the store each.
func (n *Node) validatePosted(o *stix.Object) error {
	if err := Validate(o); err != nil {
		return err
	}
	return checkWarninglists(n.cachedWarninglists(), o)
}

// checkWarninglists refuses, under policy drop, an indicator whose
// pattern values are all on lists, naming the first value and its list.
// Under policy flag it stores it: which lists hold its values is computed
// from the lists whenever asked, never written into the object (which
// may be signed by its producer).
func checkWarninglists(w *Warninglists, o *stix.Object) error {
	if w == nil || w.Policy != warninglist.PolicyDrop || o.Type != "indicator" || w.Checker.Entries() == 0 {
		return nil
	}
	ind, err := match.ParseIndicator(o)
	if err != nil {
		return nil // not a STIX pattern: nothing to check
	}
	hits, all := w.Checker.Pattern(ind.Pattern)
	if !all {
		return nil
	}
	msg := hits[0].String()
	if len(hits) > 1 {
		msg += fmt.Sprintf(" (and %d more values on warninglists)", len(hits)-1)
	}
	return rampart.Errorf(rampart.EINVALID, "%s: the node's warninglist policy is drop", msg)
}

// ObjectWarninglists returns the warninglist hits of an object's values:
// the values an indicator's pattern names, or those of an observable
// (SCO) or of the objects an observed-data holds. None for other objects.
func (w *Warninglists) ObjectWarninglists(o *stix.Object) []warninglist.Hit {
	if w == nil || w.Checker.Entries() == 0 {
		return nil
	}
	return warninglist.ObjectHits(w.Checker, o)
}

// Suppressor returns what tells a matcher's aggregator
// (match.Aggregator.Suppress) that a hit is to raise no sighting: the
// values observed where the pattern met are all on the node's
// warninglists, as they are now. It returns nil when the node has no
// lists.
func (n *Node) Suppressor(ctx context.Context) func(match.Hit) bool {
	w, err := n.Warninglists(ctx)
	if err != nil {
		n.logger.Warn("warninglists not read: matching goes on without them", "err", err)
	}
	return n.suppressor(w)
}

func (n *Node) suppressor(w *Warninglists) func(match.Hit) bool {
	if w == nil || w.Checker.Entries() == 0 {
		return nil
	}
	return func(h match.Hit) bool {
		hits, all := w.Checker.Observed(h.Indicator.Pattern, h.Observations)
		if all {
			n.warninglists.suppressed.Add(1)
			n.logger.Debug("match suppressed", "indicator", h.Indicator.ID, "reason", hits[0].String())
		}
		return all
	}
}
