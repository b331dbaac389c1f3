package main

// Output: what each attack measured goes to stdout, one line per measure;
// the serving node's log, and diagnostics, go to stderr.

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/bench"
	"github.com/rampart-cti/rampart/internal/cli"
)

var attackUsage, attackFlagList, attackExamples = helpText("attack-usage.txt"), helpText("attack-flags.txt"), helpText("attack-examples.txt")

// runAttack runs "rampart bench attack".
func (m *Main) runAttack(ctx context.Context, args []string) error {
	sub, args, err := m.Subcommand(args, attackUsage+attackExamples)
	if err != nil {
		return err
	}
	if !slices.Contains(bench.AttackNames(), sub) {
		return m.UnknownSubcommand("bench attack", sub, strings.Join(bench.AttackNames(), ", "))
	}
	fs := cli.NewFlagSet("bench attack "+sub, attackUsage+attackFlagList+attackExamples)
	b := &bench.Attack{Name: sub, Stdout: m.Stdout, Stderr: m.Stderr, Clients: 10, Objects: 100, Hold: 90 * time.Second, Idle: 256, Hosts: 8,
		Attempts: 10, Repeat: 20, Writers: 200, PostObjects: 5, Duration: 60 * time.Second}
	cli.Vars(fs.IntVar, map[string]*int{"clients": &b.Clients, "objects": &b.Objects, "idle": &b.Idle, "hosts": &b.Hosts,
		"attempts": &b.Attempts, "repeat": &b.Repeat, "writers": &b.Writers, "readers": &b.Readers, "post-objects": &b.PostObjects})
	cli.Vars(fs.DurationVar, map[string]*time.Duration{"hold": &b.Hold, "duration": &b.Duration})
	objectSize, declared := fs.String("object-size", "2MiB", ""), fs.String("declared", "70MiB", "")
	fs.StringVar(&b.Binary, "serve", "", "")
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	if b.ObjectSize, err = bench.ParseSize(*objectSize); err != nil || b.ObjectSize < 1 || b.ObjectSize > bench.MaxAttackObjectSize {
		return m.Usagef("--object-size %q: give a size from 1 byte to %d bytes (stix.MaxObjectBytes)", *objectSize, bench.MaxAttackObjectSize)
	}
	if b.Declared, err = bench.ParseSize(*declared); err != nil || b.Declared < 1 {
		return m.Usagef("--declared %q: give a size such as 70MiB", *declared)
	}
	return m.runBenchmark(ctx, b)
}
