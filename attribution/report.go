package attribution

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as the Markdown tables of
// docs/ATTRIBUTION.md: accuracy with 95 % intervals per regime and method,
// the campaigns one by one, and the reliability diagrams. It returns the
// first write error.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	c := r.Config
	fmt.Fprintf(bw, "Seeds: evaluation %d, calibration %d. %d intrusion sets ranked. Sampled incidents: %d per k, %d noise techniques from the %d most used. Held-out: %d incidents of %d techniques, %d of them hidden from the engine. Intervals: Wilson 95 %% for rates, bootstrap 95 %% (2000 resamples) for MRR.\n\n",
		c.Seed, c.CalibrationSeed, r.Sets, c.PerK, c.Noise, c.NoisePool, c.HeldOut, c.HeldOutK, c.HeldOutHidden)

	fmt.Fprintf(bw, "### Sampled incidents, top-1 and top-5 by k (%%)\n\n")
	fmt.Fprintf(bw, "| k | %s |\n|---|%s\n", strings.Join(Methods, " | "), strings.Repeat("---|", len(Methods)))
	for i, s := range r.Sampled {
		fmt.Fprintf(bw, "| %d |", c.Ks[i])
		for _, m := range Methods {
			x := s.Method(m)
			fmt.Fprintf(bw, " %.1f / %.1f |", 100*x.Top1.Value, 100*x.Top5.Value)
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw)
	for i, s := range r.Sampled {
		if c.Ks[i] == 5 {
			writeRegime(bw, s)
		}
	}
	writeRegime(bw, r.HeldOut)
	writeLeak(bw, r.Leak, c.HeldOutHide)
	writeRegime(bw, r.Campaigns)
	writeRegime(bw, r.StrictCampaigns)

	fmt.Fprintf(bw, "### Campaigns one by one\n\n")
	fmt.Fprintf(bw, "Rank of the attributed set (expected rank under random tie-breaking); the engine's best candidate and its calibrated score.\n\n")
	fmt.Fprintf(bw, "| campaign | attributed to | techniques | software | rampart | tfidf | tfidf+software | engine's best | score |\n|---|---|---:|---:|---:|---:|---:|---|---:|\n")
	for _, pc := range r.PerCampaign {
		var truth []string
		for _, t := range pc.Truth {
			truth = append(truth, t.ExternalID)
		}
		top := ""
		if pc.Top != nil {
			top = pc.Top.Label()
		}
		fmt.Fprintf(bw, "| %s | %s | %d | %d | %s | %s | %s | %s | %.2f |\n", pc.Campaign.Label(), strings.Join(truth, ", "),
			pc.Techniques, pc.Software, fmtRank(pc.Rank[MethodRampart]), fmtRank(pc.Rank[MethodTFIDF]), fmtRank(pc.Rank[MethodTFIDFSoftware]), top, pc.Score)
	}
	fmt.Fprintln(bw)

	writeFamilies(bw, r.Families, c)

	fmt.Fprintf(bw, "### Reliability of the calibrated score\n\n")
	fmt.Fprintf(bw, "Top-10 candidates of every incident of the evaluation seed, binned by calibrated score. The map was fitted on the calibration seed (%d points).\n\n", len(r.Calibration.X))
	for _, regime := range []string{"sampled", "held-out", "campaigns"} {
		bins := r.Reliability[regime]
		fmt.Fprintf(bw, "**%s** (expected calibration error %.3f)\n\n| score | candidates | mean score | right |\n|---|---:|---:|---:|\n", regime, r.ECE[regime])
		for _, b := range bins {
			if b.N == 0 {
				fmt.Fprintf(bw, "| %.1f–%.1f | 0 | | |\n", b.Low, b.High)
				continue
			}
			fmt.Fprintf(bw, "| %.1f–%.1f | %d | %.3f | %.3f |\n", b.Low, b.High, b.N, b.MeanScore, b.Accuracy)
		}
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}

func fmtRank(x float64) string {
	if x == float64(int(x)) {
		return fmt.Sprintf("%d", int(x))
	}
	return fmt.Sprintf("%.1f", x)
}

func writeRegime(w io.Writer, s RegimeResult) {
	fmt.Fprintf(w, "### %s (n = %d)\n\n", s.Name, s.N)
	fmt.Fprintf(w, "| method | top-1 %% | top-3 %% | top-5 %% | top-10 %% | MRR |\n|---|---|---|---|---|---|\n")
	for _, m := range s.Methods {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.3f [%.3f–%.3f] |\n", m.Method, m.Top1, m.Top3, m.Top5, m.Top10, m.MRR.Value, m.MRR.Low, m.MRR.High)
	}
	fmt.Fprintf(w, "\nThe engine abstained on %.1f %% of these incidents; on the others its top-1 accuracy is %.1f %%.\n\n", 100*s.Abstained, 100*s.AnsweredTop1)
}

// writeLeak writes what the held-out regime hides and what would have come
// back had only the uses relationships been removed.
func writeLeak(w io.Writer, l Leak, regime string) {
	if l.Pairs == 0 {
		return
	}
	fmt.Fprintf(w, "Hidden (set, technique) pairs: %d. Regime %q: %d of them still tied to their set when ranked.\n", l.Pairs, regime, l.Remaining)
	total := 0
	for _, n := range l.UsesOnly {
		total += n
	}
	fmt.Fprintf(w, "Had only the set's uses relationships been removed, %d (%.1f %%) would still be tied, by the strongest path:", total, 100*float64(total)/float64(l.Pairs))
	for s := SourceDirect; s <= SourceTargets; s++ {
		if n := l.UsesOnly[s]; n > 0 {
			fmt.Fprintf(w, " %s %d;", s, n)
		}
	}
	fmt.Fprintf(w, "\n\n")
}

// writeFamilies writes the robustness families: the engine's top-1 and
// top-5 with 95 %% intervals, its MRR, the best baseline's top-1, and the
// calibration error of its score.
func writeFamilies(w io.Writer, fs []FamilyResult, c EvalConfig) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "### Robustness families (seed %d, %d incidents per sampled family)\n\n", c.Seed, c.FamilyN)
	fmt.Fprintf(w, "| family | n | top-1 %% | top-5 %% | MRR | tfidf+software top-1 %% | abstained %% | ECE |\n|---|---:|---|---|---|---|---:|---:|\n")
	for _, f := range fs {
		m := f.Regime.Method(MethodRampart)
		b := f.Regime.Method(MethodTFIDFSoftware)
		fmt.Fprintf(w, "| %s | %d | %s | %s | %.3f | %.1f | %.1f | %.3f |\n", f.Family.Name, f.Regime.N, m.Top1, m.Top5, m.MRR.Value, 100*b.Top1.Value, 100*f.Regime.Abstained, f.ECE)
	}
	fmt.Fprintln(w)
}
