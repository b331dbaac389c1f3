package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/qkd"
)

var qkdSimUsage = helpText("qkd-sim-usage.txt")

func (m *Main) runQKDSim(ctx context.Context, args []string) error {
	fs := newFlagSet("qkd-sim", qkdSimUsage)
	dir := fs.String("dir", "", "")
	la := fs.String("listen-a", "127.0.0.1:0", "")
	lb := fs.String("listen-b", "127.0.0.1:0", "")
	sa := fs.String("sae-a", "node-a", "")
	sb := fs.String("sae-b", "node-b", "")
	budget := fs.Int("keys", -1, "")
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only")); err != nil {
		return err
	}
	if *dir == "" {
		return m.usagef("qkd-sim needs --dir DIR for its certificates")
	}
	sim, err := qkd.StartSimulator(qkd.SimConfig{Dir: *dir, ListenA: *la, ListenB: *lb,
		SAEsA: splitComma(*sa), SAEsB: splitComma(*sb), Budget: *budget})
	if err != nil {
		return err
	}
	defer sim.Close()
	fmt.Fprintf(m.Stdout, "KME A listens at %s for %s\n", sim.URLA, *sa)
	fmt.Fprintf(m.Stdout, "KME B listens at %s for %s\n", sim.URLB, *sb)
	fmt.Fprintf(m.Stdout, "CA certificate: %s\n", sim.PKI.CAFile())
	for _, end := range []struct{ url, saes string }{{sim.URLA, *sa}, {sim.URLB, *sb}} {
		for _, sae := range splitComma(end.saes) {
			c := sim.Certs[sae]
			fmt.Fprintf(m.Stdout, "SAE %s: KME %s, certificate %s, key %s\n", sae, end.url, c[0], c[1])
		}
	}
	fmt.Fprintln(m.Stdout, "running; interrupt (Ctrl-C) to stop")
	<-ctx.Done()
	return nil
}
