package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

func testSettings(t *testing.T, open func(t *testing.T) Services) {
	t.Run("CompareAndSet", func(t *testing.T) {
		s := open(t)
		clock := time.Date(2026, 12, 2, 8, 0, 0, 1000, time.UTC)
		s.SetClock(func() time.Time { return clock })
		// Every set and delete must change the settings version.
		seen := make(map[int64]string)
		version := func(after string) {
			t.Helper()
			v, err := s.Settings.SettingsVersion(ctx)
			must(t, "settings version", err)
			if before, ok := seen[v]; ok {
				t.Errorf("settings version %d after %s, the same as after %s", v, after, before)
			}
			seen[v] = after
		}
		version("nothing")

		_, err := s.Settings.FindSetting(ctx, "ew/rules")
		wantCode(t, "missing setting", err, rampart.ENOTFOUND)
		st, err := s.Settings.SetSetting(ctx, "ew/rules", []byte(`{"n":1}`), 0)
		must(t, "create", err)
		want := &rampart.Setting{Name: "ew/rules", Value: []byte(`{"n":1}`), Version: 1, UpdatedAt: clock}
		if diff := cmp.Diff(want, st, cmpTime); diff != "" {
			t.Errorf("created setting (-want +got):\n%s", diff)
		}
		version("a create")
		got, err := s.Settings.FindSetting(ctx, "ew/rules")
		must(t, "find", err)
		if diff := cmp.Diff(want, got, cmpTime); diff != "" {
			t.Errorf("stored setting (-want +got):\n%s", diff)
		}

		_, err = s.Settings.SetSetting(ctx, "ew/rules", []byte(`{"n":2}`), 0)
		wantCode(t, "create an existing setting", err, rampart.ECONFLICT)
		clock = clock.Add(time.Second)
		st, err = s.Settings.SetSetting(ctx, "ew/rules", []byte(`{"n":2}`), 1)
		must(t, "replace version 1", err)
		if st.Version != 2 || !st.UpdatedAt.Equal(clock) {
			t.Errorf("replaced setting: version %d at %v, want 2 at %v", st.Version, st.UpdatedAt, clock)
		}
		version("a replace")
		for _, v := range []int64{1, 3} {
			_, err = s.Settings.SetSetting(ctx, "ew/rules", []byte(`{"n":9}`), v)
			wantCode(t, fmt.Sprintf("replace version %d of a setting at version 2", v), err, rampart.ECONFLICT)
		}
		_, err = s.Settings.SetSetting(ctx, "ew/missing", []byte(`{}`), 1)
		wantCode(t, "replace a missing setting", err, rampart.ECONFLICT)
		st, err = s.Settings.SetSetting(ctx, "ew/rules", []byte(`{"n":3}`), -1)
		must(t, "replace whatever is there", err)
		if st.Version != 3 {
			t.Errorf("unconditional replace: version %d, want 3", st.Version)
		}
		version("an unconditional replace")
		st, err = s.Settings.SetSetting(ctx, "ew/new", []byte(`[]`), -1)
		must(t, "unconditional create", err)
		if st.Version != 1 {
			t.Errorf("unconditional create: version %d, want 1", st.Version)
		}
		version("an unconditional create")
		got, err = s.Settings.FindSetting(ctx, "ew/rules")
		must(t, "find", err)
		if string(got.Value) != `{"n":3}` || got.Version != 3 {
			t.Errorf("after the refused changes: %s at version %d, want {\"n\":3} at 3", got.Value, got.Version)
		}

		must(t, "delete", s.Settings.DeleteSetting(ctx, "ew/rules"))
		version("a delete")
		wantCode(t, "delete again", s.Settings.DeleteSetting(ctx, "ew/rules"), rampart.ENOTFOUND)
		_, err = s.Settings.FindSetting(ctx, "ew/rules")
		wantCode(t, "deleted setting", err, rampart.ENOTFOUND)
		_, err = s.Settings.SetSetting(ctx, "ew/rules", []byte(`{}`), 3)
		wantCode(t, "replace a deleted setting", err, rampart.ECONFLICT)
		st, err = s.Settings.SetSetting(ctx, "ew/rules", []byte(`{}`), 0)
		must(t, "create it again", err)
		if st.Version != 1 {
			t.Errorf("re-created setting: version %d, want 1", st.Version)
		}
		version("a create after a delete")

		_, err = s.Settings.SetSetting(ctx, "", []byte(`{}`), 0)
		wantCode(t, "empty name", err, rampart.EINVALID)
		_, err = s.Settings.SetSetting(ctx, "bad\xff", []byte(`{}`), 0)
		wantCode(t, "name not UTF-8", err, rampart.EINVALID)
	})

	t.Run("Prefix", func(t *testing.T) {
		s := open(t)
		names := []string{"ew/rules", "ew/webhooks", "ew/\u00e9t\u00e9", "ew/\U0010ffff", "ew%", "ew_x", "ewa", "EW/upper", "e", "ex", "feeds"}
		for _, n := range names {
			_, err := s.Settings.SetSetting(ctx, n, []byte(`{}`), 0)
			must(t, "set "+n, err)
		}
		tests := []struct {
			prefix string
			want   []string
		}{
			{"ew/", []string{"ew/rules", "ew/webhooks", "ew/\u00e9t\u00e9", "ew/\U0010ffff"}},
			// LIKE wildcards are plain characters here.
			{"ew%", []string{"ew%"}},
			{"ew_", []string{"ew_x"}},
			{"ew", []string{"ew%", "ew/rules", "ew/webhooks", "ew/\u00e9t\u00e9", "ew/\U0010ffff", "ew_x", "ewa"}},
			{"ew/\u00e9", []string{"ew/\u00e9t\u00e9"}},
			{"ew/\U0010ffff", []string{"ew/\U0010ffff"}},
			{"EW", []string{"EW/upper"}},
			{"z", nil},
			{"", []string{"EW/upper", "e", "ew%", "ew/rules", "ew/webhooks", "ew/\u00e9t\u00e9", "ew/\U0010ffff", "ew_x", "ewa", "ex", "feeds"}},
		}
		for _, tt := range tests {
			got, err := s.Settings.FindSettings(ctx, tt.prefix)
			must(t, "find settings "+tt.prefix, err)
			var gotNames []string
			for _, st := range got {
				gotNames = append(gotNames, st.Name)
			}
			if diff := cmp.Diff(tt.want, gotNames); diff != "" {
				t.Errorf("FindSettings(%q) (-want +got):\n%s", tt.prefix, diff)
			}
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := open(t)
		const writers = 8
		// Creates (version 0), then replaces of one version: exactly one
		// writer wins each round, and the others hear ECONFLICT.
		for round, version := range []int64{0, 1} {
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					_, errs[i] = s.Settings.SetSetting(ctx, "race", fmt.Appendf(nil, `{"writer":%d}`, i), version)
				})
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch rampart.ErrorCode(err) {
				case "":
					if winner >= 0 {
						t.Errorf("round %d: writers %d and %d both set version %d", round, winner, i, version)
					}
					winner = i
				case rampart.ECONFLICT:
				default:
					t.Errorf("round %d: writer %d: %v, want success or ECONFLICT", round, i, err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: no writer set version %d", round, version)
			}
			st, err := s.Settings.FindSetting(ctx, "race")
			must(t, "find", err)
			if want := fmt.Sprintf(`{"writer":%d}`, winner); string(st.Value) != want || st.Version != version+1 {
				t.Errorf("round %d: %s at version %d, want the winner's %s at %d", round, st.Value, st.Version, want, version+1)
			}
		}
	})
}
