package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rampart-cti/rampart/attribution"
)

// The functions of this file rank intrusion sets and evaluate the ranking
// outside a node, over a knowledge read from a STIX bundle (ATT&CK
// Enterprise), as "rampart attribute" and "rampart attribution eval" do.
// What does not stop them (objects of the bundle that could not be used,
// query lines that are not queries) goes to a report function, one error
// each, as it is found.

// AttributeQuery is a ranking as "rampart attribute" asks for it: the
// knowledge in Bundle, and either one query (Techniques, Software) or a
// batch of them (Queries).
type AttributeQuery struct {
	Bundle string
	// Queries is a file of queries as JSON lines, "-" for Stdin.
	Queries string
	Stdin   io.Reader
	// Techniques and Software are the items of a single query,
	// comma-separated ATT&CK ids or names.
	Techniques, Software string
	// Limit is how many candidates a ranking holds; Evidence how many
	// pieces of evidence the text shows for each.
	Limit, Evidence int
	// Compare, when not 0, sets the best Compare candidates of a single
	// query side by side (an analysis of competing hypotheses) rather than
	// ranking them.
	Compare int
	// JSON writes a ranking or a comparison as a JSON line, as the API
	// gives it, rather than as text.
	JSON bool
}

// DefaultAttributeQuery returns the settings no flag changes: rankings of
// attribution.DefaultLimit candidates, with 8 pieces of evidence each.
func DefaultAttributeQuery() AttributeQuery {
	return AttributeQuery{Limit: attribution.DefaultLimit, Evidence: 8}
}

func (q *AttributeQuery) single() bool { return q.Techniques != "" || q.Software != "" }

// Check refuses a query that is neither one query nor a batch, or whose
// limits make no ranking; its errors are ConfigErrors named after the
// flags of "rampart attribute".
func (q *AttributeQuery) Check() error {
	const examples = `run "rampart attribute -h" for examples`
	switch {
	case q.Bundle == "":
		return &ConfigError{Msg: "attribute needs --bundle FILE (the knowledge, e.g. ATT&CK Enterprise)", Hint: examples}
	case q.single() && q.Queries != "":
		return configErrorf("--queries and --techniques/--software are alternatives: give one")
	case !q.single() && q.Queries == "":
		return &ConfigError{Msg: "attribute needs --queries FILE|- or --techniques/--software", Hint: examples}
	case q.Limit < 1:
		return configErrorf("--limit must be at least 1 (got %d)", q.Limit)
	case q.Compare != 0 && (q.Compare < 2 || q.Compare > 10):
		return configErrorf("--compare must be 2 to 10 (got %d)", q.Compare)
	case q.Compare != 0 && !q.single():
		return configErrorf("--compare needs a single query (--techniques/--software), not --queries")
	}
	return nil
}

// Attribute checks q, reads its knowledge and writes to w the ranking of
// its single query (attribution.Ranking.WriteText, or its JSON line), the
// comparison of its best candidates, or one JSON line per query of its
// batch (attribution.RankBatch). It returns Check's errors; "open bundle:
// …" and "open queries: …" for files that cannot be read; an error when no
// item of a query to compare is known evidence, or when lines of the
// batch were not queries (each was reported, and the batch went on).
func Attribute(ctx context.Context, q AttributeQuery, w io.Writer, report func(error)) error {
	if err := q.Check(); err != nil {
		return err
	}
	k, err := readKnowledge(q.Bundle, report)
	if err != nil {
		return err
	}
	e := attribution.NewEngine(k, attribution.Config{})
	if !q.single() {
		return attributeBatch(ctx, e, q, w, report)
	}
	aq := attribution.Query{Techniques: commaList(q.Techniques), Software: commaList(q.Software), Limit: q.Limit}
	if q.Compare > 0 {
		c := e.Compare(aq, q.Compare)
		switch {
		case c == nil:
			return errors.New("no item of the query is known evidence: there is nothing to compare")
		case q.JSON:
			return c.WriteJSONLine(w)
		}
		return c.WriteText(w)
	}
	if q.JSON {
		return e.Rank(aq).WriteJSONLine(w)
	}
	return e.Rank(aq).WriteText(w, q.Evidence)
}

