// Package buildinfo says which version of Rampart is running.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// version is set at build time with
// -ldflags "-X github.com/rampart-cti/rampart/internal/buildinfo.version=…";
// otherwise Version reads it from the module's build information.
var version = ""

// Version is the running binary's version.
func Version() string {
	if version != "" {
		return version
	}
	bi, _ := debug.ReadBuildInfo()
	return Of(bi)
}

// Of reads the version from build information: the module version a tag
// or "go install …@version" gives, else the commit it was built from
// ("devel-0a1b2c3d4e5f", "-dirty" when the tree had changes), else
// "devel".
func Of(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" && !strings.HasPrefix(v, "v0.0.0-") {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	v := "devel-" + rev[:min(12, len(rev))]
	if modified == "true" {
		v += "-dirty"
	}
	return v
}
