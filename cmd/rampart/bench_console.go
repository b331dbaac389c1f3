package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/bench"
)

var benchConsoleUsage = helpText("bench-console-usage.txt")

var benchConsoleExamples = helpText("bench-console-examples.txt")

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
