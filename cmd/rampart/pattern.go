package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/pattern"
)

var patternUsage = helpText("pattern-usage.txt")

func (m *Main) runPattern(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, patternUsage)
	if err != nil {
		return err
	}
	// check and match have no flags but -h; no pattern starts with a dash.
	fs := newFlagSet("pattern "+sub, patternUsage)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	switch rest := fs.Args(); {
	case sub == "check" && len(rest) != 1:
		m.errorf("pattern check takes one PATTERN argument (got %d)", len(rest))
		m.hintf(`quote the pattern: rampart pattern check "[file:name = 'a.exe']"`)
		return errUsage
	case sub == "check":
		p, err := node.CheckPattern(rest[0])
		if m.patternWarnings(p); err != nil {
			m.errorf("%v", err)
			return errReported
		}
		fmt.Fprintln(m.Stdout, p)
		return nil
	case sub == "match" && len(rest) != 2:
		return m.wrongArgs("pattern match", "PATTERN and FILE", rest)
	case sub == "match":
		// Exit 0 on a match, 1 on none, 2 for an invalid pattern or file.
		p, ok, err := node.MatchPattern(rest[0], rest[1], m.Stdin)
		if m.patternWarnings(p); err != nil {
			return m.usagef("%v", err)
		}
		if !ok {
			fmt.Fprintln(m.Stdout, "no match")
			return errReported
		}
		fmt.Fprintln(m.Stdout, "match")
		return nil
	}
	return m.unknownSubcommand("pattern", sub, "check or match")
}

// patternWarnings prints the warnings of p, when it compiled, as hints.
func (m *Main) patternWarnings(p *pattern.Pattern) {
	if p == nil {
		return
	}
	for _, w := range p.Warnings {
		m.hintf("%s", w.Short())
	}
}
