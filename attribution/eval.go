package attribution

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// EvalConfig configures Evaluate. Every random choice is drawn from the
// seeds, so a configuration reproduces its report exactly.
type EvalConfig struct {
	// Seed drives the evaluation's sampled and held-out incidents.
	Seed uint64
	// CalibrationSeed drives the incidents the calibration map is fitted
	// on; it must differ from Seed.
	CalibrationSeed uint64
	// Ks are the numbers of techniques sampled from a group per incident.
	Ks []int
	// PerK is the number of sampled incidents for each k.
	PerK int
	// Noise is the number of noise techniques added to each sampled
	// incident, drawn from the NoisePool techniques most intrusion sets
	// use.
	Noise, NoisePool int
	// HeldOut is the number of held-out incidents: HeldOutK techniques of a
	// group, of which HeldOutHidden are hidden from the engine before it
	// ranks them (new to it, as much of a campaign is), plus Noise.
	HeldOut, HeldOutK, HeldOutHidden int
	// HeldOutHide says what hiding a technique hides: HideAll (the
	// default, every path) or HideUses (the set's uses relationships
	// only).
	HeldOutHide string
	// Strict also hides, when a campaign is evaluated, every relationship
	// of its intrusion sets whose citations all appear among the
	// campaign's own (profile entries that may rest on the campaign's
	// reports alone).
	Strict bool
	// Families are the robustness families evaluated, FamilyN incidents
	// each (campaign families hold every attributed campaign).
	Families []Family
	FamilyN  int
	// Params are the engine's weights; zero means DefaultParams.
	Params Params
	// Progress, when set, is called as incidents are ranked.
	Progress func(stage string, done, total int)
}

// DefaultEvalConfig is the configuration of the published tables.
var DefaultEvalConfig = EvalConfig{
	Seed:            1,
	CalibrationSeed: 2,
	Ks:              []int{1, 2, 3, 5, 10, 15, 20},
	PerK:            300,
	Noise:           2,
	NoisePool:       20,
	HeldOut:         300,
	HeldOutK:        10,
	HeldOutHidden:   5,
	HeldOutHide:     HideAll,
	Families:        DefaultFamilies,
	FamilyN:         300,
}

// Rate is a proportion (or a mean) with its 95 % confidence interval.
type Rate struct {
	Value, Low, High float64
}

func (r Rate) String() string {
	return fmt.Sprintf("%.1f [%.1f–%.1f]", 100*r.Value, 100*r.Low, 100*r.High)
}

// MethodResult is one method's accuracy on one set of incidents: the
// share with the right intrusion set in the top 1, 3, 5 and 10 (Wilson
// intervals) and the mean reciprocal rank (bootstrap interval). Ties are
// broken at random in expectation.
type MethodResult struct {
	Method string
	Top1   Rate
	Top3   Rate
	Top5   Rate
	Top10  Rate
	MRR    Rate
}

// RegimeResult is the accuracy of every method on one set of incidents.
type RegimeResult struct {
	Name    string
	N       int
	Methods []MethodResult
	// Abstained is the share of incidents the engine abstained on, and
	// AnsweredTop1 its top-1 accuracy on the others.
	Abstained, AnsweredTop1 float64
}

// Method returns the result of the named method.
func (r *RegimeResult) Method(name string) MethodResult {
	for _, m := range r.Methods {
		if m.Method == name {
			return m
		}
	}
	return MethodResult{Method: name}
}

// CampaignResult is the outcome of one campaign for the engine.
type CampaignResult struct {
	Campaign *Entry
	Truth    []*Entry
	// Evidence counts the techniques and software of the query.
	Techniques, Software int
	// Rank is the (expected) rank of the best-ranked attributed set, per
	// method.
	Rank map[string]float64
	// Top is the engine's best candidate and its calibrated score.
	Top   *Entry
	Score float64
}

