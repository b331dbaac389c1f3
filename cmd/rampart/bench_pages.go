package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/bench"
)

var benchPagesUsage = helpText("bench-pages-usage.txt")

var benchPagesExamples = helpText("bench-pages-examples.txt")

// benchPages runs "rampart bench pages".
func (m *Main) benchPages(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench pages", flag.ContinueOnError)
	b := &bench.Pages{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.StringVar(&b.Binary, "binary", "", "rampart `binary` to serve with (default: this one)")
	fs.IntVar(&b.Objects, "objects", 100, "large objects to store")
	sizeFlag := fs.String("object-size", "2MiB", "size of each large object")
	fs.IntVar(&b.Readers, "readers", 10, "connections that ask for a page and never read it")
	fs.IntVar(&b.Limit, "limit", 100, "objects per page asked for")
	fs.IntVar(&b.PostObjects, "post-objects", 12000, "objects of the POST cut short (0: skip)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchPagesUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), benchPagesExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench pages", "flags only", fs.Args())
	}
	size, err := bench.ParseSize(*sizeFlag)
	if err != nil || size < 300 {
		return m.usagef("--object-size: want a size of at least 300 bytes (got %q)", *sizeFlag)
	}
	b.ObjectSize = size
	if err := b.Validate(); err != nil {
		return m.usagef("%v", err)
	}
	return b.Run(ctx)
}
