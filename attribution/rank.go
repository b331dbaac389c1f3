package attribution

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Limits on one query. Exceeding one is reported as an error by ParseQuery
// and in a Note by Rank, which then uses the first items only.
const (
	// MaxQueryItems is the most evidence items (techniques, software,
	// indicators, sectors and countries together) one query may hold.
	MaxQueryItems = 1000
	// MaxQueryBytes is the longest JSON text of one query (one line of a
	// batch).
	MaxQueryBytes = 1 << 20
	// DefaultLimit is how many candidates a Ranking holds when the query
	// does not say.
	DefaultLimit = 10
	// DefaultAbstainBelow is the calibrated score under which the best
	// candidate is not trusted and the engine abstains.
	DefaultAbstainBelow = 0.1
)

// Query is the evidence of one incident. Techniques and Software hold
// ATT&CK ids (T1566.001, S0154), STIX ids or, for software, names;
// Indicators hold the STIX ids of indicators that were sighted; Sectors and
// Countries describe the victim (STIX industry-sector vocabulary, ISO 3166-1
// alpha-2 codes). Every field is optional.
type Query struct {
	ID         string   `json:"id,omitempty"`
	Techniques []string `json:"techniques,omitempty"`
	Software   []string `json:"software,omitempty"`
	Indicators []string `json:"indicators,omitempty"`
	Sectors    []string `json:"sectors,omitempty"`
	Countries  []string `json:"countries,omitempty"`
	// Limit is how many candidates to return; 0 means DefaultLimit.
	Limit int `json:"limit,omitempty"`
}

// Evidence is one item of a query as the engine counted it.
type Evidence struct {
	// Ref is the item as the query gave it; for implied evidence, the id
	// of the entry.
	Ref   string
	Entry *Entry
	// Weight is 1 for what the query named and less for what it implies
	// (the techniques of observed software), times the technique's
	// specificity (Params.Specificity).
	Weight float64
	// ImpliedBy is the observed software or indicator this evidence was
	// derived from, nil when the query named it.
	ImpliedBy *Entry
}

// Note reports a query item that was not counted as given: unknown,
// revoked (counted as its replacement), deprecated, of the wrong type, or
// linked to no candidate.
type Note struct {
	Ref    string
	Reason string
}

func (n Note) String() string { return fmt.Sprintf("%q: %s", n.Ref, n.Reason) }

// Link kinds.
const (
	LinkAlias    = "alias"      // the sets share a name or alias
	LinkRevoked  = "revoked-by" // the other set was revoked in favour of this one
	LinkCampaign = "campaign"   // a campaign attributed to this set
)

// Link is a weighted tie between a candidate and another object whose
// evidence it borrows. Aliases are links, never merges: each set keeps its
// own profile and sees the other's at Weight.
type Link struct {
	Kind   string
	Other  *Entry
	Alias  string // for LinkAlias, the shared name
	Weight float64
	// Shared lists the other intrusion sets the same campaign is
	// attributed to: a shared or disputed attribution.
	Shared []*Entry
}

// Contribution is what one piece of evidence did to a candidate's score:
// Weight is the log-likelihood ratio (natural log) of the evidence under
// the candidate against the background of all candidates, times the
// evidence's own weight. Positive raises the candidate.
type Contribution struct {
	Evidence *Entry
	Weight   float64
	// Source and Via say how the candidate is tied to the evidence (for
	// evidence counted against it, Source is SourceDirect and Via nil).
	Source Source
	Via    *Entry
	Alias  string
	// Matched is false for evidence the candidate has no tie to.
	Matched bool
	// Sets is how many candidates are tied to this evidence at all: the
	// fewer, the more it weighs.
	Sets int
	// Noise is true when the evidence, among the candidate's least
	// fitting, was taken for noise (Params.Forgive): it then counts 0.
	Noise bool
}

