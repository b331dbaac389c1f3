package main

import (
	"flag"
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
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stderr, versionUsage) }
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
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

// usageErr maps a flag parsing error to the exit status rules: -h is not a
// failure.
func usageErr(err error) error {
	if err == flag.ErrHelp {
		return nil
	}
	return errUsage
}
