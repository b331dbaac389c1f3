package objecthook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	json "encoding/json/v2"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/webhook"
)

// A Hook is a receiver of object versions.
type Hook struct {
	// ID names the hook (16 hex digits, chosen by New).
	ID string `json:"id"`
	// URL receives the deliveries: https, or http to a loopback address.
	URL string `json:"url"`
	// Secret keys the HMAC-SHA256 of each delivery (at least 16 bytes).
	// It never leaves the node.
	Secret string `json:"secret"`
	// Account is the name of the account whose read rights decide what
	// the hook receives: exactly what that account would read over TAXII.
	Account string `json:"account"`
	Filter  Filter `json:"filter"`
	// Created is when the hook was made.
	Created time.Time `json:"created"`
}

// Settings the hooks and their positions are kept under (one setting
// each), in the node's store: every replica reads the same, a change
// takes effect without a restart, and the secrets never leave the node.
const (
	hookSetting     = "objecthook.hook."
	positionSetting = "objecthook.position."
)

// New returns a hook with a fresh id, checked.
func New(url, secret, account string, f Filter, now time.Time) (*Hook, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	h := &Hook{ID: hex.EncodeToString(b[:]), URL: url, Secret: secret, Account: account, Filter: f, Created: now.UTC()}
	if err := h.Check(); err != nil {
		return nil, err
	}
	return h, nil
}

// Check reports what is wrong with the hook as an EINVALID error that
// never contains the secret.
func (h *Hook) Check() error {
	if err := (webhook.Hook{URL: h.URL, Secret: h.Secret}).Validate(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	if h.Account == "" {
		return rampart.Errorf(rampart.EINVALID, "webhook %s: no account: a hook receives what one account may read", webhook.RedactURL(h.URL))
	}
	if err := h.Filter.Check(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "webhook %s: %v", webhook.RedactURL(h.URL), err)
	}
	return nil
}

// Save stores a hook and the stream position it delivers after (0: from
// the oldest version the stream keeps).
func Save(ctx context.Context, svc rampart.SettingService, h *Hook, after uint64) error {
	if err := h.Check(); err != nil {
		return err
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := svc.SetSetting(ctx, positionSetting+h.ID, []byte(strconv.FormatUint(after, 10)), -1); err != nil {
		return err
	}
	_, err = svc.SetSetting(ctx, hookSetting+h.ID, b, -1)
	return err
}

// List returns every hook, ordered by id.
func List(ctx context.Context, svc rampart.SettingService) ([]*Hook, error) {
	sets, err := svc.FindSettings(ctx, hookSetting)
	if err != nil {
		return nil, err
	}
	out := make([]*Hook, 0, len(sets))
	for _, s := range sets {
		var h Hook
		if err := json.Unmarshal(s.Value, &h); err != nil {
			return nil, fmt.Errorf("setting %s: %v", s.Name, err)
		}
		out = append(out, &h)
	}
	return out, nil
}

// Find returns the hook with that id (ENOTFOUND when there is none).
func Find(ctx context.Context, svc rampart.SettingService, id string) (*Hook, error) {
	s, err := svc.FindSetting(ctx, hookSetting+id)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no stream webhook %q", id)
	} else if err != nil {
		return nil, err
	}
	var h Hook
	if err := json.Unmarshal(s.Value, &h); err != nil {
		return nil, fmt.Errorf("setting %s: %v", s.Name, err)
	}
	return &h, nil
}

// Delete removes a hook and its position (ENOTFOUND when there is none).
func Delete(ctx context.Context, svc rampart.SettingService, id string) error {
	if err := svc.DeleteSetting(ctx, hookSetting+id); rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return rampart.Errorf(rampart.ENOTFOUND, "no stream webhook %q", id)
	} else if err != nil {
		return err
	}
	if err := svc.DeleteSetting(ctx, positionSetting+id); err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
		return err
	}
	return nil
}

// Position returns the stream position a hook delivers after.
func Position(ctx context.Context, svc rampart.SettingService, id string) (uint64, error) {
	s, err := svc.FindSetting(ctx, positionSetting+id)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(s.Value)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("setting %s: %q is not a stream position", s.Name, s.Value)
	}
	return n, nil
}

// SetPosition records that a hook received everything up to position
// after.
func SetPosition(ctx context.Context, svc rampart.SettingService, id string, after uint64) error {
	_, err := svc.SetSetting(ctx, positionSetting+id, []byte(strconv.FormatUint(after, 10)), -1)
	return err
}