// Candidate is one ranked intrusion set or campaign.
type Candidate struct {
	Entry *Entry
	// Place is the candidate's place in the ranking, from 1.
	Place int
	// Score is the calibrated probability that this candidate is the one
	// behind the incident (for intrusion sets): of candidates scored 0.8,
	// about 80 % were right in the evaluation. For campaigns it is the
	// model's posterior, not calibrated.
	Score float64
	// Posterior is the model's own posterior over all candidates, before
	// calibration.
	Posterior float64
	// LogOdds is the candidate's total log score: prior plus every
	// contribution.
	LogOdds float64
	// For lists the evidence the candidate is tied to, strongest first;
	// Against the evidence it has no tie to, most damaging first.
	For, Against []Contribution
	// Links are the aliases, revoked sets and campaigns whose evidence the
	// candidate borrowed for this query.
	Links []Link
	// Similar lists the known campaigns attributed to this set that look
	// like the incident and raised its posterior.
	Similar []Similar
	// AttributedTo lists, for a campaign, the intrusion sets it is
	// attributed to.
	AttributedTo []*Entry
}

// Ranking is the answer to a Query.
type Ranking struct {
	QueryID string
	// Candidates are the best intrusion sets, best first (at most the
	// query's Limit).
	Candidates []Candidate
	// Campaigns are the most similar known campaigns, best first (at most
	// 5), each with the sets it is attributed to.
	Campaigns []Candidate
	// Evidence is what was counted; Notes what was not counted as given.
	Evidence []Evidence
	Notes    []Note
	// Abstained is true when the evidence does not single out any
	// candidate; Reason says why. Candidates are still listed, for
	// reference.
	Abstained bool
	Reason    string
	// Sets is the number of intrusion sets ranked.
	Sets int
	// Close is true when the evidence does not separate the first two
	// candidates: the first is less than three times as likely as the
	// second (log-odds margin under ln 3). Separating then lists the
	// unobserved evidence that would separate them best, for either.
	Close      bool
	Margin     float64
	Separating []Expected
}

// Rank ranks the intrusion sets and campaigns for the query. It never
// fails: unknown items are reported in Notes and ignored; a query with no
// usable evidence abstains.
func (e *Engine) Rank(q Query) *Ranking {
	ev, notes := e.resolve(q)
	r := &Ranking{QueryID: q.ID, Evidence: ev, Notes: notes, Sets: len(e.groups.cands)}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	scores, post, camps, cpost := e.posteriors(ev)
	for n, i := range topN(scores, limit) {
		c := e.candidate(e.groups, i, ev, scores[i], post[i])
		c.Place, c.Score = n+1, e.cal.Apply(post[i])
		c.Similar = e.similar(c.Entry, camps, cpost)
		r.Candidates = append(r.Candidates, c)
	}
	for n, i := range topN(camps, 5) {
		c := e.candidate(e.camps, i, ev, camps[i], cpost[i])
		c.Place = n + 1
		c.Score = cpost[i]
		c.AttributedTo = e.attributed[c.Entry]
		r.Campaigns = append(r.Campaigns, c)
	}
	switch {
	case len(q.Techniques)+len(q.Software)+len(q.Indicators)+len(q.Sectors)+len(q.Countries) == 0:
		r.Abstained, r.Reason = true, "insufficient evidence: the query is empty"
	case len(ev) == 0:
		r.Abstained, r.Reason = true, "insufficient evidence: no item of the query is known evidence"
	case len(r.Candidates) == 0:
		r.Abstained, r.Reason = true, "no intrusion set to rank"
	case r.Candidates[0].Score < DefaultAbstainBelow:
		r.Abstained = true
		r.Reason = fmt.Sprintf("insufficient evidence: the best candidate, %s, scores %.2f, under %.2f", r.Candidates[0].Entry.Label(), r.Candidates[0].Score, DefaultAbstainBelow)
	}
	if len(ev) == 0 {
		r.Candidates, r.Campaigns = nil, nil
	}
	if len(r.Candidates) >= 2 {
		r.Margin = r.Candidates[0].LogOdds - r.Candidates[1].LogOdds
		if r.Margin < closeMargin {
			r.Close = true
			observed := map[*Entry]bool{}
			for _, x := range ev {
				observed[x.Entry] = true
			}
			a, b := e.groupIndex[r.Candidates[0].Entry], e.groupIndex[r.Candidates[1].Entry]
			r.Separating = e.separating(e.groups.cands[a], e.groups.cands[b], observed)
		}
	}
	return r
}

