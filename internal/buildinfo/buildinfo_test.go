package buildinfo

import (
	"runtime/debug"
	"testing"
)

// TestOf: the version comes from a tag, else from the commit.
func TestOf(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "07ba21b8c50b19d6ab678933854771951fe162d6"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "devel"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207044142-07ba21b8c50b"}, Settings: vcs}, "devel-07ba21b8c50b-dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs[:1]}, "devel-07ba21b8c50b"},
	} {
		if got := Of(tc.bi); got != tc.want {
			t.Errorf("Of(%+v) = %q, want %q", tc.bi, got, tc.want)
		}
	}
}
