package main

// Output: what each attack measured goes to stdout, one line per measure;
// the serving node's log, and diagnostics, go to stderr.

import (
	"context"
	"flag"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/bench"
)

var attackUsage, attackExamples = helpText("attack-usage.txt"), helpText("attack-examples.txt")

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
	if err := m.parseBenchFlags(fs, attackUsage, attackExamples, args); err != nil {
		return err
	}
	if b.ObjectSize, err = bench.ParseSize(*objectSize); err != nil || b.ObjectSize < 1 || b.ObjectSize > bench.MaxAttackObjectSize {
		return m.usagef("--object-size %q: give a size from 1 byte to %d bytes (stix.MaxObjectBytes)", *objectSize, bench.MaxAttackObjectSize)
	}
	if b.Declared, err = bench.ParseSize(*declared); err != nil || b.Declared < 1 {
		return m.usagef("--declared %q: give a size such as 70MiB", *declared)
	}
	return m.runBenchmark(ctx, b)
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
