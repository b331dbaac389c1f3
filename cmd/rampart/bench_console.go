package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/bench"
)

const benchConsoleUsage = `Usage: rampart bench console [flags]

Fills a node with --objects objects (indicators, relationships to 200
intrusion sets, sightings of the last 30 days, notes) unless --data names a
directory filled before, starts "rampart serve" on it, signs in to the
console as the administrator and asks --requests times for each page:
situation, alerts, incidents, searches by value, name and words, object
pages, attribution, statements, administration. Prints the 50th and 95th
percentile and the longest time to the whole page on loopback.

Flags:
`

const benchConsoleExamples = `
Examples:
    rampart bench console --objects 1000000 --data /tmp/console-1m
    rampart bench console --objects 20000 --requests 50
`

func (m *Main) benchConsole(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench console", flag.ContinueOnError)
	b := &bench.Console{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.StringVar(&b.Binary, "binary", "", "rampart `binary` to serve with (default: this one)")
	fs.StringVar(&b.Data, "data", "", "node `directory`, filled once and kept for later runs (default: a temporary one)")
	fs.IntVar(&b.Objects, "objects", 1000000, "objects the store holds")
	fs.IntVar(&b.Requests, "requests", 20, "timed requests per page")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchConsoleUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), benchConsoleExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench console", "flags only", fs.Args())
	}
	if err := b.Validate(); err != nil {
		return m.usagef("%v", err)
	}
	return b.Run(ctx)
}
