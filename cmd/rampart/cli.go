package main

// The output rules every subcommand follows are those of internal/cli:
// results on stdout, "rampart: error: …" and "rampart: hint: …" on
// stderr, exit status 0, 1, or 2 for a usage error.

import (
	"flag"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

// flagSetter registers a command's flags on its flag set.
type flagSetter interface {
	register(fs *flag.FlagSet, getenv func(string) string)
}

// parseSubcommand splits args into a subcommand of c and its positional
// arguments, parsing the flags f registers.
func (m *Main) parseSubcommand(c cli.Subcommands, args []string, f flagSetter) (sub string, pos []string, fs *flag.FlagSet, err error) {
	return m.ParseSubcommand(c, args, func(fs *flag.FlagSet) { f.register(fs, m.Getenv) })
}

// configError prints a setting or flag value node refused, with its hint:
// a usage error.
func (m *Main) configError(err error) error {
	m.Errorf("%v", err)
	if ce, ok := node.AsConfigError(err); ok && ce.Hint != "" {
		m.Hintf("%s", ce.Hint)
	}
	return cli.ErrUsage
}

// usageOf returns err, printed as a usage error when node refused a
// setting or flag value (a node.ConfigError).
func (m *Main) usageOf(err error) error {
	if _, ok := node.AsConfigError(err); ok {
		return m.configError(err)
	}
	return err
}