// Bin is one row of a reliability diagram.
type Bin struct {
	Low, High float64
	N         int
	// MeanScore is the mean calibrated score and Accuracy the share of
	// right candidates in the bin.
	MeanScore, Accuracy float64
}

// Report is the evaluation's outcome.
type Report struct {
	Config  EvalConfig
	Sets    int // intrusion sets ranked
	Sampled []RegimeResult
	HeldOut RegimeResult
	// Leak counts what the held-out incidents' hidden ties would keep
	// under HideUses, and keep under the regime evaluated.
	Leak      Leak
	Campaigns RegimeResult
	// StrictCampaigns is the campaign evaluation with Strict hiding, when
	// Config.Strict is false it is still computed, for comparison.
	StrictCampaigns RegimeResult
	PerCampaign     []CampaignResult
	// Calibration is the map fitted on CalibrationSeed; Reliability the
	// diagrams of the evaluation's incidents under it, by regime.
	Calibration *Calibration
	Reliability map[string][]Bin
	// ECE is the expected calibration error per regime.
	ECE map[string]float64
	// Families are the robustness families, in Config.Families order.
	Families []FamilyResult
}

// incident is one evaluation query with the intrusion sets that are right.
type incident struct {
	query   Query
	truth   []*Entry
	exclude map[string]bool     // hidden from the engine for this incident
	hide    map[string][]string // ties hidden from the engine (Config.HideTies)
	hidden  []*Entry            // held-out: the techniques hidden from truth[0]
	// shared names an engine the evaluator keeps for every incident with
	// the same hiding ("" builds one per incident).
	shared string
}

// outcome is what one method did on one incident.
type outcome struct {
	hits [4]float64 // expected top-1, 3, 5, 10
	rr   float64
	rank float64
}

var topKs = [4]int{1, 3, 5, 10}

// rankOutcome scores the truth's position, with ties broken at random in
// expectation: the best truth has g candidates above and t level with it.
func rankOutcome(scores []float64, truth []int) outcome {
	best := -1
	for _, i := range truth {
		if best < 0 || scores[i] > scores[best] {
			best = i
		}
	}
	if best < 0 {
		return outcome{rank: float64(len(scores) + 1)}
	}
	s := scores[best]
	g, t := 0, 0
	for i, x := range scores {
		switch {
		case i == best:
		case x > s:
			g++
		case x == s:
			t++
		}
	}
	var o outcome
	for j, k := range topKs {
		o.hits[j] = math.Min(1, math.Max(0, float64(k-g)/float64(t+1)))
	}
	for j := 0; j <= t; j++ {
		o.rr += 1 / float64(g+1+j) / float64(t+1)
	}
	o.rank = float64(g+1) + float64(t)/2
	return o
}

// evaluator ranks incidents with every method, reusing one engine for
// incidents that hide nothing.
type evaluator struct {
	k      *Knowledge
	cfg    EvalConfig
	cal    *Calibration
	base   *Engine
	baseBL *baselines
	shared map[string]sharedEngine
	// usesRel maps (source, target) to the uses relationship's id.
	usesRel map[[2]string]string
}

type sharedEngine struct {
	e  *Engine
	bl *baselines
}

type scored struct {
	outcomes map[string]outcome
	// post and right are the engine's top-10 posteriors and whether each
	// was right, for calibration.
	post      []float64
	right     []bool
	abstained bool
	top       *Entry
	topScore  float64
}

func (ev *evaluator) engine(in incident) (*Engine, *baselines) {
	if len(in.exclude) == 0 && len(in.hide) == 0 {
		return ev.base, ev.baseBL
	}
	if s, ok := ev.shared[in.shared]; ok && in.shared != "" {
		return s.e, s.bl
	}
	e := NewEngine(ev.k, Config{Params: ev.cfg.Params, Exclude: in.exclude, HideTies: in.hide, Calibration: ev.cal})
	bl := newBaselines(e)
	if in.shared != "" {
		if ev.shared == nil {
			ev.shared = map[string]sharedEngine{}
		}
		ev.shared[in.shared] = sharedEngine{e, bl}
	}
	return e, bl
}

