package node

import (
	"context"
	"time"

	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
)

// ScanAlerts evaluates every early-warning rule and watchlist over what
// the node holds, once, writing the alerts that are missing or out of
// date, and returns how many alert versions it wrote.
func (n *Node) ScanAlerts(ctx context.Context) (int, error) {
	ew, err := n.EarlyWarning(ctx)
	if err != nil {
		return 0, err
	}
	if err := ew.Open(ctx); err != nil {
		return 0, err
	}
	defer ew.Close()
	return ew.AlertsWritten(), nil
}

// AlertSettings returns the node's early-warning settings: its rules,
// watchlists and webhooks.
func (n *Node) AlertSettings(ctx context.Context) (*warning.Settings, error) {
	return warning.LoadSettings(ctx, n.Settings)
}

// AlertRulesChange is a change to the early-warning rules; a nil field is
// left as it is.
type AlertRulesChange struct {
	MinStates         *int
	Window, Retention *time.Duration
	Marking           *string
}

// ChangeAlertRules applies c to the node's rules and, when it changes
// anything, saves them, which a running node applies at once. It returns
// the settings with the rules as they now stand, and whether they were
// saved; EINVALID, naming the rule, when the result makes no sense.
func (n *Node) ChangeAlertRules(ctx context.Context, c AlertRulesChange) (*warning.Settings, bool, error) {
	s, err := n.AlertSettings(ctx)
	if err != nil {
		return nil, false, err
	}
	if c == (AlertRulesChange{}) {
		return s, false, nil
	}
	r := &s.Rules
	if c.MinStates != nil {
		r.MinStates = *c.MinStates
	}
	if c.Window != nil {
		r.Window = *c.Window
	}
	if c.Retention != nil {
		r.Retention = *c.Retention
	}
	if c.Marking != nil {
		r.Marking = *c.Marking
	}
	if err := warning.SaveRules(ctx, n.Settings, *r); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

// SaveWatchlist saves wl, replacing the watchlist of that name; one
// without an owner is the node organisation's, and one without a member
// state is for the node's. A running node applies it at once. It returns
// EINVALID, naming the first bad entry, for a bad watchlist.
func (n *Node) SaveWatchlist(ctx context.Context, wl *warning.Watchlist) error {
	if wl.Owner == "" {
		wl.Owner = n.Coord.Organization
	}
	if wl.MemberState == "" {
		wl.MemberState = n.Coord.MemberState
	}
	return warning.SaveWatchlist(ctx, n.Settings, wl)
}

// FindWatchlist returns the watchlist of that name; ENOTFOUND when there
// is none.
func (n *Node) FindWatchlist(ctx context.Context, name string) (*warning.Watchlist, error) {
	wl, _, err := warning.FindWatchlist(ctx, n.Settings, name)
	return wl, err
}

// DeleteWatchlist removes a watchlist; ENOTFOUND when there is none by
// that name.
func (n *Node) DeleteWatchlist(ctx context.Context, name string) error {
	return warning.DeleteWatchlist(ctx, n.Settings, name)
}

// SaveWebhook adds the webhook at url, which signs what it sends with
// secret, replacing one with the same URL. It returns EINVALID, without
// the secret, for a bad webhook.
func (n *Node) SaveWebhook(ctx context.Context, url, secret string) error {
	return webhook.Save(ctx, n.Settings, webhook.Hook{URL: url, Secret: secret})
}

// DeleteWebhook removes the webhook at url.
func (n *Node) DeleteWebhook(ctx context.Context, url string) error {
	return webhook.Delete(ctx, n.Settings, url)
}
