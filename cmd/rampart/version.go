package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X main.Version=…"; otherwise
// it is read from the module's build information.
var Version = ""

const versionUsage = `Usage: rampart version

Prints the version of Rampart and of the Go toolchain that built it.

Example:
    rampart version
`

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
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