func (ev *evaluator) run(in incident) scored {
	s, _ := ev.runWith(in)
	return s
}

// runWith is run, returning also the engine that ranked the incident.
func (ev *evaluator) runWith(in incident) (scored, *Engine) {
	e, bl := ev.engine(in)
	evd, _ := e.resolve(in.query)
	var truth []int
	for i, c := range e.groups.cands {
		if slices.Contains(in.truth, c.entry) {
			truth = append(truth, i)
		}
	}
	out := scored{outcomes: map[string]outcome{}}
	s, post, _, _ := e.posteriors(evd)
	out.outcomes[MethodRampart] = rankOutcome(s, truth)
	for _, m := range Methods[1:] {
		out.outcomes[m] = rankOutcome(bl.score(m, evd), truth)
	}
	for j, i := range topN(s, 10) {
		out.post = append(out.post, post[i])
		out.right = append(out.right, slices.Contains(truth, i))
		if j == 0 {
			out.top = e.groups.cands[i].entry
			out.topScore = ev.cal.Apply(post[i])
		}
	}
	out.abstained = len(evd) == 0 || out.topScore < DefaultAbstainBelow
	return out, e
}

// Evaluate runs the evaluation harness over the knowledge k (ATT&CK
// Enterprise for the published tables): sampled incidents for each k,
// held-out incidents, and ATT&CK campaigns attributed with the campaign
// and its relationships hidden. It fits the calibration map on incidents
// drawn from CalibrationSeed and measures it on those of Seed. It returns
// an error when the configuration is unusable (equal seeds, no k).
func Evaluate(k *Knowledge, cfg EvalConfig) (*Report, error) {
	if cfg.Seed == cfg.CalibrationSeed {
		return nil, fmt.Errorf("evaluation seed and calibration seed must differ (both %d)", cfg.Seed)
	}
	if len(cfg.Ks) == 0 || cfg.PerK <= 0 {
		return nil, fmt.Errorf("evaluation needs at least one k and PerK > 0")
	}
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams
	}
	for _, f := range cfg.Families {
		if err := f.check(); err != nil {
			return nil, err
		}
	}
	if len(cfg.Families) > 0 && cfg.FamilyN < 1 {
		return nil, fmt.Errorf("evaluation families need FamilyN > 0 (got %d)", cfg.FamilyN)
	}
	switch cfg.HeldOutHide {
	case "":
		cfg.HeldOutHide = HideAll
	case HideAll, HideUses:
	default:
		return nil, fmt.Errorf("held-out regime must be %q or %q (got %q)", HideAll, HideUses, cfg.HeldOutHide)
	}
	ev := &evaluator{k: k, cfg: cfg}
	ev.base = NewEngine(k, Config{Params: cfg.Params})
	ev.baseBL = newBaselines(ev.base)
	rep := &Report{Config: cfg, Sets: len(ev.base.groups.cands), Reliability: map[string][]Bin{}, ECE: map[string]float64{}}

	// Fit the calibration map on the calibration seed's incidents.
	var post []float64
	var right []bool
	ev.cal = &Calibration{X: []float64{0, 1}, Y: []float64{0, 1}}
	calIn := ev.sampled(cfg.CalibrationSeed)
	calIn = append(calIn, ev.heldOut(cfg.CalibrationSeed)...)
	for i, in := range calIn {
		s := ev.run(in)
		post = append(post, s.post...)
		right = append(right, s.right...)
		ev.progress("calibration", i+1, len(calIn))
	}
	ev.cal = FitCalibration(post, right, 50, fmt.Sprintf("rampart attribution eval, calibration seed %d, %d sampled and %d held-out incidents over %d intrusion sets", cfg.CalibrationSeed, len(calIn)-cfg.HeldOut, cfg.HeldOut, rep.Sets))
	ev.base = NewEngine(k, Config{Params: cfg.Params, Calibration: ev.cal})
	ev.baseBL = newBaselines(ev.base)
	ev.shared = nil
	rep.Calibration = ev.cal

	// Sampled incidents, per k.
	var relSampled []scored
	for _, kk := range cfg.Ks {
		ins := ev.sampledK(cfg.Seed, kk)
		var ss []scored
		for j, in := range ins {
			ss = append(ss, ev.run(in))
			ev.progress(fmt.Sprintf("sampled k=%d", kk), j+1, len(ins))
		}
		relSampled = append(relSampled, ss...)
		rep.Sampled = append(rep.Sampled, summarize(fmt.Sprintf("sampled k=%d + %d noise", kk, cfg.Noise), ss, cfg.Seed))
	}
	rep.Reliability["sampled"], rep.ECE["sampled"] = reliability(relSampled, ev.cal)

	var ho []scored
	hoIn := ev.heldOut(cfg.Seed)
	rep.Leak.UsesOnly = map[Source]int{}
	for j, in := range hoIn {
		s, e := ev.runWith(in)
		ho = append(ho, s)
		ev.countLeak(&rep.Leak, in, e)
		ev.progress("held-out", j+1, len(hoIn))
	}
	rep.HeldOut = summarize(fmt.Sprintf("held-out k=%d (%d hidden, %s paths) + %d noise", cfg.HeldOutK, cfg.HeldOutHidden, cfg.HeldOutHide, cfg.Noise), ho, cfg.Seed)
	rep.Reliability["held-out"], rep.ECE["held-out"] = reliability(ho, ev.cal)

	for _, strict := range []bool{false, true} {
		var cs []scored
		ins := ev.campaigns(strict)
		for j, in := range ins {
			s := ev.run(in)
			cs = append(cs, s)
			ev.progress("campaigns", j+1, len(ins))
			if strict == cfg.Strict {
				cr := CampaignResult{Truth: in.truth, Rank: map[string]float64{}, Top: s.top, Score: s.topScore,
					Techniques: len(in.query.Techniques), Software: len(in.query.Software)}
				cr.Campaign = k.Entry(in.query.ID)
				for m, o := range s.outcomes {
					cr.Rank[m] = o.rank
				}
				rep.PerCampaign = append(rep.PerCampaign, cr)
			}
		}
		name := "campaigns"
		if strict {
			name = "campaigns (strict hiding)"
		}
		r := summarize(name, cs, cfg.Seed)
		if strict {
			rep.StrictCampaigns = r
		} else {
			rep.Campaigns = r
		}
		if strict == cfg.Strict {
			rep.Reliability["campaigns"], rep.ECE["campaigns"] = reliability(cs, ev.cal)
		}
	}
	fams, err := ev.families(cfg.Seed)
	if err != nil {
		return nil, err
	}
	rep.Families = fams
	return rep, nil
}

