package main

import (
	"fmt"
	"runtime"

	"github.com/rampart-cti/rampart/internal/buildinfo"
)

var versionUsage = helpText("version-usage.txt")

func (m *Main) runVersion(args []string) error {
	fs := newFlagSet("version", versionUsage)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("version", "no arguments", fs.Args())
	}
	fmt.Fprintf(m.Stdout, "rampart %s (%s)\n", buildinfo.Version(), runtime.Version())
	return nil
}
