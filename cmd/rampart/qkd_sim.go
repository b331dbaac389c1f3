package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/qkd"
)

var qkdSimUsage = helpText("qkd-sim-usage.txt")

func (m *Main) runQKDSim(ctx context.Context, args []string) error {
	fs := newFlagSet("qkd-sim", qkdSimUsage)
	var c qkd.SimConfig
	fs.StringVar(&c.Dir, "dir", "", "")
	fs.StringVar(&c.ListenA, "listen-a", "127.0.0.1:0", "")
	fs.StringVar(&c.ListenB, "listen-b", "127.0.0.1:0", "")
	sa, sb := fs.String("sae-a", "node-a", ""), fs.String("sae-b", "node-b", "")
	fs.IntVar(&c.Budget, "keys", -1, "")
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only")); err != nil {
		return err
	}
	c.SAEsA, c.SAEsB = splitComma(*sa), splitComma(*sb)
	sim, err := node.StartQKDSimulator(c)
	if err != nil {
		return m.nodeErr(err)
	}
	defer sim.Close()
	if err := sim.WriteText(m.Stdout); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "running; interrupt (Ctrl-C) to stop")
	<-ctx.Done()
	return nil
}