func (ev *evaluator) progress(stage string, done, total int) {
	if ev.cfg.Progress != nil {
		ev.cfg.Progress(stage, done, total)
	}
}

// directTechniques returns the techniques a candidate uses directly, in id
// order.
func directTechniques(c *candidate) []*Entry {
	var ts []*Entry
	for f, t := range c.profile {
		if f.Type == TypeTechnique && t.src == SourceDirect {
			ts = append(ts, f)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
	return ts
}

// noisePool returns the NoisePool techniques the most intrusion sets use
// directly.
func (ev *evaluator) noisePool() []*Entry { return ev.noisePoolN(ev.cfg.NoisePool) }

// noisePoolN returns the n techniques the most intrusion sets use
// directly, most used first.
func (ev *evaluator) noisePoolN(n int) []*Entry {
	count := map[*Entry]int{}
	for _, c := range ev.base.groups.cands {
		for _, t := range directTechniques(c) {
			count[t]++
		}
	}
	var ts []*Entry
	for t := range count {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool {
		if count[ts[i]] != count[ts[j]] {
			return count[ts[i]] > count[ts[j]]
		}
		return ts[i].ID < ts[j].ID
	})
	return ts[:min(n, len(ts))]
}

// sampleIncident draws k of the group's techniques and the noise.
func (ev *evaluator) sampleIncident(rng *rand.Rand, c *candidate, k int, pool []*Entry) (Query, []*Entry) {
	ts := directTechniques(c)
	rng.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
	picked := ts[:k]
	q := Query{ID: c.entry.ExternalID}
	for _, t := range picked {
		q.Techniques = append(q.Techniques, t.ID)
	}
	noise := slices.Clone(pool)
	rng.Shuffle(len(noise), func(i, j int) { noise[i], noise[j] = noise[j], noise[i] })
	added := 0
	for _, t := range noise {
		if added == ev.cfg.Noise {
			break
		}
		if !slices.Contains(picked, t) {
			q.Techniques = append(q.Techniques, t.ID)
			added++
		}
	}
	return q, picked
}

// sampled draws PerK incidents for each k: a group chosen uniformly among
// the active sets with at least k techniques, k of its techniques, and
// the noise. Group profiles keep the sampled techniques (the easy regime).
func (ev *evaluator) sampled(seed uint64) []incident {
	var out []incident
	for _, k := range ev.cfg.Ks {
		out = append(out, ev.sampledK(seed, k)...)
	}
	return out
}

// sampledK draws the PerK sampled incidents of one k, from a generator of
// its own so that each k's incidents depend only on the seed and k.
func (ev *evaluator) sampledK(seed uint64, k int) []incident {
	rng := rand.New(rand.NewPCG(seed, 0x5a3d0000+uint64(k)))
	pool := ev.noisePool()
	var eligible []*candidate
	for _, c := range ev.base.groups.cands {
		if len(directTechniques(c)) >= k {
			eligible = append(eligible, c)
		}
	}
	var out []incident
	for range ev.cfg.PerK {
		if len(eligible) == 0 {
			break
		}
		c := eligible[rng.IntN(len(eligible))]
		q, _ := ev.sampleIncident(rng, c, k, pool)
		out = append(out, incident{query: q, truth: []*Entry{c.entry}})
	}
	return out
}

// Held-out regimes: what hiding a technique from a set hides.
const (
	// HideAll hides every tie of the set to the technique, whatever the
	// path (Config.HideTies): its own uses, its software's, the ATT&CK
	// hierarchy, campaigns attributed to it, aliases, revoked sets.
	HideAll = "all"
	// HideUses removes only the set's own uses relationships to the
	// technique; ties through software, hierarchy, campaigns and aliases
	// stay (the regime of the first published tables, kept to measure
	// the leak).
	HideUses = "uses"
)

// heldOut draws incidents whose techniques the engine has never seen for
// the group: HeldOutK of a group's techniques, of which HeldOutHidden are
// hidden as HeldOutHide says, plus the noise.
func (ev *evaluator) heldOut(seed uint64) []incident {
	rng := rand.New(rand.NewPCG(seed, 0x4e1d))
	pool := ev.noisePool()
	var eligible []*candidate
	for _, c := range ev.base.groups.cands {
		if len(directTechniques(c)) >= 2*ev.cfg.HeldOutK {
			eligible = append(eligible, c)
		}
	}
	var out []incident
	for range ev.cfg.HeldOut {
		if len(eligible) == 0 {
			break
		}
		c := eligible[rng.IntN(len(eligible))]
		q, picked := ev.sampleIncident(rng, c, ev.cfg.HeldOutK, pool)
		in := incident{query: q, truth: []*Entry{c.entry}, hidden: picked[:ev.cfg.HeldOutHidden]}
		if ev.cfg.HeldOutHide == HideUses {
			in.exclude = ev.usesOnly(c.entry, in.hidden)
		} else {
			in.hide = map[string][]string{c.entry.ID: ids(in.hidden)}
		}
		out = append(out, in)
	}
	return out
}

// usesOnly returns the ids of the set's uses relationships to the
// techniques.
func (ev *evaluator) usesOnly(g *Entry, ts []*Entry) map[string]bool {
	if ev.usesRel == nil {
		ev.usesRel = map[[2]string]string{}
		for _, r := range ev.k.Relationships(RelUses) {
			ev.usesRel[[2]string{r.Source, r.Target}] = r.ID
		}
	}
	ex := map[string]bool{}
	for _, t := range ts {
		if id, ok := ev.usesRel[[2]string{g.ID, t.ID}]; ok {
			ex[id] = true
		}
	}
	return ex
}

func ids(es []*Entry) []string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = x.ID
	}
	return out
}

