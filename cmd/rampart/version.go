package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is set at build time with -ldflags "-X main.Version=…"; otherwise
// it is read from the module's build information.
var Version = ""

var versionUsage = helpText("version-usage.txt")

func (m *Main) runVersion(args []string) error {
	fs := newFlagSet("version", versionUsage)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("version", "no arguments", fs.Args())
	}
	fmt.Fprintf(m.Stdout, "rampart %s (%s)\n", version(), runtime.Version())
	return nil
}

func version() string {
	if Version != "" {
		return Version
	}
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf reads the version from build information: the module version
// a tag or "go install …@version" gives, else the commit it was built
// from ("devel-0a1b2c3d4e5f", "-dirty" when the tree had changes), else
// "devel".
func versionOf(bi *debug.BuildInfo) string {
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