// Explain returns the intrusion sets that refs name (STIX ids, ATT&CK ids
// or names, as Knowledge.Lookup finds them), scored and explained for the
// query exactly as Rank would list them, with their place in the ranking:
// two candidates can so be set side by side whatever their places. Refs
// that name no ranked intrusion set are left out; the result is in the
// order of refs.
func (e *Engine) Explain(q Query, refs ...string) []Candidate {
	ev, _ := e.resolve(q)
	scores, post, camps, cpost := e.posteriors(ev)
	var out []Candidate
	for _, ref := range refs {
		x := e.k.Lookup(ref)
		if x != nil {
			x, _ = e.k.Resolve(x)
		}
		i, ok := e.groupIndex[x]
		if x == nil || !ok {
			continue
		}
		c := e.candidate(e.groups, i, ev, scores[i], post[i])
		c.Score = e.cal.Apply(post[i])
		c.Similar = e.similar(c.Entry, camps, cpost)
		// Ties keep index order, as in topN.
		c.Place = 1
		for j, s := range scores {
			if s > scores[i] || s == scores[i] && j < i {
				c.Place++
			}
		}
		out = append(out, c)
	}
	return out
}

// posteriors returns, for every intrusion set in the order of
// e.groups.cands, its log score and its posterior, and the same for every
// campaign. With CampaignMix, each set's posterior takes a share from the
// campaigns attributed to it, in proportion to how like the incident they
// are; the log score is then the log of that posterior, so that ranking
// and posterior agree.
func (e *Engine) posteriors(ev []Evidence) (gs, gpost, cs, cpost []float64) {
	gs = make([]float64, len(e.groups.cands))
	e.groups.score(ev, e.params, gs)
	gpost = softmax(gs)
	cs = make([]float64, len(e.camps.cands))
	e.camps.score(ev, e.params, cs)
	// A campaign's share is its posterior against all campaigns and a
	// null hypothesis, "none of them", holding the campaigns' whole prior
	// mass with no evidence for it: a lone campaign that fits no better
	// than the background passes little on.
	withNull := append(slices.Clone(cs), e.campNull)
	cpost = softmax(withNull)[:len(cs)]
	mix := e.params.CampaignMix
	if mix <= 0 || len(ev) == 0 {
		return gs, gpost, cs, cpost
	}
	from := make([]float64, len(gpost))
	attributedMass := 0.0
	for i, c := range e.camps.cands {
		to := e.attributed[c.entry]
		if len(to) == 0 {
			continue
		}
		attributedMass += cpost[i]
		for _, g := range to {
			if j, ok := e.groupIndex[g]; ok {
				from[j] += cpost[i] / float64(len(to))
			}
		}
	}
	for j := range gpost {
		gpost[j] = (1-mix)*gpost[j] + mix*(from[j]+(1-attributedMass)*gpost[j])
		gs[j] = math.Log(gpost[j])
	}
	return gs, gpost, cs, cpost
}

// similar returns the campaigns attributed to g that passed it a share of
// posterior above 1 %, best first.
func (e *Engine) similar(g *Entry, cs, cpost []float64) []Similar {
	if e.params.CampaignMix <= 0 {
		return nil
	}
	var out []Similar
	for _, i := range topN(cs, len(cs)) {
		c := e.camps.cands[i]
		to := e.attributed[c.entry]
		if !slices.Contains(to, g) {
			continue
		}
		share := e.params.CampaignMix * cpost[i] / float64(len(to))
		if share < 0.01 {
			break
		}
		out = append(out, Similar{Campaign: c.entry, Posterior: cpost[i], Share: share, Shared: len(to) > 1})
	}
	return out
}

// Similar is a known campaign, attributed to a candidate, that looks like
// the incident and so raised the candidate's posterior.
type Similar struct {
	Campaign *Entry
	// Posterior is the campaign's posterior among all campaigns; Share
	// what it added to the candidate's posterior.
	Posterior, Share float64
	// Shared is true when the campaign is attributed to several sets.
	Shared bool
}

func (e *Engine) mu(v vocab) float64 {
	if v == vocabTechnique {
		return e.params.TechniqueMu
	}
	return e.params.SoftwareMu
}

