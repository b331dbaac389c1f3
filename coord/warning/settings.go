package warning

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/webhook"
)

// Names of the coordination settings in a node's settings
// (rampart.SettingService).
const (
	SettingRules = "coord.rules"
	// SettingWatchlistPrefix names each watchlist: one setting apiece, so
	// that changes to two watchlists never overwrite each other.
	SettingWatchlistPrefix = "coord.watchlist/"
)

// Settings are a node's coordination settings: the early-warning rules,
// the webhooks alerts go to, and the member states' watchlists. They live
// in the node's store, so that every process serving it reads the same and
// a change made by the CLI or the JSON API takes effect without a restart.
// They hold secrets (webhook keys) and what a member state watches, and
// never leave the node.
type Settings struct {
	Rules      Rules
	Webhooks   []webhook.Hook
	Watchlists []*Watchlist
}

// Validate checks every part of the settings.
func (s *Settings) Validate() error {
	if err := s.Rules.Validate(); err != nil {
		return err
	}
	for _, h := range s.Webhooks {
		if err := h.Validate(); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for _, wl := range s.Watchlists {
		if wl == nil {
			return fmt.Errorf("watchlists must not hold null")
		}
		if err := wl.Validate(); err != nil {
			return err
		}
		if names[wl.Name] {
			return fmt.Errorf("watchlist %q is listed twice", wl.Name)
		}
		names[wl.Name] = true
	}
	return nil
}

// LoadSettings reads the coordination settings from a node's settings:
// the default rules, no webhooks and no watchlists where none were set.
// A setting that does not read or validate is an error naming it.
func LoadSettings(ctx context.Context, svc rampart.SettingService) (*Settings, error) {
	s := &Settings{Rules: DefaultRules()}
	if err := readSetting(ctx, svc, SettingRules, &s.Rules); err != nil {
		return nil, err
	}
	s.Rules = s.Rules.withDefaults()
	if err := readSetting(ctx, svc, webhook.SettingName, &s.Webhooks); err != nil {
		return nil, err
	}
	lists, err := svc.FindSettings(ctx, SettingWatchlistPrefix)
	if err != nil {
		return nil, err
	}
	for _, set := range lists {
		wl := &Watchlist{}
		if err := json.Unmarshal(set.Value, wl, json.RejectUnknownMembers(true)); err != nil {
			return nil, fmt.Errorf("setting %s: %v", set.Name, err)
		}
		s.Watchlists = append(s.Watchlists, wl)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// readSetting decodes setting name into v; a setting not set leaves v.
func readSetting(ctx context.Context, svc rampart.SettingService, name string, v any) error {
	set, err := svc.FindSetting(ctx, name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(set.Value, v, json.RejectUnknownMembers(true)); err != nil {
		return fmt.Errorf("setting %s: %v", name, err)
	}
	return nil
}

// SaveRules validates r and stores it as the node's rules.
func SaveRules(ctx context.Context, svc rampart.SettingService, r Rules) error {
	r = r.withDefaults()
	if err := r.Validate(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = svc.SetSetting(ctx, SettingRules, b, -1)
	return err
}

// SaveWatchlist validates wl and stores it, replacing the watchlist of
// that name.
func SaveWatchlist(ctx context.Context, svc rampart.SettingService, wl *Watchlist) error {
	_, err := SaveWatchlistAt(ctx, svc, wl, -1)
	return err
}

// SaveWatchlistAt validates wl and stores it if the watchlist of that name
// is still at version, as FindWatchlist returned it: 0 for a watchlist
// that must not exist yet, a negative version to replace whatever is
// there. It returns the new version; EINVALID for a bad watchlist, and
// ECONFLICT, saying what happened, when another writer changed, made or
// removed the watchlist since it was read, so that an edit never silently
// undoes someone else's.
func SaveWatchlistAt(ctx context.Context, svc rampart.SettingService, wl *Watchlist, version int64) (int64, error) {
	if err := wl.Validate(); err != nil {
		return 0, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	b, err := json.Marshal(wl, json.Deterministic(true))
	if err != nil {
		return 0, err
	}
	set, err := svc.SetSetting(ctx, SettingWatchlistPrefix+wl.Name, b, version)
	if rampart.ErrorCode(err) == rampart.ECONFLICT && version >= 0 {
		return 0, watchlistConflict(ctx, svc, wl.Name, version)
	}
	if err != nil {
		return 0, err
	}
	return set.Version, nil
}

// watchlistConflict words the ECONFLICT of a watchlist saved at version.
func watchlistConflict(ctx context.Context, svc rampart.SettingService, name string, version int64) error {
	_, err := svc.FindSetting(ctx, SettingWatchlistPrefix+name)
	switch {
	case version == 0 && err == nil:
		return rampart.Errorf(rampart.ECONFLICT, "a watchlist named %q exists already: open it to change it, or choose another name", name)
	case rampart.ErrorCode(err) == rampart.ENOTFOUND:
		return rampart.Errorf(rampart.ECONFLICT, "watchlist %q was removed since it was read: make it again if it is still wanted", name)
	}
	return rampart.Errorf(rampart.ECONFLICT, "watchlist %q was changed since it was read: read it again, and make the change on what it is now", name)
}

// FindWatchlist returns the watchlist of that name and its version, with
// which SaveWatchlistAt stores a change to it; ENOTFOUND when there is
// none.
func FindWatchlist(ctx context.Context, svc rampart.SettingService, name string) (*Watchlist, int64, error) {
	set, err := svc.FindSetting(ctx, SettingWatchlistPrefix+name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, 0, rampart.Errorf(rampart.ENOTFOUND, "no watchlist %q", name)
	}
	if err != nil {
		return nil, 0, err
	}
	wl := &Watchlist{}
	if err := json.Unmarshal(set.Value, wl, json.RejectUnknownMembers(true)); err != nil {
		return nil, 0, fmt.Errorf("setting %s: %v", set.Name, err)
	}
	return wl, set.Version, nil
}

// DeleteWatchlist removes a watchlist; ENOTFOUND when there is none by
// that name.
func DeleteWatchlist(ctx context.Context, svc rampart.SettingService, name string) error {
	err := svc.DeleteSetting(ctx, SettingWatchlistPrefix+name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return rampart.Errorf(rampart.ENOTFOUND, "no watchlist %q", name)
	}
	return err
}

// IsSetting reports whether a setting's name is one of coordination's.
func IsSetting(name string) bool {
	return name == SettingRules || name == webhook.SettingName || strings.HasPrefix(name, SettingWatchlistPrefix)
}
