package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/qkd"
)

var qkdSimUsage = helpText("qkd-sim-usage.txt")

func (m *Main) runQKDSim(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("qkd-sim", qkdSimUsage)
	var c qkd.SimConfig
	fs.StringVar(&c.Dir, "dir", "", "")
	fs.StringVar(&c.ListenA, "listen-a", "127.0.0.1:0", "")
	fs.StringVar(&c.ListenB, "listen-b", "127.0.0.1:0", "")
	sa, sb := fs.String("sae-a", "node-a", ""), fs.String("sae-b", "node-b", "")
	fs.IntVar(&c.Budget, "keys", -1, "")
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	c.SAEsA, c.SAEsB = node.SplitList(*sa), node.SplitList(*sb)
	sim, err := node.StartQKDSimulator(c)
	if err != nil {
		return m.usageOf(err)
	}
	defer sim.Close()
	if err := sim.WriteText(m.Stdout); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "running; interrupt (Ctrl-C) to stop")
	<-ctx.Done()
	return nil
}