// attributeBatch ranks each query of q's batch.
func attributeBatch(ctx context.Context, e *attribution.Engine, q AttributeQuery, w io.Writer, report func(error)) error {
	in := q.Stdin
	if q.Queries != "-" {
		f, err := os.Open(q.Queries)
		if err != nil {
			return fmt.Errorf("open queries: %v", err)
		}
		defer f.Close()
		in = f
	}
	st, err := attribution.RankBatch(ctx, e, in, q.Limit, w, func(qe *attribution.QueryError) { report(fmt.Errorf("queries: %w", qe)) })
	if err == nil && st.Invalid > 0 {
		return fmt.Errorf("%d of %d query lines were invalid", st.Invalid, st.Lines)
	}
	return err
}

// readKnowledge reads the bundle in the file path into a Knowledge,
// reporting the objects that could not be used without failing.
func readKnowledge(path string, report func(error)) (*attribution.Knowledge, error) {
	k, err := attribution.ReadKnowledgeFile(path)
	if le := (*attribution.LoadError)(nil); errors.As(err, &le) {
		report(fmt.Errorf("bundle %q: %d objects not used; first: %w", path, len(le.Errors), le.Errors[0]))
		return k, nil
	}
	return k, err
}

// AttributionEval is an evaluation of the attribution engine as
// "rampart attribution eval" runs it (attribution.Evaluate).
type AttributionEval struct {
	// Bundle holds the knowledge (ATT&CK Enterprise as a STIX bundle).
	Bundle string
	// Families lists the robustness families, comma-separated, or "all";
	// Check parses it into Config.Families.
	Families string
	Config   attribution.EvalConfig
	// WriteCalibration, when set, is the file the calibration map fitted
	// by the evaluation is written to.
	WriteCalibration string
}

// DefaultAttributionEval returns the evaluation of the published tables:
// every family, the default configuration and the engine's default
// weights.
func DefaultAttributionEval() AttributionEval {
	v := AttributionEval{Families: "all", Config: attribution.DefaultEvalConfig}
	v.Config.Params = attribution.DefaultParams
	return v
}

// Check parses the families and refuses settings that make no
// evaluation; its errors are ConfigErrors named after the flags of
// "rampart attribution eval".
func (v *AttributionEval) Check() error {
	c, p := &v.Config, v.Config.Params
	fams, err := attribution.ParseFamilies(v.Families)
	switch {
	case err != nil:
		return &ConfigError{Msg: fmt.Sprintf("--families: %v", err), Hint: `run "rampart attribution eval -h" for the families`}
	case v.Bundle == "":
		return configErrorf("attribution eval needs --bundle FILE (ATT&CK Enterprise as a STIX bundle)")
	case c.Seed == c.CalibrationSeed:
		return configErrorf("--seed and --calibration-seed must differ (both %d): the calibration is fitted on one and measured on the other", c.Seed)
	case c.PerK < 1 || c.HeldOut < 0:
		return configErrorf("--per-k must be at least 1 and --held-out not negative")
	case c.HeldOutHide != attribution.HideAll && c.HeldOutHide != attribution.HideUses:
		return configErrorf("--held-out-hide must be all or uses (got %q)", c.HeldOutHide)
	case c.FamilyN < 1:
		return configErrorf("--family-n must be at least 1 (got %d)", c.FamilyN)
	case p.NoiseRate < 0 || p.NoiseRate >= 1:
		return configErrorf("--noise-rate must be in [0, 1) (got %v)", p.NoiseRate)
	case p.Forgive < 0 || p.Forgive >= 1:
		return configErrorf("--forgive must be in [0, 1) (got %v)", p.Forgive)
	}
	c.Families = fams
	return nil
}

// EvaluateAttribution checks v, reads its knowledge (reporting the objects
// that could not be used) and runs the evaluation. It returns the report,
// which v.WriteReport writes; Check's errors and the bundle's.
func EvaluateAttribution(v AttributionEval, report func(error)) (*attribution.Report, error) {
	if err := v.Check(); err != nil {
		return nil, err
	}
	k, err := readKnowledge(v.Bundle, report)
	if err != nil {
		return nil, err
	}
	return attribution.Evaluate(k, v.Config)
}

// WriteReport writes the tables of rep to w as Markdown, then the
// calibration map it fitted to the file v.WriteCalibration when that is
// set; it returns the writer's error or "write calibration: …".
func (v AttributionEval) WriteReport(rep *attribution.Report, w io.Writer) error {
	if err := rep.WriteMarkdown(w); err != nil {
		return err
	}
	if v.WriteCalibration == "" {
		return nil
	}
	return rep.WriteCalibration(v.WriteCalibration)
}
