package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/bench"
)

var benchFederationUsage = helpText("bench-federation-usage.txt")

var benchFederationExamples = helpText("bench-federation-examples.txt")

// benchFederation runs "rampart bench federation".
func (m *Main) benchFederation(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench federation", flag.ContinueOnError)
	b := &bench.Federation{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.StringVar(&b.Binary, "binary", "", "rampart `binary` the nodes run (default: this one)")
	fs.StringVar(&b.Dir, "dir", "", "`directory` the nodes live in, kept after (default: a temporary one, removed after)")
	fs.IntVar(&b.Nodes, "nodes", 27, "national nodes, one per member state (3 to 27)")
	fs.IntVar(&b.Hubs, "hubs", 2, "hubs")
	fs.IntVar(&b.Trials, "trials", 5, "times each latency is measured, each from another producer")
	fs.IntVar(&b.StoreObjects, "store-objects", 10000, "objects added to every store before the round and memory measures are repeated (0: measure small stores only)")
	fs.DurationVar(&b.RoundWindow, "round-window", 30*time.Second, "how long idle rounds are counted at each store size (a node pulls from each idle peer every 25 s)")
	fs.BoolVar(&b.JSON, "json", false, "print the results as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchFederationUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), benchFederationExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench federation", "flags only", fs.Args())
	}
	if err := b.Validate(); err != nil {
		return m.usagef("%v", err)
	}
	return b.Run(ctx)
}
