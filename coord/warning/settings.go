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
	if err := wl.Validate(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	b, err := json.Marshal(wl, json.Deterministic(true))
	if err != nil {
		return err
	}
	_, err = svc.SetSetting(ctx, SettingWatchlistPrefix+wl.Name, b, -1)
	return err
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
