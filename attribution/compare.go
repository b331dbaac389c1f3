package attribution

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
)

// Consistency of one piece of evidence with one hypothesis, in the sense
// of an analysis of competing hypotheses (ACH).
type Consistency string

// Consistency values. Evidence is consistent with a hypothesis whose
// profile predicts it: a tie of weight 0.5 or more (its own uses, a
// campaign attributed to it, a set revoked in its favour), or any tie that
// makes the evidence at least twice as likely as the background (weight ≥
// ln 2). It is inconsistent when the hypothesis has no tie to it at all.
// Anything else (a weak tie through software, the hierarchy or an alias
// that does not make the evidence twice as likely) is neutral. How much a
// cell matters is its weight: under the noise model a missing item costs
// every hypothesis about the same, so an inconsistency weighs little
// unless other hypotheses explain the evidence (the row's diagnosticity).
const (
	Consistent   Consistency = "consistent"
	Inconsistent Consistency = "inconsistent"
	Neutral      Consistency = "neutral"
)

// consistencyBound is ln 2: the weight beyond which evidence is no longer
// neutral.
const consistencyBound = math.Ln2

func consistencyOf(w, tieWeight float64, matched bool) Consistency {
	switch {
	case matched && (tieWeight >= 0.5 || w >= consistencyBound):
		return Consistent
	case !matched:
		return Inconsistent
	}
	return Neutral
}

// Cell is one piece of evidence against one hypothesis.
type Cell struct {
	Consistency Consistency
	// Weight is the evidence's log-likelihood ratio under the hypothesis
	// (as in Contribution).
	Weight float64
	// Matched, Source and Via say how the hypothesis is tied to the
	// evidence, when it is.
	Matched bool
	Source  Source
	Via     *Entry
	// Noise is true when the hypothesis's ranking took the evidence for
	// noise (Params.Forgive): its Weight is then 0, its Consistency what
	// the tie alone says.
	Noise bool
}

// Row is one piece of evidence across every hypothesis.
type Row struct {
	Evidence Evidence
	// Cells hold one cell per hypothesis, in Comparison.Hypotheses order.
	Cells []Cell
	// Diagnosticity is the spread of the row's weights (largest minus
	// smallest): 0 for evidence every hypothesis explains alike, which
	// separates none of them however strong it looks.
	Diagnosticity float64
}

// Expected is evidence not observed that a hypothesis predicts, or that
// would separate two hypotheses if it were observed.
type Expected struct {
	Entry *Entry
	// For is the hypothesis the evidence would favour.
	For *Entry
	// Gain is how much observing it would move the log-odds between the
	// hypotheses compared (for Missing: its weight under the hypothesis).
	Gain float64
}

// Comparison is an analysis of competing hypotheses for one query: the
// best candidates side by side, every piece of evidence against each, the
// most discriminating evidence first, and the evidence that is missing.
type Comparison struct {
	Hypotheses []Candidate
	// Rows hold every piece of evidence, most diagnostic first.
	Rows []Row
	// Missing holds, per hypothesis, the evidence its profile predicts
	// most strongly and the query lacks (at most MaxExpected each).
	Missing [][]Expected
	// Separating is the unobserved evidence that would best separate the
	// first two hypotheses, for either of them (at most MaxExpected for
	// each side), the largest gain first.
	Separating []Expected
	// LogOddsMargin is the difference of the first two hypotheses' log
	// scores; under ln 3 the evidence does not separate them (Close).
	LogOddsMargin float64
	Close         bool
}

// MaxExpected bounds the evidence a Comparison lists as missing or
// separating, per hypothesis.
const MaxExpected = 5

// closeMargin is the log-odds margin (ln 3: the first hypothesis less
// than three times as likely as the second) under which two hypotheses
// are not separated.
var closeMargin = math.Log(3)

// Compare ranks the query as Rank does and sets its n best intrusion sets
// (2 ≤ n ≤ 10) side by side. It returns nil when the query holds no usable
// evidence.
func (e *Engine) Compare(q Query, n int) *Comparison {
	n = max(2, min(n, 10))
	ev, _ := e.resolve(q)
	if len(ev) == 0 {
		return nil
	}
	scores, post, camps, cpost := e.posteriors(ev)
	top := topN(scores, n)
	cmp := &Comparison{}
	for place, i := range top {
		c := e.candidate(e.groups, i, ev, scores[i], post[i])
		c.Place, c.Score = place+1, e.cal.Apply(post[i])
		c.Similar = e.similar(c.Entry, camps, cpost)
		cmp.Hypotheses = append(cmp.Hypotheses, c)
	}
	noise := make([]map[*Entry]bool, len(top))
	for j, i := range top {
		noise[j] = e.groups.forgiven(e.groups.cands[i], ev, e.params)
	}
	for _, x := range ev {
		row := Row{Evidence: x}
		lo, hi := math.Inf(1), math.Inf(-1)
		for j, i := range top {
			cell := e.cell(e.groups.cands[i], x, noise[j][x.Entry])
			row.Cells = append(row.Cells, cell)
			lo, hi = math.Min(lo, cell.Weight), math.Max(hi, cell.Weight)
		}
		row.Diagnosticity = hi - lo
		cmp.Rows = append(cmp.Rows, row)
	}
	sort.SliceStable(cmp.Rows, func(a, b int) bool { return cmp.Rows[a].Diagnosticity > cmp.Rows[b].Diagnosticity })
	observed := map[*Entry]bool{}
	for _, x := range ev {
		observed[x.Entry] = true
	}
	for _, i := range top {
		cmp.Missing = append(cmp.Missing, e.missing(e.groups.cands[i], observed))
	}
	if len(top) >= 2 {
		cmp.LogOddsMargin = scores[top[0]] - scores[top[1]]
		cmp.Close = cmp.LogOddsMargin < closeMargin
		cmp.Separating = e.separating(e.groups.cands[top[0]], e.groups.cands[top[1]], observed)
	}
	return cmp
}

