// Package settingstest holds a rampart.SettingService in memory for the
// tests of the packages that keep their configuration in a node's
// settings.
package settingstest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
)

// Memory is a SettingService in memory, with the compare-and-set
// rule of the stores.
type Memory struct {
	mu      sync.Mutex
	m       map[string]*rampart.Setting
	version int64
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{m: map[string]*rampart.Setting{}} }

var _ rampart.SettingService = (*Memory)(nil)

func (s *Memory) FindSetting(_ context.Context, name string) (*rampart.Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set := s.m[name]; set != nil {
		c := *set
		return &c, nil
	}
	return nil, rampart.Errorf(rampart.ENOTFOUND, "no setting %q", name)
}

func (s *Memory) FindSettings(_ context.Context, prefix string) ([]*rampart.Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*rampart.Setting
	for name, set := range s.m {
		if strings.HasPrefix(name, prefix) {
			c := *set
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *rampart.Setting) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *Memory) SetSetting(_ context.Context, name string, value []byte, version int64) (*rampart.Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur int64
	if set := s.m[name]; set != nil {
		cur = set.Version
	}
	if version >= 0 && version != cur {
		return nil, rampart.Errorf(rampart.ECONFLICT, "setting %q changed", name)
	}
	// Let others in between the read and the write, as another process
	// would: compare-and-set must hold even so.
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
	s.mu.Lock()
	if set := s.m[name]; set != nil && set.Version != cur {
		if version >= 0 {
			return nil, rampart.Errorf(rampart.ECONFLICT, "setting %q changed", name)
		}
		cur = set.Version
	}
	s.version++
	set := &rampart.Setting{Name: name, Value: value, Version: cur + 1}
	s.m[name] = set
	c := *set
	return &c, nil
}

func (s *Memory) DeleteSetting(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] == nil {
		return rampart.Errorf(rampart.ENOTFOUND, "no setting %q", name)
	}
	delete(s.m, name)
	s.version++
	return nil
}

func (s *Memory) SettingsVersion(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, nil
}
