package main

// Output: what each attack measured goes to stdout, one line per measure;
// the serving node's log, and diagnostics, go to stderr.

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/bench"
	"github.com/rampart-cti/rampart/stix"
)

const attackUsage = `Usage: rampart bench attack <name> [flags]

Starts "rampart serve" (this binary, a fresh node in a temporary directory,
on loopback), attacks it, and prints what the node did. docs/PERFORMANCE.md
("Hostile load") records the results with these commands.

    slow-readers
        Fills the default collection with --objects indicators of
        --object-size bytes, then --clients clients ask for all of them in
        one page and never read. Prints the serve process's resident memory
        (VmRSS) and open descriptors over --hold: how much the node holds,
        and for how long.
    idle-links
        Serves a node with keys and a registry, opens --idle connections to
        its node link from 127.0.0.1 and MaxPendingPerHost more from each of
        127.0.0.2 to 127.0.0.--hosts, none of which ever starts TLS (each is
        opened again when the node closes it), and meanwhile connects
        --attempts times as a registered peer from 127.0.0.9 (trust.Dialer,
        then TAXII discovery and the collections over the link). Prints each
        attempt's time.
    early-refusal
        Sends, --repeat times each, requests declaring a --declared-byte
        body and sending it as fast as the node takes it: too large (413)
        and without credentials (401), to TAXII and the JSON API. Prints the
        time from the end of the headers to the answer, and what the client
        could send before the node closed the connection.
    slow-body
        POSTs to TAXII and the JSON API bodies trickled at one byte a
        second, and prints when the node cut each.
    writers
        --writers clients each POST, one after the other for --duration,
        envelopes of --post-objects new indicators to the default
        collection (HTTP Basic as the administrator, whose password the
        node checks once and remembers), while --readers clients GET pages
        of 100. Prints the POSTs' latency (p50, p95, p99, max), the
        throughput, the errors by status and the load average; fails when
        the POST p99 is 1 s or more.

Flags:
`

const attackExamples = `
Examples:
    rampart bench attack slow-readers
    rampart bench attack slow-readers --clients 10 --objects 100 --object-size 2MiB --hold 90s
    rampart bench attack idle-links --idle 256 --hosts 8
    rampart bench attack early-refusal --declared 70MiB
    rampart bench attack slow-body
    rampart bench attack writers --writers 200 --duration 60s
    rampart bench attack writers --serve /tmp/rampart-before --readers 20
`

// runAttack runs "rampart bench attack".
func (m *Main) runAttack(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, attackUsage+attackExamples)
	if err != nil {
		return err
	}
	if !slices.Contains(bench.AttackNames(), sub) {
		return m.unknownSubcommand("bench attack", sub, strings.Join(bench.AttackNames(), ", "))
	}
	fs := flag.NewFlagSet("bench attack "+sub, flag.ContinueOnError)
	b, objectSize, declared := attackFlags(fs, sub)
	b.Stdout, b.Stderr = m.Stdout, m.Stderr
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), attackUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), attackExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench attack "+sub, "flags only", fs.Args())
	}
	if b.ObjectSize, err = bench.ParseSize(*objectSize); err != nil || b.ObjectSize < 1 || b.ObjectSize > stix.MaxObjectBytes-4096 {
		return m.usagef("--object-size %q: give a size from 1 byte to %d bytes (stix.MaxObjectBytes)", *objectSize, stix.MaxObjectBytes-4096)
	}
	if b.Declared, err = bench.ParseSize(*declared); err != nil || b.Declared < 1 {
		return m.usagef("--declared %q: give a size such as 70MiB", *declared)
	}
	if err := b.Validate(); err != nil {
		return m.usagef("%v", err)
	}
	return b.Run(ctx)
}

// attackFlags registers the flags of "rampart bench attack NAME" on fs:
// they set the fields of the attack returned, but for the sizes, whose
// text is returned.
func attackFlags(fs *flag.FlagSet, name string) (b *bench.Attack, objectSize, declared *string) {
	b = &bench.Attack{Name: name}
	fs.IntVar(&b.Clients, "clients", 10, "slow readers (slow-readers)")
	fs.IntVar(&b.Objects, "objects", 100, "objects stored and asked for in one page (slow-readers)")
	objectSize = fs.String("object-size", "2MiB", "size of each object (slow-readers)")
	fs.DurationVar(&b.Hold, "hold", 90*time.Second, "how long the slow readers stay (slow-readers)")
	fs.IntVar(&b.Idle, "idle", 256, "idle connections from 127.0.0.1 (idle-links)")
	fs.IntVar(&b.Hosts, "hosts", 8, "idle connections also come from 127.0.0.2 to 127.0.0.`N`, MaxPendingPerHost each (idle-links)")
	fs.IntVar(&b.Attempts, "attempts", 10, "connections of the registered peer during the attack, one a second (idle-links)")
	declared = fs.String("declared", "70MiB", "declared body size (early-refusal)")
	fs.IntVar(&b.Repeat, "repeat", 20, "requests of each kind (early-refusal)")
	fs.IntVar(&b.Writers, "writers", 200, "clients POSTing at once (writers)")
	fs.IntVar(&b.Readers, "readers", 0, "clients reading pages meanwhile (writers)")
	fs.IntVar(&b.PostObjects, "post-objects", 5, "new indicators per POST (writers)")
	fs.DurationVar(&b.Duration, "duration", 60*time.Second, "how long the clients POST (writers)")
	fs.StringVar(&b.Binary, "serve", "", "the rampart `binary` to attack, to compare releases (default: this one)")
	return b, objectSize, declared
}