// cell is evidence x against candidate c; noise when the candidate's
// ranking took it for noise (Params.Forgive).
func (e *Engine) cell(c *candidate, x Evidence, noise bool) Cell {
	v := vocabOfEntry(x.Entry)
	t, ok := c.profile[x.Entry]
	w := x.Weight * c.miss[v]
	if ok {
		w = x.Weight * c.tieLR(v, t.w, e.groups.bg[x.Entry], e.params)
	}
	cell := Cell{Weight: w, Consistency: consistencyOf(w, t.w, ok), Matched: ok, Noise: noise}
	if noise {
		cell.Weight = 0
	}
	if ok {
		cell.Source, cell.Via = t.src, t.via
	}
	return cell
}

// lrOf is what observing f would add to candidate c's log score.
func (e *Engine) lrOf(c *candidate, f *Entry) float64 {
	v := vocabOfEntry(f)
	if t, ok := c.profile[f]; ok {
		return c.tieLR(v, t.w, e.groups.bg[f], e.params)
	}
	return c.miss[v]
}

// missing returns the techniques and software c's profile predicts most
// strongly (own or campaign ties) that were not observed.
func (e *Engine) missing(c *candidate, observed map[*Entry]bool) []Expected {
	var out []Expected
	for f, t := range c.profile {
		if observed[f] || t.src > SourceAlias || f.Type == TypeIndicator || vocabOfEntry(f) > vocabSoftware {
			continue
		}
		out = append(out, Expected{Entry: f, For: c.entry, Gain: e.lrOf(c, f)})
	}
	sortExpected(out)
	return out[:min(MaxExpected, len(out))]
}

// separating returns the unobserved evidence whose observation would move
// the log-odds between a and b the most, up to MaxExpected for each.
func (e *Engine) separating(a, b *candidate, observed map[*Entry]bool) []Expected {
	var forA, forB []Expected
	seen := map[*Entry]bool{}
	for _, c := range []*candidate{a, b} {
		for f, t := range c.profile {
			if seen[f] || observed[f] || t.src > SourceAlias || f.Type == TypeIndicator || vocabOfEntry(f) > vocabSoftware {
				continue
			}
			seen[f] = true
			d := e.lrOf(a, f) - e.lrOf(b, f)
			switch {
			case d > 0:
				forA = append(forA, Expected{Entry: f, For: a.entry, Gain: d})
			case d < 0:
				forB = append(forB, Expected{Entry: f, For: b.entry, Gain: -d})
			}
		}
	}
	sortExpected(forA)
	sortExpected(forB)
	out := append(forA[:min(MaxExpected, len(forA))], forB[:min(MaxExpected, len(forB))]...)
	sortExpected(out)
	return out
}

func sortExpected(xs []Expected) {
	slices.SortFunc(xs, func(a, b Expected) int {
		switch {
		case a.Gain > b.Gain:
			return -1
		case a.Gain < b.Gain:
			return 1
		case a.Entry.ID < b.Entry.ID:
			return -1
		case a.Entry.ID > b.Entry.ID:
			return 1
		}
		return 0
	})
}

// WriteText writes the comparison for a person: the hypotheses, then a
// matrix of the evidence against each (C consistent, I inconsistent, N
// neutral, with the weight), the most diagnostic evidence first, then
// what each hypothesis predicts that was not observed and what would
// separate the first two. It returns the first write error.
func (c *Comparison) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Competing hypotheses (scores calibrated; weights are natural-log likelihood ratios):\n")
	for i, h := range c.Hypotheses {
		fmt.Fprintf(bw, "  H%d  %s  score %.2f\n", i+1, h.Entry.Label(), h.Score)
	}
	if c.Close {
		fmt.Fprintf(bw, "Undecided: H1 is only %.1f times as likely as H2.\n", math.Exp(c.LogOddsMargin))
	}
	fmt.Fprintf(bw, "\n%-44s", "evidence (most diagnostic first)")
	for i := range c.Hypotheses {
		fmt.Fprintf(bw, " %9s", fmt.Sprintf("H%d", i+1))
	}
	fmt.Fprintf(bw, "  diagnosticity\n")
	for _, r := range c.Rows {
		label := r.Evidence.Entry.Label()
		if r.Evidence.ImpliedBy != nil {
			label += " (via " + r.Evidence.ImpliedBy.ExternalID + ")"
		}
		if len(label) > 44 {
			label = label[:43] + "…"
		}
		fmt.Fprintf(bw, "%-44s", label)
		for _, cell := range r.Cells {
			fmt.Fprintf(bw, " %9s", fmt.Sprintf("%c %+.2f", strings.ToUpper(string(cell.Consistency))[0], cell.Weight))
		}
		fmt.Fprintf(bw, "  %.2f\n", r.Diagnosticity)
	}
	for i, ms := range c.Missing {
		if len(ms) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\nH%d %s predicts, not observed:\n", i+1, c.Hypotheses[i].Entry.Label())
		for _, x := range ms {
			fmt.Fprintf(bw, "  %+6.2f  %s\n", x.Gain, x.Entry.Label())
		}
	}
	if len(c.Separating) > 0 {
		fmt.Fprintln(bw)
		writeSeparating(bw, c.Separating)
	}
	return bw.Flush()
}