// score adds to out (one slot per candidate) the prior and the log
// likelihood ratio of every piece of evidence. Each candidate's profile is
// a Dirichlet-smoothed distribution per kind of evidence:
//
//	P(f | c) = (w_c(f) + mu*B(f)) / (M_c + mu)
//
// where w_c(f) is the candidate's tie to f, M_c the mass of its profile and
// B(f) the background rate of f. Against the background, a tie adds
// log(1 + w/(mu*B)) over the log(mu/(M_c+mu)) every evidence costs: rare
// evidence (small B) weighs more, and a well-documented candidate (large
// M_c) pays more for evidence it lacks.
func (pop *population) score(ev []Evidence, p Params, out []float64) {
	for i, c := range pop.cands {
		out[i] = c.prior
	}
	for _, x := range ev {
		ps := pop.postings[x.Entry]
		if len(ps) == 0 {
			continue
		}
		v := vocabOfEntry(x.Entry)
		for i, c := range pop.cands {
			out[i] += x.Weight * c.miss[v]
		}
		b := pop.bg[x.Entry]
		for _, pst := range ps {
			c := pop.cands[pst.cand]
			out[pst.cand] += x.Weight * (c.tieLR(v, float64(pst.w), b, p) - c.miss[v])
		}
	}
	pop.forgive(ev, p, out)
}

// forgive takes back, for each candidate, what its least fitting named
// techniques (missing, or tied only indirectly; never its own uses) did
// to its score, as many as Params.Forgive says: those are taken for noise,
// which costs every candidate the same. It is a trimmed likelihood: a
// common technique outside the true set's profile no longer sinks it.
func (pop *population) forgive(ev []Evidence, p Params, out []float64) {
	named := forgivable(ev, pop)
	n := forgivenCount(len(named), p)
	if n == 0 {
		return
	}
	tied := make([]int, len(pop.cands))
	ties := make([][]float64, len(pop.cands))
	for _, x := range named {
		b := pop.bg[x.Entry]
		for _, pst := range pop.postings[x.Entry] {
			c := pop.cands[pst.cand]
			tied[pst.cand]++
			if c.profile[x.Entry].src == SourceDirect {
				continue // the candidate's own use is never taken for noise
			}
			ties[pst.cand] = append(ties[pst.cand], x.Weight*c.tieLR(vocabTechnique, float64(pst.w), b, p))
		}
	}
	for i, c := range pop.cands {
		out[i] -= leastSum(n, len(named)-tied[i], named[0].Weight*c.miss[vocabTechnique], ties[i])
	}
}

// leastSum is the sum of the n least of misses values miss and the ties
// (each tie is at least miss).
func leastSum(n, misses int, miss float64, ties []float64) float64 {
	if misses >= n {
		return float64(n) * miss
	}
	slices.Sort(ties)
	sum := float64(misses) * miss
	for _, t := range ties[:min(n-misses, len(ties))] {
		sum += min(t, 0)
	}
	return sum
}

// forgiven returns the named techniques Params.Forgive takes for noise for
// candidate c (the ones forgive's sum takes back): its least fitting that
// count against it, never its own uses.
func (pop *population) forgiven(c *candidate, ev []Evidence, p Params) map[*Entry]bool {
	named := forgivable(ev, pop)
	n := forgivenCount(len(named), p)
	if n == 0 {
		return nil
	}
	type item struct {
		f  *Entry
		lr float64
	}
	items := make([]item, 0, len(named))
	for _, x := range named {
		lr := x.Weight * c.miss[vocabTechnique]
		if t, ok := c.profile[x.Entry]; ok {
			if t.src == SourceDirect {
				continue // the candidate's own use is never taken for noise
			}
			lr = x.Weight * c.tieLR(vocabTechnique, t.w, pop.bg[x.Entry], p)
		}
		items = append(items, item{x.Entry, lr})
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(a.lr, b.lr) })
	out := map[*Entry]bool{}
	for _, it := range items[:min(n, len(items))] {
		if it.lr < 0 {
			out[it.f] = true
		}
	}
	return out
}

// forgivable are the techniques the query named (not implied by its
// software) that some candidate is tied to: those Params.Forgive may take
// for noise.
func forgivable(ev []Evidence, pop *population) []Evidence {
	var out []Evidence
	for _, x := range ev {
		if x.ImpliedBy == nil && vocabOfEntry(x.Entry) == vocabTechnique && len(pop.postings[x.Entry]) > 0 {
			out = append(out, x)
		}
	}
	return out
}

// forgivenCount is how many of n named techniques a candidate may miss
// without cost.
func forgivenCount(n int, p Params) int {
	return int(math.Floor(p.Forgive * float64(n)))
}

