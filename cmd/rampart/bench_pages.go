package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/bench"
)

const benchPagesUsage = `Usage: rampart bench pages [flags]

Measures what slow readers of large pages and a POST cut short do to a real
node: it starts "rampart serve" (this binary, or --binary) as a child
process on a fresh data directory and a loopback port, then
  1. stores --objects notes of --object-size bytes each over TAXII;
  2. opens --readers connections that each ask for a page of --limit of
     them and never read the answer, waits until the node's memory stops
     growing, and reports its resident memory (VmRSS, from /proc) before
     and after, and its peak (VmHWM);
  3. POSTs an envelope of --post-objects indicators, sends half of it and
     closes the connection, and reports what the status the node recorded
     says, and at which level the node logged it.
Linux only (/proc).

Flags:
`

const benchPagesExamples = `
Examples:
    rampart bench pages
    rampart bench pages --readers 10 --objects 100 --object-size 2MiB --limit 100
    rampart bench pages --binary /tmp/rampart-old     (an older serve, same load)
`

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
