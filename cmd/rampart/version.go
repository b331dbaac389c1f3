package main

import (
	"fmt"
	"runtime"

	"github.com/rampart-cti/rampart/internal/buildinfo"
	"github.com/rampart-cti/rampart/internal/cli"
)

var versionUsage = helpText("version-usage.txt")

func (m *Main) runVersion(args []string) error {
	fs := cli.NewFlagSet("version", versionUsage)
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.WrongArgs("version", "no arguments", fs.Args())
	}
	fmt.Fprintf(m.Stdout, "rampart %s (%s)\n", buildinfo.Version(), runtime.Version())
	return nil
}