// tieLR is the log-likelihood ratio of evidence of kind v, background rate
// b, under a candidate tied to it with weight w:
//
//	log((1-NoiseRate) * (m/(M+m))^Missing * (1 + w/(m*b)) + NoiseRate)
//
// which with NoiseRate 0 and Missing 1 is log(P(f|c)/B(f)).
func (c *candidate) tieLR(v vocab, w, b float64, p Params) float64 {
	mu := p.TechniqueMu
	if v != vocabTechnique {
		mu = p.SoftwareMu
	}
	m := mu + p.MuPerMass*c.mass[v]
	return math.Log(c.keep[v]*(1+w/(m*b)) + p.NoiseRate)
}

// candidate explains candidate i of pop for the evidence.
func (e *Engine) candidate(pop *population, i int, ev []Evidence, score, post float64) Candidate {
	c := pop.cands[i]
	out := Candidate{Entry: c.entry, Posterior: post, LogOdds: score}
	used := map[*Entry]bool{}
	noise := pop.forgiven(c, ev, e.params)
	for _, x := range ev {
		ps := pop.postings[x.Entry]
		if len(ps) == 0 {
			continue
		}
		v := vocabOfEntry(x.Entry)
		b := pop.bg[x.Entry]
		t, ok := c.profile[x.Entry]
		// The terms of score for this evidence: what a missing tie costs,
		// or what a tie gives.
		lr := x.Weight * c.miss[v]
		if ok {
			lr = x.Weight * c.tieLR(v, t.w, b, e.params)
		}
		con := Contribution{Evidence: x.Entry, Weight: lr, Matched: ok, Sets: len(ps)}
		if noise[x.Entry] {
			con.Weight, con.Noise = 0, true
		}
		if ok {
			con.Source, con.Via, con.Alias = t.src, t.via, t.link
			if t.via != nil {
				used[t.via] = true
			}
			out.For = append(out.For, con)
		} else {
			out.Against = append(out.Against, con)
		}
	}
	sort.SliceStable(out.For, func(i, j int) bool { return out.For[i].Weight > out.For[j].Weight })
	sort.SliceStable(out.Against, func(i, j int) bool { return out.Against[i].Weight < out.Against[j].Weight })
	for _, l := range c.links {
		if used[l.Other] {
			out.Links = append(out.Links, l)
		}
	}
	return out
}

// softmax returns exp(s_i)/Σ exp(s_j), computed stably.
func softmax(s []float64) []float64 {
	p := make([]float64, len(s))
	if len(s) == 0 {
		return p
	}
	m := math.Inf(-1)
	for _, x := range s {
		m = math.Max(m, x)
	}
	sum := 0.0
	for i, x := range s {
		p[i] = math.Exp(x - m)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// topN returns the indexes of the n highest scores, best first; ties keep
// index order, which is ATT&CK id order.
func topN(s []float64, n int) []int {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]] > s[idx[b]] })
	if n < len(idx) {
		idx = idx[:n]
	}
	return idx
}

