package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rampart-cti/rampart/pattern"
)

var patternUsage = helpText("pattern-usage.txt")

// maxObservedBytes bounds the file read by "pattern match".
const maxObservedBytes = 256 << 20

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
		p := m.compilePattern(rest[0])
		if p == nil {
			return errReported
		}
		fmt.Fprintln(m.Stdout, p)
		return nil
	case sub == "match" && len(rest) != 2:
		return m.wrongArgs("pattern match", "PATTERN and FILE", rest)
	case sub == "match":
		return m.patternMatch(rest[0], rest[1])
	}
	return m.unknownSubcommand("pattern", sub, "check or match")
}

// compilePattern compiles src, printing its error or its warnings as
// hints; it returns nil when src is not a valid pattern.
func (m *Main) compilePattern(src string) *pattern.Pattern {
	p, err := pattern.Compile(src)
	if err != nil {
		m.errorf("%v", err)
		return nil
	}
	for _, w := range p.Warnings {
		m.hintf("%s", w.Short())
	}
	return p
}

// patternMatch prints whether the observations of file match src: exit 0
// on a match, 1 on none, 2 for an invalid pattern or file.
func (m *Main) patternMatch(src, file string) error {
	p := m.compilePattern(src)
	if p == nil {
		return errUsage
	}
	data, err := m.readInput(file, maxObservedBytes)
	if err != nil {
		return m.usagef("%v", err)
	}
	obs, err := pattern.ParseObservations(data)
	if err != nil {
		return m.usagef("%s: %v", file, err)
	}
	ok, err := p.Match(obs)
	if err != nil {
		return m.usagef("%s: %v", file, err)
	}
	if !ok {
		fmt.Fprintln(m.Stdout, "no match")
		return errReported
	}
	fmt.Fprintln(m.Stdout, "match")
	return nil
}

// readInput reads a named file, or standard input for "-", refusing more
// than limit bytes.
func (m *Main) readInput(name string, limit int64) ([]byte, error) {
	r, err := m.openInput(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %v", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %q: larger than %d MiB", name, limit>>20)
	}
	return data, nil
}
