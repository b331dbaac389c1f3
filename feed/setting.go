package feed

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
)

// Names of the settings a feed keeps: its definition, its last runs with
// the state carried between runs, and the index of its indicators.
const (
	settingFeed  = "feed/"
	settingRuns  = "feed-runs/"
	settingIndex = "feed-index/"
)

// MaxRuns is how many run records a feed keeps.
const MaxRuns = 20

// Record is what the node keeps of a feed's runs: the last MaxRuns
// (newest first) and the state the next run starts from.
type Record struct {
	Runs  []*Run `json:"runs"`
	State State  `json:"state"`
}

// Settings keeps feeds in a node's settings, so that every process serving
// the store sees the same feeds and a change needs no restart. It is safe
// for concurrent use, also from several processes: writes that race retry
// on the setting's version.
type Settings struct {
	S rampart.SettingService
}

// Feeds returns every feed, sorted by name. A definition that cannot be
// read is returned as an error naming it, after the others.
func (s Settings) Feeds(ctx context.Context) ([]*Feed, error) {
	list, err := s.S.FindSettings(ctx, settingFeed)
	if err != nil {
		return nil, err
	}
	var feeds []*Feed
	var errs []error
	for _, set := range list {
		var f Feed
		if err := json.Unmarshal(set.Value, &f); err != nil {
			errs = append(errs, fmt.Errorf("setting %q: %v", set.Name, err))
			continue
		}
		feeds = append(feeds, &f)
	}
	sort.Slice(feeds, func(i, j int) bool { return feeds[i].Name < feeds[j].Name })
	return feeds, errors.Join(errs...)
}

// Feed returns the feed by name (ENOTFOUND when there is none).
func (s Settings) Feed(ctx context.Context, name string) (*Feed, error) {
	set, err := s.S.FindSetting(ctx, settingFeed+name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no feed %q (rampart feed list shows the feeds)", name)
	}
	if err != nil {
		return nil, err
	}
	var f Feed
	if err := json.Unmarshal(set.Value, &f); err != nil {
		return nil, fmt.Errorf("setting %q: %v", set.Name, err)
	}
	return &f, nil
}

// AddFeed stores a new feed after checking it: ECONFLICT when a feed by
// that name exists and replace is false. A feed replaced keeps its runs
// and the index of its indicators, and forgets the validators of its last
// answer (and its TAXII cursor when its URL or format changed), so that
// its next run reads the feed whole.
func (s Settings) AddFeed(ctx context.Context, f *Feed, replace bool) error {
	if err := f.Check(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	version := int64(0)
	if replace {
		version = -1
	}
	old, _ := s.Feed(ctx, f.Name)
	_, err = s.S.SetSetting(ctx, settingFeed+f.Name, data, version)
	if rampart.ErrorCode(err) == rampart.ECONFLICT {
		return rampart.Errorf(rampart.ECONFLICT, "a feed %q exists already (remove it first, or give --replace)", f.Name)
	}
	if err != nil || old == nil {
		return err
	}
	// A feed replaced is read again whole: its body may be the same (a
	// 304) while it is now read otherwise, or come from elsewhere.
	return s.resetState(ctx, f.Name, old.URL != f.URL || old.Format != f.Format)
}

// resetState forgets a feed's validators, and its cursor too when cursor
// is set.
func (s Settings) resetState(ctx context.Context, name string, cursor bool) error {
	for attempt := 0; ; attempt++ {
		rec, version, err := s.record(ctx, name)
		if err != nil || version == 0 {
			return err
		}
		rec.State.ETag, rec.State.LastModified = "", ""
		if cursor {
			rec.State.Cursor = time.Time{}
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, err = s.S.SetSetting(ctx, settingRuns+name, data, version)
		if rampart.ErrorCode(err) != rampart.ECONFLICT || attempt == 5 {
			return err
		}
	}
}

// RemoveFeed removes a feed with its runs and index; the indicators it
// stored stay (they expire by their valid_until). ENOTFOUND when there is
// no such feed.
func (s Settings) RemoveFeed(ctx context.Context, name string) error {
	if err := s.S.DeleteSetting(ctx, settingFeed+name); err != nil {
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			return rampart.Errorf(rampart.ENOTFOUND, "no feed %q (rampart feed list shows the feeds)", name)
		}
		return err
	}
	for _, n := range []string{settingRuns + name, settingIndex + name} {
		if err := s.S.DeleteSetting(ctx, n); err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
			return err
		}
	}
	return nil
}

