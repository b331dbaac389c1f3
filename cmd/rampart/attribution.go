package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var attributeUsage = helpText("attribute-usage.txt")

// runAttribute implements "rampart attribute".
func (m *Main) runAttribute(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("attribute", attributeUsage)
	q := node.DefaultAttributeQuery()
	q.Stdin = m.Stdin
	cli.Vars(fs.StringVar, map[string]*string{"bundle": &q.Bundle, "queries": &q.Queries, "techniques": &q.Techniques, "software": &q.Software})
	cli.Vars(fs.IntVar, map[string]*int{"limit": &q.Limit, "evidence": &q.Evidence, "compare": &q.Compare})
	fs.BoolVar(&q.JSON, "json", false, "")
	if err := m.parseNoArgs(fs, args); err != nil {
		return err
	}
	return m.usageOf(node.Attribute(ctx, q, m.Stdout, m.reportError))
}

var attributionUsage = helpText("attribution-usage.txt")

// runAttribution implements "rampart attribution eval".
func (m *Main) runAttribution(ctx context.Context, args []string) error {
	sub, args, err := m.Subcommand(args, attributionUsage)
	if err != nil {
		return err
	}
	if sub != "eval" {
		return m.UnknownSubcommand("attribution", sub, "eval")
	}
	fs := cli.NewFlagSet("attribution eval", attributionUsage)
	v := node.DefaultAttributionEval()
	cfg := &v.Config
	cli.Vars(fs.StringVar, map[string]*string{"bundle": &v.Bundle, "families": &v.Families, "write-calibration": &v.WriteCalibration,
		"held-out-hide": &cfg.HeldOutHide})
	cli.Vars(fs.Uint64Var, map[string]*uint64{"seed": &cfg.Seed, "calibration-seed": &cfg.CalibrationSeed})
	cli.Vars(fs.IntVar, map[string]*int{"per-k": &cfg.PerK, "held-out": &cfg.HeldOut, "family-n": &cfg.FamilyN})
	cli.Vars(fs.Float64Var, map[string]*float64{"noise-rate": &cfg.Params.NoiseRate, "prior-exponent": &cfg.Params.PriorExponent,
		"specificity": &cfg.Params.Specificity, "mu-per-mass": &cfg.Params.MuPerMass, "forgive": &cfg.Params.Forgive})
	fs.BoolVar(&cfg.Strict, "strict", false, "")
	if err := m.parseNoArgs(fs, args); err != nil {
		return err
	}
	start, line := time.Now(), progress.NewLine(m.Stderr)
	if line.Enabled() {
		cfg.Progress = func(stage string, done, total int) { line.Printf("evaluating: %s %d/%d", stage, done, total) }
	}
	rep, err := node.EvaluateAttribution(v, m.reportError)
	if line.Clear(); err != nil {
		return m.usageOf(err)
	}
	if err := v.WriteReport(rep, m.Stdout); err != nil {
		return err
	}
	s, c := rep.Headline()
	fmt.Fprintf(m.Stderr, "rampart: evaluated %d intrusion sets in %s: sampled k=5 top-1 %.1f %%, top-5 %.1f %%; campaigns top-1 %.1f %%, top-5 %.1f %%\n",
		rep.Sets, time.Since(start).Round(time.Second), 100*s.Top1.Value, 100*s.Top5.Value, 100*c.Top1.Value, 100*c.Top5.Value)
	return nil
}

// The helpers below serve the commands of several files.

// parseNoArgs parses the flags of a command that takes no argument.
func (m *Main) parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// reportError prints an error that does not stop the command.
func (m *Main) reportError(err error) { m.Errorf("%v", err) }
