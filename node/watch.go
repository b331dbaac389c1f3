package node

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/trust"
)

// settingsService is the node's settings as the store keeps them, telling
// the serving node at once when this process changes one (changes made by
// other processes are found by the version SettingsVersion reports).
type settingsService struct {
	rampart.SettingService
	changed chan struct{}
}

func newSettingsService(s rampart.SettingService) *settingsService {
	return &settingsService{SettingService: s, changed: make(chan struct{}, 1)}
}

func (s *settingsService) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *settingsService) SetSetting(ctx context.Context, name string, value []byte, version int64) (*rampart.Setting, error) {
	set, err := s.SettingService.SetSetting(ctx, name, value, version)
	if err == nil {
		s.signal()
	}
	return set, err
}

func (s *settingsService) DeleteSetting(ctx context.Context, name string) error {
	err := s.SettingService.DeleteSetting(ctx, name)
	if err == nil {
		s.signal()
	}
	return err
}

// settingsPoll is how often a serving node asks the store whether another
// process changed its settings: one read of a version number.
const settingsPoll = time.Second

// watchSettings applies the coordination settings whenever they change,
// here or in another process: rules, watchlists and webhooks take effect
// without a restart.
func (n *Node) watchSettings(ctx context.Context, s *serving) {
	svc, _ := n.Settings.(*settingsService)
	var changed <-chan struct{}
	if svc != nil {
		changed = svc.changed
	}
	t := time.NewTicker(settingsPoll)
	defer t.Stop()
	last, _ := n.Settings.SettingsVersion(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-t.C:
		}
		v, err := n.Settings.SettingsVersion(ctx)
		if err != nil || v == last {
			continue
		}
		last = v
		if err := n.applySettings(ctx, s); err != nil && ctx.Err() == nil {
			n.logger.Warn("settings not applied", "err", err)
		}
	}
}

// applySettings gives the engines the coordination settings in the store,
// changing what changed.
func (n *Node) applySettings(ctx context.Context, s *serving) error {
	// Compiled now rather than by the first request that needs them.
	if _, err := n.Warninglists(ctx); err != nil {
		n.logger.Warn("warninglists not read", "err", err)
	}
	n.applyLifecycle(ctx, s.matcher)
	set, err := warning.LoadSettings(ctx, n.Settings)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(set.Webhooks, s.notifier.Hooks) {
		if err := s.notifier.SetHooks(set.Webhooks); err != nil {
			return err
		}
		n.logger.Info("webhooks changed", "webhooks", len(set.Webhooks))
	}
	if set.Rules != s.ew.CurrentRules() {
		if err := s.ew.SetRules(ctx, set.Rules); err != nil {
			return err
		}
		n.logger.Info("early-warning rules changed", "min_states", set.Rules.MinStates, "window", set.Rules.Window)
	}
	if !reflect.DeepEqual(set.Watchlists, s.ew.CurrentWatchlists()) {
		if err := s.ew.SetWatchlists(ctx, set.Watchlists); err != nil {
			return err
		}
		n.logger.Info("watchlists changed", "watchlists", len(set.Watchlists))
	}
	return nil
}

// applyLifecycle gives the matcher's Lifecycle the lifecycle settings in
// the store when they changed, and scores the indicators again.
func (n *Node) applyLifecycle(ctx context.Context, m *Matcher) {
	if ls, err := n.LifecycleSettings(ctx); err != nil {
		n.logger.Warn("lifecycle settings not read", "err", err)
	} else if l := m.Lifecycle; l != nil && !reflect.DeepEqual(ls, l.Settings()) {
		l.SetSettings(ls)
		out, back := m.Recheck(ctx)
		n.logger.Info("lifecycle settings changed", "decayed", out, "back", back)
	}
}

// recheckScores scores the matcher's indicators again every
// RecheckInterval, as they decay.
func (n *Node) recheckScores(ctx context.Context, m *Matcher) {
	t := time.NewTicker(RecheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.Recheck(ctx)
	}
}

// registryPoll is how often a serving node looks at its registry file.
const registryPoll = 10 * time.Second

// watchRegistry offers the node every new content of its registry file, so
// that an operator who puts a newer version there (from "rampart registry
// sign") needs no restart. A version is accepted only when a quorum of the
// authority already trusted signed it; a file refused is logged and left.
func (n *Node) watchRegistry(ctx context.Context, s *serving) {
	t := time.NewTicker(registryPoll)
	defer t.Stop()
	var last []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		path, err := n.stringSetting(ctx, settingRegistry, n.Config.RegistryFile)
		if err != nil || path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil || bytes.Equal(data, last) || bytes.Equal(data, n.Verifier.Registry().Bytes()) {
			continue
		}
		last = data
		update := n.Verifier.UpdateRegistry
		if s.fed != nil {
			update = s.fed.UpdateRegistry
		}
		if reg, err := update(data); err != nil {
			n.logger.Warn("registry file refused", "file", path, "err", err)
		} else {
			n.logger.Info("registry file accepted", "file", path, "version", reg.Version())
			if err := n.Log.AppendRegistry(ctx, reg); err != nil {
				n.logger.Warn("transparency log: registry not logged", "version", reg.Version(), "err", err)
			}
		}
	}
}

// saveRegistry writes a registry version the node accepted from a peer back
// to its registry file, so that a restart does not roll it back.
func (n *Node) saveRegistry(data []byte) error {
	if reg, err := trust.ParseRegistry(data); err == nil {
		if err := n.Log.AppendRegistry(context.Background(), reg); err != nil {
			n.logger.Warn("transparency log: registry not logged", "version", reg.Version(), "err", err)
		}
	}
	path, err := n.stringSetting(context.Background(), settingRegistry, n.Config.RegistryFile)
	if err != nil || path == "" {
		return err
	}
	return atomicfile.Replace(path, data, 0o644)
}