// Record returns a feed's runs and state (empty for a feed never run),
// with the index of its indicators in State.Known.
func (s Settings) Record(ctx context.Context, name string) (*Record, error) {
	rec, _, err := s.record(ctx, name)
	if err != nil {
		return nil, err
	}
	set, err := s.S.FindSetting(ctx, settingIndex+name)
	switch {
	case rampart.ErrorCode(err) == rampart.ENOTFOUND:
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(set.Value, &rec.State.Known); err != nil {
			return nil, fmt.Errorf("setting %q: %v", set.Name, err)
		}
	}
	return rec, nil
}

func (s Settings) record(ctx context.Context, name string) (*Record, int64, error) {
	rec := &Record{}
	set, err := s.S.FindSetting(ctx, settingRuns+name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return rec, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal(set.Value, rec); err != nil {
		return nil, 0, fmt.Errorf("setting %q: %v", set.Name, err)
	}
	return rec, set.Version, nil
}

// LastRun returns a feed's latest run, nil when it never ran.
func (s Settings) LastRun(ctx context.Context, name string) (*Run, error) {
	rec, _, err := s.record(ctx, name)
	if err != nil || len(rec.Runs) == 0 {
		return nil, err
	}
	return rec.Runs[0], nil
}

// LatestRead returns the newest of runs (newest first) that read the
// feed's body, passing over those answered 304; nil when none did.
func LatestRead(runs []*Run) *Run {
	for _, r := range runs {
		if r.Status != StatusNotModified {
			return r
		}
	}
	return nil
}

// SaveRun records a run and the state the next run starts from (the
// index of its indicators only when the run changed it). A failed
// or cancelled run keeps the previous validators and cursor (the state
// given is the runner's, which changes them only on success).
func (s Settings) SaveRun(ctx context.Context, run *Run, state State) error {
	name := run.Feed
	if state.dirty {
		known, err := json.Marshal(state.Known)
		if err != nil {
			return err
		}
		if _, err := s.S.SetSetting(ctx, settingIndex+name, known, -1); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		rec, version, err := s.record(ctx, name)
		if err != nil {
			return err
		}
		rec.Runs = append([]*Run{run}, rec.Runs...)
		if len(rec.Runs) > MaxRuns {
			rec.Runs = rec.Runs[:MaxRuns]
		}
		rec.State = state
		rec.State.Known = nil
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, err = s.S.SetSetting(ctx, settingRuns+name, data, version)
		if rampart.ErrorCode(err) != rampart.ECONFLICT || attempt == 5 {
			return err
		}
	}
}

// Lease names the process running a feed, so that a run started by
// "rampart feed run" and one started by "rampart serve" do not overlap.
type Lease struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
}

const settingLease = "feed-lease/"

// Acquire takes the run lease of a feed for holder until until; ECONFLICT
// naming the holder when another holds a lease that has not run out.
func (s Settings) Acquire(ctx context.Context, name, holder string, until time.Time) error {
	set, err := s.S.FindSetting(ctx, settingLease+name)
	version := int64(0)
	switch {
	case rampart.ErrorCode(err) == rampart.ENOTFOUND:
	case err != nil:
		return err
	default:
		var l Lease
		if json.Unmarshal(set.Value, &l) == nil && l.Holder != holder && time.Now().Before(l.Until) {
			return rampart.Errorf(rampart.ECONFLICT, "feed %q is being run by %s (until %s at the latest)", name, l.Holder, l.Until.UTC().Format(time.RFC3339))
		}
		version = set.Version
	}
	data, _ := json.Marshal(Lease{Holder: holder, Until: until})
	if _, err := s.S.SetSetting(ctx, settingLease+name, data, version); err != nil {
		if rampart.ErrorCode(err) == rampart.ECONFLICT {
			return rampart.Errorf(rampart.ECONFLICT, "feed %q is being run by another process", name)
		}
		return err
	}
	return nil
}

// Release gives the lease back.
func (s Settings) Release(ctx context.Context, name string) error {
	err := s.S.DeleteSetting(ctx, settingLease+name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil
	}
	return err
}

// IsFeedSetting reports whether a setting name is one of a feed's.
func IsFeedSetting(name string) bool {
	return strings.HasPrefix(name, settingFeed) || strings.HasPrefix(name, settingRuns) ||
		strings.HasPrefix(name, settingIndex) || strings.HasPrefix(name, settingLease)
}