// ComparisonView is the JSON form of a Comparison, as the API and
// "rampart attribute --compare --json" return it and the console draws it:
// entries by STIX id, ATT&CK id and name, weights rounded to 4 decimals.
type ComparisonView struct {
	Hypotheses []HypothesisView `json:"hypotheses"`
	// Evidence holds one row per piece of evidence, most diagnostic
	// first; each row holds one cell per hypothesis, in order.
	Evidence   []RowView      `json:"evidence"`
	Separating []ExpectedView `json:"separating"`
	Undecided  bool           `json:"undecided"`
	Margin     float64        `json:"log_odds_margin"`
}

// HypothesisView is one hypothesis of a ComparisonView.
type HypothesisView struct {
	ID         string         `json:"id"`
	ExternalID string         `json:"external_id,omitempty"`
	Name       string         `json:"name"`
	Score      float64        `json:"score"`
	Posterior  float64        `json:"posterior"`
	Missing    []ExpectedView `json:"missing"`
}

// RowView is one piece of evidence of a ComparisonView.
type RowView struct {
	ID            string     `json:"id"`
	ExternalID    string     `json:"external_id,omitempty"`
	Name          string     `json:"name"`
	Weight        float64    `json:"weight"`
	ImpliedBy     string     `json:"implied_by,omitempty"`
	Diagnosticity float64    `json:"diagnosticity"`
	Cells         []CellView `json:"cells"`
}

// CellView is one piece of evidence against one hypothesis.
type CellView struct {
	Consistency Consistency `json:"consistency"`
	Weight      float64     `json:"weight"`
	Source      string      `json:"source,omitempty"`
	Via         string      `json:"via,omitempty"`
	// Noise: the hypothesis's ranking took this evidence for noise.
	Noise bool `json:"noise,omitempty"`
}

// ExpectedView is evidence not observed: missing under a hypothesis, or
// separating two.
type ExpectedView struct {
	ID         string  `json:"id"`
	ExternalID string  `json:"external_id,omitempty"`
	Name       string  `json:"name"`
	For        string  `json:"for"`
	Gain       float64 `json:"gain"`
}

// NewComparisonView returns the JSON form of c.
func NewComparisonView(c *Comparison) ComparisonView {
	r4 := func(x float64) float64 { return math.Round(x*1e4) / 1e4 }
	exp := func(xs []Expected) []ExpectedView {
		out := []ExpectedView{}
		for _, x := range xs {
			out = append(out, ExpectedView{ID: x.Entry.ID, ExternalID: x.Entry.ExternalID, Name: x.Entry.Name, For: x.For.ID, Gain: r4(x.Gain)})
		}
		return out
	}
	v := ComparisonView{Hypotheses: []HypothesisView{}, Evidence: []RowView{}, Separating: exp(c.Separating), Undecided: c.Close, Margin: r4(c.LogOddsMargin)}
	for i, h := range c.Hypotheses {
		v.Hypotheses = append(v.Hypotheses, HypothesisView{ID: h.Entry.ID, ExternalID: h.Entry.ExternalID, Name: h.Entry.Name,
			Score: r4(h.Score), Posterior: r4(h.Posterior), Missing: exp(c.Missing[i])})
	}
	for _, r := range c.Rows {
		rv := RowView{ID: r.Evidence.Entry.ID, ExternalID: r.Evidence.Entry.ExternalID, Name: r.Evidence.Entry.Name,
			Weight: r4(r.Evidence.Weight), Diagnosticity: r4(r.Diagnosticity), Cells: []CellView{}}
		if r.Evidence.ImpliedBy != nil {
			rv.ImpliedBy = r.Evidence.ImpliedBy.ID
		}
		for _, cell := range r.Cells {
			cv := CellView{Consistency: cell.Consistency, Weight: r4(cell.Weight), Noise: cell.Noise}
			if cell.Matched {
				cv.Source = cell.Source.String()
			}
			if cell.Via != nil {
				cv.Via = cell.Via.Label()
			}
			rv.Cells = append(rv.Cells, cv)
		}
		v.Evidence = append(v.Evidence, rv)
	}
	return v
}
