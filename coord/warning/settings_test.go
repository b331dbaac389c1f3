package warning

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/webhook"
)

// memSettings is a SettingService in memory, with the compare-and-set
// rule of the stores.
type memSettings struct {
	mu      sync.Mutex
	m       map[string]*rampart.Setting
	version int64
}

func newMemSettings() *memSettings { return &memSettings{m: map[string]*rampart.Setting{}} }

func (s *memSettings) FindSetting(_ context.Context, name string) (*rampart.Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set := s.m[name]; set != nil {
		c := *set
		return &c, nil
	}
	return nil, rampart.Errorf(rampart.ENOTFOUND, "no setting %q", name)
}

func (s *memSettings) FindSettings(_ context.Context, prefix string) ([]*rampart.Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*rampart.Setting
	for name, set := range s.m {
		if strings.HasPrefix(name, prefix) {
			c := *set
			out = append(out, &c)
		}
	}
	return out, nil
}

func (s *memSettings) SetSetting(_ context.Context, name string, value []byte, version int64) (*rampart.Setting, error) {
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
	// would.
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

func (s *memSettings) DeleteSetting(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] == nil {
		return rampart.Errorf(rampart.ENOTFOUND, "no setting %q", name)
	}
	delete(s.m, name)
	s.version++
	return nil
}

func (s *memSettings) SettingsVersion(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, nil
}

// TestSettingsConcurrentEdits: sixteen watchlists and sixteen webhooks
// saved at once are all kept (regression: edits read the whole list,
// changed it and wrote it back, so concurrent edits lost each other's).
func TestSettingsConcurrentEdits(t *testing.T) {
	svc := newMemSettings()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			wl := &Watchlist{Name: fmt.Sprintf("wl-%02d", i), MemberState: "FR", Networks: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", i))}}
			if err := SaveWatchlist(ctx, svc, wl); err != nil {
				t.Error(err)
			}
			h := webhook.Hook{URL: fmt.Sprintf("https://soc.example/hook/%d", i), Secret: testSecret}
			if err := webhook.Save(ctx, svc, h); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s, err := LoadSettings(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Watchlists) != 16 || len(s.Webhooks) != 16 {
		t.Errorf("%d watchlists and %d webhooks kept, want 16 of each", len(s.Watchlists), len(s.Webhooks))
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	svc := newMemSettings()
	s, err := LoadSettings(ctx, svc)
	if err != nil || s.Rules != DefaultRules() || len(s.Webhooks)+len(s.Watchlists) != 0 {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	r := Rules{MinStates: 3, Window: 12 * time.Hour, Retention: 7 * 24 * time.Hour, Marking: "green"}
	if err := SaveRules(ctx, svc, r); err != nil {
		t.Fatal(err)
	}
	if err := SaveRules(ctx, svc, Rules{MinStates: 1}); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("a rule of one state: %v", err)
	}
	if err := webhook.Save(ctx, svc, webhook.Hook{URL: "https://soc.example/x", Secret: "short"}); rampart.ErrorCode(err) != rampart.EINVALID || strings.Contains(err.Error(), "short") {
		t.Errorf("a short secret: %v", err)
	}
	if err := webhook.Save(ctx, svc, webhook.Hook{URL: "https://soc.example/x", Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Delete(ctx, svc, "https://soc.example/y"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("delete an unknown webhook: %v", err)
	}
	if err := SaveWatchlist(ctx, svc, &Watchlist{Name: "fr", MemberState: "FR", Domains: []string{"gouv.example"}}); err != nil {
		t.Fatal(err)
	}
	if err := DeleteWatchlist(ctx, svc, "nope"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("delete an unknown watchlist: %v", err)
	}
	s, err = LoadSettings(ctx, svc)
	if err != nil || s.Rules != r || len(s.Webhooks) != 1 || s.Webhooks[0].Secret != testSecret || len(s.Watchlists) != 1 || s.Watchlists[0].Domains[0] != "gouv.example" {
		t.Errorf("read back: %+v, %v", s, err)
	}
	if err := DeleteWatchlist(ctx, svc, "fr"); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Delete(ctx, svc, "https://soc.example/x"); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSettings(ctx, svc); err != nil || len(s.Webhooks)+len(s.Watchlists) != 0 {
		t.Errorf("after deletes: %+v, %v", s, err)
	}
}
