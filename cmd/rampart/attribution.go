package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/internal/progress"
)

var attributeUsage = helpText("attribute-usage.txt")

// attributeFlags are the flags of "rampart attribute".
type attributeFlags struct {
	bundle, queries, techniques, software string
	limit, evidence, compare              int
	asJSON                                bool
}

// runAttribute implements "rampart attribute".
func (m *Main) runAttribute(ctx context.Context, args []string) error {
	fs := newFlagSet("attribute", attributeUsage)
	var f attributeFlags
	for name, p := range map[string]*string{"bundle": &f.bundle, "queries": &f.queries, "techniques": &f.techniques, "software": &f.software} {
		fs.StringVar(p, name, "", "")
	}
	fs.IntVar(&f.limit, "limit", attribution.DefaultLimit, "")
	fs.IntVar(&f.evidence, "evidence", 8, "")
	fs.BoolVar(&f.asJSON, "json", false, "")
	fs.IntVar(&f.compare, "compare", 0, "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	single := f.techniques != "" || f.software != ""
	if err := m.checkAttributeFlags(fs, &f, single); err != nil {
		return err
	}
	k, err := m.loadKnowledge(f.bundle)
	if err != nil {
		return err
	}
	e := attribution.NewEngine(k, attribution.Config{})
	if !single {
		return m.attributeBatch(ctx, e, f.queries, f.limit)
	}
	q := attribution.Query{Techniques: splitComma(f.techniques), Software: splitComma(f.software), Limit: f.limit}
	if f.compare > 0 {
		return m.compare(e.Compare(q, f.compare), f.asJSON)
	}
	if f.asJSON {
		return e.Rank(q).WriteJSONLine(m.Stdout)
	}
	return e.Rank(q).WriteText(m.Stdout, f.evidence)
}

// compare prints the analysis of competing hypotheses c, as text or as the
// JSON the API returns.
func (m *Main) compare(c *attribution.Comparison, asJSON bool) error {
	switch {
	case c == nil:
		m.errorf("no item of the query is known evidence: there is nothing to compare")
		return errReported
	case asJSON:
		return c.WriteJSONLine(m.Stdout)
	}
	return c.WriteText(m.Stdout)
}

// checkAttributeFlags refuses flags that do not make one query or a batch.
func (m *Main) checkAttributeFlags(fs *flag.FlagSet, f *attributeFlags, single bool) error {
	switch {
	case fs.NArg() > 0:
		return m.usagef("unexpected argument %q", fs.Arg(0))
	case f.bundle == "":
		m.errorf("attribute needs --bundle FILE (the knowledge, e.g. ATT&CK Enterprise)")
		m.hintf(`run "rampart attribute -h" for examples`)
		return errUsage
	case single && f.queries != "":
		return m.usagef("--queries and --techniques/--software are alternatives: give one")
	case !single && f.queries == "":
		m.errorf("attribute needs --queries FILE|- or --techniques/--software")
		m.hintf(`run "rampart attribute -h" for examples`)
		return errUsage
	case f.limit < 1:
		return m.usagef("--limit must be at least 1 (got %d)", f.limit)
	case f.compare != 0 && (f.compare < 2 || f.compare > 10):
		return m.usagef("--compare must be 2 to 10 (got %d)", f.compare)
	case f.compare != 0 && !single:
		return m.usagef("--compare needs a single query (--techniques/--software), not --queries")
	}
	return nil
}

// attributeBatch ranks each query of the JSON lines in the file queries
// ("-" for standard input); a line that is not a query is reported and
// the batch goes on.
func (m *Main) attributeBatch(ctx context.Context, e *attribution.Engine, queries string, limit int) error {
	in, err := m.openInput(queries)
	if err != nil {
		return fmt.Errorf("open queries: %v", err)
	}
	defer in.Close()
	st, err := attribution.RankBatch(ctx, e, in, limit, m.Stdout, func(qe *attribution.QueryError) { m.errorf("queries: %v", qe) })
	if err == nil && st.Invalid > 0 {
		m.errorf("%d of %d query lines were invalid", st.Invalid, st.Lines)
		return errReported
	}
	return err
}

// loadKnowledge reads a bundle into a Knowledge, reporting objects that
// could not be used on stderr without failing.
func (m *Main) loadKnowledge(path string) (*attribution.Knowledge, error) {
	k, err := attribution.ReadKnowledgeFile(path)
	if le := (*attribution.LoadError)(nil); errors.As(err, &le) {
		m.errorf("bundle %q: %d objects not used; first: %v", path, len(le.Errors), le.Errors[0])
		return k, nil
	}
	return k, err
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
	cfg := attribution.DefaultEvalConfig
	cfg.Params = attribution.DefaultParams
	bundle, families, writeCal := fs.String("bundle", "", ""), fs.String("families", "all", ""), fs.String("write-calibration", "", "")
	for name, p := range map[string]*uint64{"seed": &cfg.Seed, "calibration-seed": &cfg.CalibrationSeed} {
		fs.Uint64Var(p, name, *p, "")
	}
	for name, p := range map[string]*int{"per-k": &cfg.PerK, "held-out": &cfg.HeldOut, "family-n": &cfg.FamilyN} {
		fs.IntVar(p, name, *p, "")
	}
	for name, p := range map[string]*float64{"noise-rate": &cfg.Params.NoiseRate, "prior-exponent": &cfg.Params.PriorExponent,
		"specificity": &cfg.Params.Specificity, "mu-per-mass": &cfg.Params.MuPerMass, "forgive": &cfg.Params.Forgive} {
		fs.Float64Var(p, name, *p, "")
	}
	fs.BoolVar(&cfg.Strict, "strict", false, "")
	fs.StringVar(&cfg.HeldOutHide, "held-out-hide", cfg.HeldOutHide, "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.Families, err = attribution.ParseFamilies(*families); err != nil {
		m.errorf("--families: %v", err)
		m.hintf(`run "rampart attribution eval -h" for the families`)
		return errUsage
	}
	if err := m.checkEvalFlags(fs, &cfg, *bundle); err != nil {
		return err
	}
	k, err := m.loadKnowledge(*bundle)
	if err != nil {
		return err
	}
	return m.evaluate(k, cfg, *writeCal)
}

// checkEvalFlags refuses flags that make no evaluation.
func (m *Main) checkEvalFlags(fs *flag.FlagSet, cfg *attribution.EvalConfig, bundle string) error {
	switch {
	case fs.NArg() > 0:
		return m.usagef("unexpected argument %q", fs.Arg(0))
	case bundle == "":
		return m.usagef("attribution eval needs --bundle FILE (ATT&CK Enterprise as a STIX bundle)")
	case cfg.Seed == cfg.CalibrationSeed:
		return m.usagef("--seed and --calibration-seed must differ (both %d): the calibration is fitted on one and measured on the other", cfg.Seed)
	case cfg.PerK < 1 || cfg.HeldOut < 0:
		return m.usagef("--per-k must be at least 1 and --held-out not negative")
	case cfg.HeldOutHide != attribution.HideAll && cfg.HeldOutHide != attribution.HideUses:
		return m.usagef("--held-out-hide must be all or uses (got %q)", cfg.HeldOutHide)
	case cfg.FamilyN < 1:
		return m.usagef("--family-n must be at least 1 (got %d)", cfg.FamilyN)
	case cfg.Params.NoiseRate < 0 || cfg.Params.NoiseRate >= 1:
		return m.usagef("--noise-rate must be in [0, 1) (got %v)", cfg.Params.NoiseRate)
	case cfg.Params.Forgive < 0 || cfg.Params.Forgive >= 1:
		return m.usagef("--forgive must be in [0, 1) (got %v)", cfg.Params.Forgive)
	}
	return nil
}

// evaluate runs the evaluation, prints its tables and a summary, and
// writes the calibration map to the file writeCal when it is given.
func (m *Main) evaluate(k *attribution.Knowledge, cfg attribution.EvalConfig, writeCal string) error {
	start := time.Now()
	line := progress.NewLine(m.Stderr)
	if line.Enabled() {
		cfg.Progress = func(stage string, done, total int) { line.Printf("evaluating: %s %d/%d", stage, done, total) }
	}
	rep, err := attribution.Evaluate(k, cfg)
	line.Clear()
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(m.Stdout); err != nil {
		return err
	}
	if writeCal != "" {
		if err := rep.WriteCalibration(writeCal); err != nil {
			return err
		}
	}
	s, c := rep.Headline()
	fmt.Fprintf(m.Stderr, "rampart: evaluated %d intrusion sets in %s: sampled k=5 top-1 %.1f %%, top-5 %.1f %%; campaigns top-1 %.1f %%, top-5 %.1f %%\n",
		rep.Sets, time.Since(start).Round(time.Second), 100*s.Top1.Value, 100*s.Top5.Value, 100*c.Top1.Value, 100*c.Top5.Value)
	return nil
}