// resolve turns the query's items into evidence, with a note for every
// item not counted as given.
func (e *Engine) resolve(q Query) ([]Evidence, []Note) {
	var notes []Note
	byEntry := map[*Entry]int{}
	var ev []Evidence
	add := func(x Evidence) {
		if i, ok := byEntry[x.Entry]; ok {
			if x.Weight > ev[i].Weight {
				ev[i] = x
			}
			return
		}
		byEntry[x.Entry] = len(ev)
		ev = append(ev, x)
	}
	n := 0
	over := false
	take := func(items []string) []string {
		if n+len(items) > MaxQueryItems {
			over = true
			items = items[:max(0, MaxQueryItems-n)]
		}
		n += len(items)
		return items
	}
	for _, ref := range take(q.Techniques) {
		if x, note := e.lookup(ref, "technique", TypeTechnique); x != nil {
			add(Evidence{Ref: ref, Entry: x, Weight: 1})
			if note != "" {
				notes = append(notes, Note{ref, note})
			}
		} else {
			notes = append(notes, Note{ref, note})
		}
	}
	var software []Evidence
	for _, ref := range take(q.Software) {
		if x, note := e.lookup(ref, "software", TypeMalware, TypeTool); x != nil {
			software = append(software, Evidence{Ref: ref, Entry: x, Weight: 1})
			if note != "" {
				notes = append(notes, Note{ref, note})
			}
		} else {
			notes = append(notes, Note{ref, note})
		}
	}
	for _, ref := range take(q.Indicators) {
		x, note := e.lookup(ref, "indicator", TypeIndicator)
		if x == nil {
			notes = append(notes, Note{ref, note})
			continue
		}
		add(Evidence{Ref: ref, Entry: x, Weight: 1})
		for _, t := range e.indicates[x] {
			if t.Type == TypeMalware || t.Type == TypeTool {
				software = append(software, Evidence{Ref: t.ID, Entry: t, Weight: 1, ImpliedBy: x})
			}
		}
	}
	for _, s := range software {
		add(s)
	}
	for _, s := range software {
		if e.params.QuerySoftwareTechniques <= 0 {
			break
		}
		for _, t := range e.softwareUses[s.Entry] {
			add(Evidence{Ref: t.ID, Entry: t, Weight: e.params.QuerySoftwareTechniques, ImpliedBy: s.Entry})
		}
	}
	for _, ref := range take(q.Sectors) {
		add(Evidence{Ref: ref, Entry: e.place(typeSector, ref), Weight: 1})
	}
	for _, ref := range take(q.Countries) {
		add(Evidence{Ref: ref, Entry: e.place(typeCountry, ref), Weight: 1})
	}
	// Evidence no candidate is tied to changes no ranking: say so.
	kept := ev[:0]
	for _, x := range ev {
		if w, ok := e.spec[x.Entry]; ok {
			x.Weight *= w
		}
		if len(e.groups.postings[x.Entry]) == 0 && len(e.camps.postings[x.Entry]) == 0 {
			if x.ImpliedBy == nil {
				notes = append(notes, Note{x.Ref, "no intrusion set or campaign is tied to it; it does not change the ranking"})
			}
			continue
		}
		kept = append(kept, x)
	}
	if over {
		notes = append(notes, Note{"", fmt.Sprintf("the query holds more than MaxQueryItems (%d) items; the rest were ignored", MaxQueryItems)})
	}
	return kept, notes
}

// lookup finds a query item of one of the types; on failure it returns nil
// and the reason, on success an optional note (revoked and replaced).
func (e *Engine) lookup(ref, what string, types ...string) (*Entry, string) {
	x := e.k.Lookup(ref)
	if x == nil || e.hidden(x.ID) {
		return nil, "unknown " + what + "; ignored"
	}
	ok := false
	for _, t := range types {
		ok = ok || x.Type == t
	}
	if !ok {
		return nil, fmt.Sprintf("%s is a %s, not a %s; ignored", x.Label(), x.Type, what)
	}
	note := ""
	if x.Revoked {
		to, _ := e.k.Resolve(x)
		if to == x || !e.usable(to) {
			return nil, fmt.Sprintf("%s is revoked and has no replacement; ignored", x.Label())
		}
		note = fmt.Sprintf("%s is revoked; counted as %s", x.Label(), to.Label())
		x = to
	}
	if x.Deprecated {
		return nil, fmt.Sprintf("%s is deprecated in ATT&CK; ignored", x.Label())
	}
	return x, note
}

// String renders a contribution's tie for a person: "uses it",
// "through software Cobalt Strike (S0154)", ….
func (c Contribution) String() string {
	s := c.tie()
	if c.Noise {
		s += "; taken for noise"
	}
	return s
}

func (c Contribution) tie() string {
	if !c.Matched {
		return "no known tie"
	}
	via := ""
	if c.Via != nil {
		via = c.Via.Label()
	}
	switch c.Source {
	case SourceDirect:
		return "uses it"
	case SourceRevoked:
		return "through revoked " + via
	case SourceCampaign:
		return "in campaign " + via
	case SourceAlias:
		return fmt.Sprintf("through %s, which shares the alias %q", via, c.Alias)
	case SourceSoftware:
		return "through software " + via
	case SourceParent:
		return "uses the parent technique " + via
	case SourceChild:
		return "uses its sub-technique " + via
	case SourceSibling:
		return "uses the sibling sub-technique " + via
	case SourceTargets:
		return "targets it"
	}
	return strings.TrimSpace(c.Source.String() + " " + via)
}