// Leak counts, over the hidden (set, technique) pairs of the held-out
// incidents, the ties the set still has to the hidden technique: under
// HideUses (its uses relationships removed), by the strongest path that
// brings each back, and under the regime evaluated.
type Leak struct {
	Pairs int
	// UsesOnly counts the pairs still tied when only the uses
	// relationships are removed, by the source of the strongest tie.
	UsesOnly map[Source]int
	// Remaining counts the pairs still tied under the regime evaluated
	// (HeldOutHide); 0 under HideAll.
	Remaining int
}

// countLeak adds the incident's hidden pairs to l: ties left in the engine
// e (the regime evaluated) and in a HideUses engine.
func (ev *evaluator) countLeak(l *Leak, in incident, e *Engine) {
	g := in.truth[0]
	usesOnly := e
	if ev.cfg.HeldOutHide != HideUses {
		usesOnly = NewEngine(ev.k, Config{Params: ev.cfg.Params, Exclude: ev.usesOnly(g, in.hidden)})
	}
	c, cu := e.groups.cands[e.groupIndex[g]], usesOnly.groups.cands[usesOnly.groupIndex[g]]
	for _, t := range in.hidden {
		l.Pairs++
		if _, ok := c.profile[t]; ok {
			l.Remaining++
		}
		if tt, ok := cu.profile[t]; ok {
			l.UsesOnly[tt.src]++
		}
	}
}

