package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var attributeUsage = helpText("attribute-usage.txt")

// runAttribute implements "rampart attribute".
func (m *Main) runAttribute(ctx context.Context, args []string) error {
	fs := newFlagSet("attribute", attributeUsage)
	q := node.DefaultAttributeQuery()
	q.Stdin = m.Stdin
	flagVars(fs.StringVar, map[string]*string{"bundle": &q.Bundle, "queries": &q.Queries, "techniques": &q.Techniques, "software": &q.Software})
	flagVars(fs.IntVar, map[string]*int{"limit": &q.Limit, "evidence": &q.Evidence, "compare": &q.Compare})
	fs.BoolVar(&q.JSON, "json", false, "")
	if err := m.parseNoArgs(fs, args); err != nil {
		return err
	}
	return m.nodeErr(node.Attribute(ctx, q, m.Stdout, m.reportError))
}

var attributionUsage = helpText("attribution-usage.txt")

// runAttribution implements "rampart attribution eval".
func (m *Main) runAttribution(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, attributionUsage)
	if err != nil {
		return err
	}
	if sub != "eval" {
		return m.unknownSubcommand("attribution", sub, "eval")
	}
	fs := newFlagSet("attribution eval", attributionUsage)
	v := node.DefaultAttributionEval()
	cfg := &v.Config
	flagVars(fs.StringVar, map[string]*string{"bundle": &v.Bundle, "families": &v.Families, "write-calibration": &v.WriteCalibration,
		"held-out-hide": &cfg.HeldOutHide})
	flagVars(fs.Uint64Var, map[string]*uint64{"seed": &cfg.Seed, "calibration-seed": &cfg.CalibrationSeed})
	flagVars(fs.IntVar, map[string]*int{"per-k": &cfg.PerK, "held-out": &cfg.HeldOut, "family-n": &cfg.FamilyN})
	flagVars(fs.Float64Var, map[string]*float64{"noise-rate": &cfg.Params.NoiseRate, "prior-exponent": &cfg.Params.PriorExponent,
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
		return m.nodeErr(err)
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
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// reportError prints an error that does not stop the command.
func (m *Main) reportError(err error) { m.errorf("%v", err) }

// nodeErr returns err, printed as a usage error when node refused a
// setting (a node.ConfigError).
func (m *Main) nodeErr(err error) error {
	if _, ok := node.AsConfigError(err); ok {
		return m.configError(err)
	}
	return err
}

// flagVars registers flags with set (fs.IntVar, fs.StringVar, …), each
// with the value its pointer holds as default and no help string: the
// usage text describes them.
func flagVars[T any](set func(p *T, name string, value T, usage string), vars map[string]*T) {
	for name, p := range vars {
		set(p, name, *p, "")
	}
}
