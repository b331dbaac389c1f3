package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	json "encoding/json/v2"

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
		return m.compare(e, q, f.compare, f.asJSON)
	}
	r := e.Rank(q)
	if f.asJSON {
		return writeRankingLine(m.Stdout, r)
	}
	return r.WriteText(m.Stdout, f.evidence)
}

// compare prints the analysis of competing hypotheses for one query, as
// text or as the JSON the API returns.
func (m *Main) compare(e *attribution.Engine, q attribution.Query, n int, asJSON bool) error {
	c := e.Compare(q, n)
	if c == nil {
		m.errorf("no item of the query is known evidence: there is nothing to compare")
		return errReported
	}
	if !asJSON {
		return c.WriteText(m.Stdout)
	}
	b, err := json.Marshal(attribution.NewComparisonView(c), json.Deterministic(true))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(m.Stdout, "%s\n", b)
	return err
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
// ("-" for standard input), with limit candidates unless the query says;
// a line that is not a query gives an error line and the batch goes on.
func (m *Main) attributeBatch(ctx context.Context, e *attribution.Engine, queries string, limit int) error {
	in, err := m.openInput(queries)
	if err != nil {
		return fmt.Errorf("open queries: %v", err)
	}
	defer in.Close()
	qr := attribution.NewQueryReader(in)
	bad := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		q, err := qr.Next()
		if err == io.EOF {
			break
		}
		var qe *attribution.QueryError
		if errors.As(err, &qe) {
			bad++
			m.errorf("queries: %v", qe)
			line, _ := json.Marshal(struct {
				ID    string `json:"id"`
				Error string `json:"error"`
			}{qe.ID, qe.Err.Error()})
			if _, err := fmt.Fprintf(m.Stdout, "%s\n", line); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read queries: %v", err)
		}
		if q.Limit == 0 {
			q.Limit = limit
		}
		if err := writeRankingLine(m.Stdout, e.Rank(q)); err != nil {
			return err
		}
	}
	if bad > 0 {
		m.errorf("%d of %d query lines were invalid", bad, qr.Line())
		return errReported
	}
	return nil
}

// rankingLine is the JSON line of one ranking in batch mode.
type rankingLine struct {
	ID         string          `json:"id"`
	Candidates []candidateLine `json:"candidates"`
	Abstained  bool            `json:"abstained,omitempty"`
	Undecided  bool            `json:"undecided,omitzero"`
	Reason     string          `json:"reason,omitempty"`
	Notes      []noteLine      `json:"notes,omitempty"`
}

type candidateLine struct {
	ID         string  `json:"id"`
	ExternalID string  `json:"external_id,omitempty"`
	Name       string  `json:"name"`
	Score      float64 `json:"score"`
}

type noteLine struct {
	Ref    string `json:"ref,omitempty"`
	Reason string `json:"reason"`
}

func writeRankingLine(w io.Writer, r *attribution.Ranking) error {
	l := rankingLine{ID: r.QueryID, Candidates: []candidateLine{}, Abstained: r.Abstained, Undecided: r.Close, Reason: r.Reason}
	for _, c := range r.Candidates {
		l.Candidates = append(l.Candidates, candidateLine{
			ID: c.Entry.ID, ExternalID: c.Entry.ExternalID, Name: c.Entry.Name,
			Score: float64(int(c.Score*1e4+0.5)) / 1e4,
		})
	}
	for _, n := range r.Notes {
		l.Notes = append(l.Notes, noteLine{n.Ref, n.Reason})
	}
	b, err := json.Marshal(l, json.Deterministic(true))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// loadKnowledge reads a bundle into a Knowledge, reporting objects that
// could not be used on stderr without failing.
func (m *Main) loadKnowledge(path string) (*attribution.Knowledge, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %v", err)
	}
	defer f.Close()
	k, err := attribution.ReadKnowledge(f, nil)
	var le *attribution.LoadError
	if errors.As(err, &le) {
		m.errorf("bundle %q: %d objects not used; first: %v", path, len(le.Errors), le.Errors[0])
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %v", path, err)
	}
	return k, nil
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
	bundle := fs.String("bundle", "", "")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "")
	fs.Uint64Var(&cfg.CalibrationSeed, "calibration-seed", cfg.CalibrationSeed, "")
	fs.IntVar(&cfg.PerK, "per-k", cfg.PerK, "")
	fs.IntVar(&cfg.HeldOut, "held-out", cfg.HeldOut, "")
	fs.BoolVar(&cfg.Strict, "strict", false, "")
	fs.StringVar(&cfg.HeldOutHide, "held-out-hide", cfg.HeldOutHide, "")
	families := fs.String("families", "all", "")
	fs.IntVar(&cfg.FamilyN, "family-n", cfg.FamilyN, "")
	cfg.Params = attribution.DefaultParams
	fs.Float64Var(&cfg.Params.NoiseRate, "noise-rate", cfg.Params.NoiseRate, "")
	fs.Float64Var(&cfg.Params.PriorExponent, "prior-exponent", cfg.Params.PriorExponent, "")
	fs.Float64Var(&cfg.Params.Specificity, "specificity", cfg.Params.Specificity, "")
	fs.Float64Var(&cfg.Params.MuPerMass, "mu-per-mass", cfg.Params.MuPerMass, "")
	writeCal := fs.String("write-calibration", "", "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	fams, err := attribution.FindFamilies(splitFamilies(*families))
	if err != nil {
		m.errorf("--families: %v", err)
		m.hintf(`run "rampart attribution eval -h" for the families`)
		return errUsage
	}
	cfg.Families = fams
	switch {
	case fs.NArg() > 0:
		return m.usagef("unexpected argument %q", fs.Arg(0))
	case *bundle == "":
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
	}
	k, err := m.loadKnowledge(*bundle)
	if err != nil {
		return err
	}
	return m.evaluate(k, cfg, *writeCal)
}

// evaluate runs the evaluation, prints its tables and a summary, and
// writes the calibration map to the file writeCal when it is given.
func (m *Main) evaluate(k *attribution.Knowledge, cfg attribution.EvalConfig, writeCal string) error {
	start := time.Now()
	line := progress.NewLine(m.Stderr)
	if line.Enabled() {
		cfg.Progress = func(stage string, done, total int) {
			line.Printf("evaluating: %s %d/%d", stage, done, total)
		}
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
		b, err := rep.Calibration.MarshalJSON()
		if err != nil {
			return err
		}
		if err := os.WriteFile(writeCal, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write calibration: %v", err)
		}
	}
	c := rep.Campaigns.Method(attribution.MethodRampart)
	s := rep.Sampled[0].Method(attribution.MethodRampart)
	for i, kk := range cfg.Ks {
		if kk == 5 {
			s = rep.Sampled[i].Method(attribution.MethodRampart)
		}
	}
	fmt.Fprintf(m.Stderr, "rampart: evaluated %d intrusion sets in %s: sampled k=5 top-1 %.1f %%, top-5 %.1f %%; campaigns top-1 %.1f %%, top-5 %.1f %%\n",
		rep.Sets, time.Since(start).Round(time.Second), 100*s.Top1.Value, 100*s.Top5.Value, 100*c.Top1.Value, 100*c.Top5.Value)
	return nil
}

// splitFamilies splits a --families list on commas that are followed by a
// letter starting a new name: family names themselves hold ", " ("campaigns,
// all hidden"), so a comma followed by a space stays inside a name.
func splitFamilies(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && (i+1 == len(s) || s[i+1] != ' ') {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