// campaigns returns one incident per active campaign attributed to an
// active intrusion set: the campaign's techniques and software, with the
// campaign, its uses and its attributed-to links hidden from the engine.
// With strict, the sets' relationships that cite only the campaign's
// sources are hidden too.
func (ev *evaluator) campaigns(strict bool) []incident {
	k := ev.k
	var out []incident
	for _, camp := range k.Entries(TypeCampaign) {
		truth := ev.base.attributed[camp]
		if len(truth) == 0 {
			continue
		}
		q := Query{ID: camp.ID}
		ex := map[string]bool{camp.ID: true}
		sources := map[string]bool{}
		for _, s := range camp.Citations {
			sources[s] = true
		}
		for _, r := range k.Relationships("") {
			if r.Source != camp.ID && r.Target != camp.ID {
				continue
			}
			for _, s := range r.Citations {
				sources[s] = true
			}
			if r.Type != RelUses || r.Source != camp.ID {
				continue
			}
			switch t := k.Entry(r.Target); {
			case t == nil:
			case t.Type == TypeTechnique:
				q.Techniques = append(q.Techniques, t.ID)
			case t.Type == TypeMalware || t.Type == TypeTool:
				q.Software = append(q.Software, t.ID)
			}
		}
		sort.Strings(q.Techniques)
		sort.Strings(q.Software)
		if strict {
			for _, r := range k.Relationships("") {
				if !slices.ContainsFunc(truth, func(g *Entry) bool { return g.ID == r.Source }) || len(r.Citations) == 0 {
					continue
				}
				if !slices.ContainsFunc(r.Citations, func(s string) bool { return !sources[s] }) {
					ex[r.ID] = true
				}
			}
		}
		out = append(out, incident{query: q, truth: truth, exclude: ex})
	}
	return out
}

