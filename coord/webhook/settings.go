package webhook

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart"
)

// SettingName names the list of webhooks in a node's settings
// (rampart.SettingService). The list lives in the node's store, so that
// every process serving it reads the same and a change made by the CLI or
// the JSON API takes effect without a restart. It holds secrets and never
// leaves the node.
const SettingName = "coord.webhooks"

// Save adds a webhook to a node's settings, replacing one with the same
// URL. It returns EINVALID for a bad webhook, without the secret.
func Save(ctx context.Context, svc rampart.SettingService, h Hook) error {
	if err := h.Validate(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	return update(ctx, svc, func(hooks []Hook) ([]Hook, error) {
		hooks = slices.DeleteFunc(hooks, func(o Hook) bool { return o.URL == h.URL })
		return append(hooks, h), nil
	})
}

// Delete removes the webhook with that URL; ENOTFOUND when there is
// none.
func Delete(ctx context.Context, svc rampart.SettingService, url string) error {
	return update(ctx, svc, func(hooks []Hook) ([]Hook, error) {
		i := slices.IndexFunc(hooks, func(o Hook) bool { return o.URL == url })
		if i < 0 {
			return nil, rampart.Errorf(rampart.ENOTFOUND, "no webhook %q", RedactURL(url))
		}
		return slices.Delete(hooks, i, i+1), nil
	})
}

// update applies edit to the stored list, again if another writer
// changed it meanwhile, so that no change is lost.
func update(ctx context.Context, svc rampart.SettingService, edit func([]Hook) ([]Hook, error)) error {
	for {
		var hooks []Hook
		var version int64
		set, err := svc.FindSetting(ctx, SettingName)
		switch {
		case rampart.ErrorCode(err) == rampart.ENOTFOUND:
		case err != nil:
			return err
		default:
			version = set.Version
			if err := json.Unmarshal(set.Value, &hooks); err != nil {
				return fmt.Errorf("setting %s: %v", SettingName, err)
			}
		}
		hooks, err = edit(hooks)
		if err != nil {
			return err
		}
		b, err := json.Marshal(hooks)
		if err != nil {
			return err
		}
		_, err = svc.SetSetting(ctx, SettingName, b, version)
		if rampart.ErrorCode(err) != rampart.ECONFLICT {
			return err
		}
	}
}
