package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/pattern"
)

var patternUsage = helpText("pattern-usage.txt")

func (m *Main) runPattern(ctx context.Context, args []string) error {
	sub, args, err := m.Subcommand(args, patternUsage)
	if err != nil {
		return err
	}
	// check and match have no flags but -h; no pattern starts with a dash.
	fs := cli.NewFlagSet("pattern "+sub, patternUsage)
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	switch rest := fs.Args(); {
	case sub == "check" && len(rest) != 1:
		m.Errorf("pattern check takes one PATTERN argument (got %d)", len(rest))
		m.Hintf(`quote the pattern: rampart pattern check "[file:name = 'a.exe']"`)
		return cli.ErrUsage
	case sub == "check":
		p, err := node.CheckPattern(rest[0])
		if m.patternWarnings(p); err != nil {
			m.Errorf("%v", err)
			return cli.ErrReported
		}
		fmt.Fprintln(m.Stdout, p)
		return nil
	case sub == "match" && len(rest) != 2:
		return m.WrongArgs("pattern match", "PATTERN and FILE", rest)
	case sub == "match":
		// Exit 0 on a match, 1 on none, 2 for an invalid pattern or file.
		p, ok, err := node.MatchPattern(rest[0], rest[1], m.Stdin)
		if m.patternWarnings(p); err != nil {
			return m.Usagef("%v", err)
		}
		if !ok {
			fmt.Fprintln(m.Stdout, "no match")
			return cli.ErrReported
		}
		fmt.Fprintln(m.Stdout, "match")
		return nil
	}
	return m.UnknownSubcommand("pattern", sub, "check or match")
}

// patternWarnings prints the warnings of p, when it compiled, as hints.
func (m *Main) patternWarnings(p *pattern.Pattern) {
	if p == nil {
		return
	}
	for _, w := range p.Warnings {
		m.Hintf("%s", w.Short())
	}
}