// summarize turns outcomes into rates with intervals.
func summarize(name string, ss []scored, seed uint64) RegimeResult {
	r := RegimeResult{Name: name, N: len(ss)}
	answered, answeredRight := 0, 0.0
	for _, s := range ss {
		if !s.abstained {
			answered++
			answeredRight += s.outcomes[MethodRampart].hits[0]
		}
	}
	if len(ss) > 0 {
		r.Abstained = 1 - float64(answered)/float64(len(ss))
	}
	if answered > 0 {
		r.AnsweredTop1 = answeredRight / float64(answered)
	}
	for _, m := range Methods {
		var mr MethodResult
		mr.Method = m
		var sums [4]float64
		rrs := make([]float64, len(ss))
		for i, s := range ss {
			o := s.outcomes[m]
			for j := range sums {
				sums[j] += o.hits[j]
			}
			rrs[i] = o.rr
		}
		n := float64(len(ss))
		mr.Top1 = wilson(sums[0], n)
		mr.Top3 = wilson(sums[1], n)
		mr.Top5 = wilson(sums[2], n)
		mr.Top10 = wilson(sums[3], n)
		mr.MRR = bootstrapMean(rrs, seed)
		r.Methods = append(r.Methods, mr)
	}
	return r
}

// wilson returns the proportion x/n with its 95 % Wilson score interval.
func wilson(x, n float64) Rate {
	if n == 0 {
		return Rate{}
	}
	const z = 1.959964
	p := x / n
	d := 1 + z*z/n
	c := (p + z*z/(2*n)) / d
	h := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / d
	return Rate{Value: p, Low: math.Max(0, c-h), High: math.Min(1, c+h)}
}

// bootstrapMean returns the mean of xs with a 95 % percentile bootstrap
// interval over 2000 resamples drawn from seed.
func bootstrapMean(xs []float64, seed uint64) Rate {
	if len(xs) == 0 {
		return Rate{}
	}
	mean := func(f func(int) float64) float64 {
		s := 0.0
		for i := range xs {
			s += f(i)
		}
		return s / float64(len(xs))
	}
	m := mean(func(i int) float64 { return xs[i] })
	rng := rand.New(rand.NewPCG(seed, 0xb007))
	const B = 2000
	ms := make([]float64, B)
	for b := range ms {
		ms[b] = mean(func(int) float64 { return xs[rng.IntN(len(xs))] })
	}
	sort.Float64s(ms)
	return Rate{Value: m, Low: ms[B*25/1000], High: ms[B*975/1000-1]}
}

// reliability bins the calibrated scores of the top-10 candidates of each
// incident and returns the diagram with its expected calibration error.
func reliability(ss []scored, cal *Calibration) ([]Bin, float64) {
	bins := make([]Bin, 10)
	sums := make([]float64, 10)
	hits := make([]float64, 10)
	total := 0
	for _, s := range ss {
		for i, p := range s.post {
			c := cal.Apply(p)
			b := min(int(c*10), 9)
			bins[b].N++
			sums[b] += c
			if s.right[i] {
				hits[b]++
			}
			total++
		}
	}
	ece := 0.0
	for i := range bins {
		bins[i].Low, bins[i].High = float64(i)/10, float64(i+1)/10
		if bins[i].N > 0 {
			bins[i].MeanScore = sums[i] / float64(bins[i].N)
			bins[i].Accuracy = hits[i] / float64(bins[i].N)
			ece += float64(bins[i].N) / float64(total) * math.Abs(bins[i].MeanScore-bins[i].Accuracy)
		}
	}
	return bins, ece
}
