package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/bench"
)

const benchFederationUsage = `Usage: rampart bench federation [flags]

Simulates the Union on this machine and measures it. It sets up --nodes
national nodes (one per member state) and --hubs hubs with the documented
commands (org init, registry init/add/sign with two authorities, peer add:
every national node with every hub, the hubs with each other; the hubs'
early-warning rule set to three member states), starts each as a
"rampart serve" child process of this binary (or --binary) with its own
store, the signed registry and its node link (hybrid post-quantum TLS) on
a free loopback port, waits until every link has completed a round, then,
--trials times, from a different producer each time:
  1. posts a signed TLP:AMBER indicator at one node (sealed to the others,
     relayed unopened by the hubs) and reports how long after the producer
     stored it each other national node had stored it (p50, p99), and the
     slowest of them per trial;
  2. has the next node sight it and reports how long its sighting, sealed
     to the producer, took to reach it;
  3. has the producer share a TLP:GREEN indicator, three member states
     sight it, and reports how long after the third sighting each hub had
     raised its early-warning alert naming the three.
Then it counts, for --round-window, the rounds with nothing new the idle
nodes pull from their peers (rampart_peer_round_seconds in /metrics:
mean, and the bucket of the 99th percentile) and reads each node's
resident memory (VmRSS); with --store-objects, it adds that many objects
to every store and measures both again. It prints a table, or with --json
the results as JSON. Every node is stopped at the end, on an interrupt,
and (by the kernel) if this process is killed. Linux only (/proc).

Flags:
`

const benchFederationExamples = `
Examples:
    rampart bench federation
    rampart bench federation --nodes 27 --hubs 2 --trials 10 --store-objects 20000
    rampart bench federation --nodes 3 --hubs 2 --trials 1 --round-window 30s --json
`

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
