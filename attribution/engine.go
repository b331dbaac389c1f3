package attribution

import (
	"math"
	"sort"
	"strings"
)

// Params are the weights of the attribution model. DefaultParams holds the
// values the evaluation harness chose on its tuning seed (see
// docs/ATTRIBUTION.md); the zero Params is not useful.
type Params struct {
	// TechniqueMu and SoftwareMu are the Dirichlet smoothing masses of a
	// candidate's technique and software distributions: how much of the
	// background rate is mixed into a candidate's profile. Larger values
	// trust profiles less and make missing evidence count less against a
	// candidate.
	TechniqueMu float64
	SoftwareMu  float64
	// MuPerMass grows the smoothing mass with the candidate's profile:
	// mu_c = mu + MuPerMass*M_c. 0 is plain Dirichlet smoothing; with mu 0
	// it is Jelinek-Mercer smoothing, where missing evidence costs every
	// candidate the same.
	MuPerMass float64
	// SoftwareTechnique is the weight of a technique a candidate is known
	// to use only because software it uses implements it.
	SoftwareTechnique float64
	// Campaign is the weight of what a campaign attributed to a candidate
	// used, relative to the candidate's own uses.
	Campaign float64
	// Parent, Child and Sibling weigh a technique that matches only through
	// the ATT&CK hierarchy: the candidate uses the observed technique's
	// parent, one of its sub-techniques, or another sub-technique of the
	// same parent.
	Parent, Child, Sibling float64
	// Alias is the weight of another intrusion set's profile reached
	// through a shared name or alias (a link, never a merge).
	Alias float64
	// Revoked is the weight of a revoked intrusion set's profile carried to
	// the set that replaced it (revoked-by).
	Revoked float64
	// QuerySoftwareTechniques is the weight given to the techniques of
	// observed software, as evidence of its own, besides the software.
	QuerySoftwareTechniques float64
	// Missing scales what evidence a candidate has no tie to costs it
	// (1 is the plain multinomial model). Profiles are incomplete, so a
	// missing tie is weaker evidence than a present one.
	Missing float64
	// CampaignMix is the share of the posterior that comes from the
	// campaigns most like the incident: each known campaign passes its
	// posterior on to the sets it is attributed to.
	CampaignMix float64
	// SoftwareMass counts software-derived techniques in a candidate's
	// profile mass (and so in what missing evidence costs it).
	SoftwareMass bool
	// PriorExponent shapes the prior over candidates: proportional to
	// (1 + documented relationships)^PriorExponent, so that well-reported
	// sets, which are behind more incidents, start ahead. 0 is uniform.
	PriorExponent float64
	// NoiseRate is the share of an incident's evidence assumed to be
	// noise: drawn from the background of all candidates rather than from
	// the actor's profile (a technique every intruder uses, a tool a
	// defender mislabelled). Each piece of evidence is modelled as
	//
	//	P(f | c) = (1-NoiseRate)*P_c(f) + NoiseRate*B(f)
	//
	// so that no single item can cost a candidate more than
	// log(NoiseRate): missing evidence is discounted, most for common
	// techniques. 0 is the plain model.
	NoiseRate float64
	// Specificity down-weights techniques many intrusion sets use, like
	// an inverse document frequency: an observed technique counts
	//
	//	(log(N/n_f) / log N)^Specificity
	//
	// times its own weight, where N is the number of sets and n_f the
	// number tied to it with weight 0.5 or more (own uses, campaigns,
	// revoked sets). A technique every intruder uses then says little for
	// or against anyone, whether it is noise or not. 0 counts every
	// technique fully.
	Specificity float64
	// Forgive is the share of the techniques a query names that a
	// candidate may fit badly without cost: its least fitting ones that
	// count against it (missing, or tied only through software, campaigns,
	// aliases or the hierarchy; never its own uses), taken for noise,
	// which costs every candidate the same.
	Forgive float64
}

// DefaultParams are the model weights the evaluation chose on its tuning
// seed.
var DefaultParams = Params{
	TechniqueMu:             30,
	SoftwareMu:              1,
	SoftwareTechnique:       0.15,
	Campaign:                0.8,
	Parent:                  0.2,
	Child:                   0.2,
	Sibling:                 0.05,
	Alias:                   0.3,
	Revoked:                 1,
	QuerySoftwareTechniques: 0.1,
	Missing:                 1,
	SoftwareMass:            true,
	CampaignMix:             0.3,
	PriorExponent:           1,
	NoiseRate:               0.1,
	MuPerMass:               1,
	Forgive:                 0.3,
}

// Config configures NewEngine.
type Config struct {
	// Params are the model weights; the zero value means DefaultParams.
	Params Params
	// Exclude hides objects and relationships (by STIX id) from the
	// engine: an excluded object is no candidate, contributes nothing, and
	// every relationship touching it is hidden too. The evaluation uses it
	// to attribute a campaign the engine has never seen.
	Exclude map[string]bool
	// HideTies hides, for an intrusion set (by STIX id), every tie it has
	// to the techniques listed (by STIX id), whatever the path: its own
	// uses, its software's, the ATT&CK hierarchy (parent, sub-technique,
	// sibling), the campaigns attributed to it (their profiles too, so
	// that they pass no posterior on through the technique), aliases and
	// revoked sets it replaced. Ties derived from a hidden technique (the
	// parent of a hidden sub-technique) are hidden with it. Other sets
	// keep their ties. The evaluation uses it for held-out incidents: the
	// engine then knows nothing of the set's use of those techniques.
	HideTies map[string][]string
	// Calibration maps the model's posterior to a calibrated score; nil
	// means DefaultCalibration.
	Calibration *Calibration
}

// vocab is a kind of evidence; each kind has its own distribution per
// candidate.
type vocab uint8

const (
	vocabTechnique vocab = iota
	vocabSoftware
	vocabIndicator
	vocabSector
	vocabCountry
	numVocab
)

// Source says how a candidate is tied to a piece of evidence.
type Source uint8

// Sources, from the strongest tie to the weakest.
const (
	SourceDirect   Source = iota // the candidate uses (or is indicated by) it
	SourceRevoked                // a revoked set, replaced by the candidate, uses it
	SourceCampaign               // a campaign attributed to the candidate uses it
	SourceAlias                  // a set sharing a name or alias with the candidate uses it
	SourceSoftware               // software the candidate uses implements it
	SourceParent                 // the candidate uses the parent technique
	SourceChild                  // the candidate uses a sub-technique of it
	SourceSibling                // the candidate uses another sub-technique of its parent
	SourceTargets                // the candidate is known to target this sector or country
)

var sourceNames = [...]string{"direct", "revoked-by", "campaign", "alias", "software", "parent", "child", "sibling", "targets"}

func (s Source) String() string { return sourceNames[s] }

// tie is one candidate's link to one feature: its weight and how.
type tie struct {
	w    float64
	src  Source
	via  *Entry // campaign, software, alias or revoked set, or technique
	link string // for SourceAlias: the shared alias
}

// candidate is an intrusion set or campaign being ranked.
type candidate struct {
	entry   *Entry
	profile map[*Entry]tie // features, hierarchy matches included
	mass    [numVocab]float64
	prior   float64
	links   []Link
	// documented is the number of the candidate's own relationships that
	// build its profile, for the prior.
	documented int
	// blocked are features the candidate may not be tied to (HideTies).
	blocked map[*Entry]bool
	// miss and keep are, per kind of evidence, the log-likelihood ratio
	// of evidence the candidate has no tie to, and the factor
	// (m/(M+m))^Missing the ratio of a tie is scaled by.
	miss, keep [numVocab]float64
}

type posting struct {
	cand int32
	w    float32
}

// population is a set of candidates ranked together, with the background
// rate of each feature among them.
type population struct {
	cands    []*candidate
	postings map[*Entry][]posting
	bg       map[*Entry]float64
	total    [numVocab]float64
}

// Engine ranks the intrusion sets (and campaigns) that may be behind an
// incident, from the evidence of a Query, with a calibrated score and an
// explanation for each. Build it with NewEngine over a Knowledge; an Engine
// is immutable and safe for concurrent use by several goroutines. Queries
// never fail: unknown evidence is reported in the Ranking and ignored.
type Engine struct {
	k        *Knowledge
	params   Params
	cal      *Calibration
	exclude  map[string]bool
	hide     map[string][]string
	groups   *population
	camps    *population
	children map[*Entry][]*Entry
	// softwareUses maps a software entry to the techniques it implements.
	softwareUses map[*Entry][]*Entry
	// indicates maps an indicator to the entries it indicates.
	indicates map[*Entry][]*Entry
	// attributed maps a campaign to the intrusion sets it is attributed to.
	attributed map[*Entry][]*Entry
	// targets maps an intrusion set or campaign to the sectors and
	// countries it targets, as pseudo-entries.
	targets map[*Entry][]*Entry
	// campNull is the log score of "none of the known campaigns".
	campNull float64
	// groupIndex maps an intrusion set to its index in groups.cands.
	groupIndex map[*Entry]int
	// places holds the sector and country pseudo-entries by key.
	places map[string]*Entry
	// spec is the weight Specificity gives each technique tied to an
	// intrusion set; techniques absent count fully.
	spec map[*Entry]float64
}

// NewEngine builds an engine over the knowledge k. The engine reads k while
// it is built and keeps pointers to its entries: k must not change
// afterwards.
func NewEngine(k *Knowledge, cfg Config) *Engine {
	e := &Engine{
		k:            k,
		params:       cfg.Params,
		cal:          cfg.Calibration,
		exclude:      cfg.Exclude,
		hide:         cfg.HideTies,
		children:     map[*Entry][]*Entry{},
		softwareUses: map[*Entry][]*Entry{},
		indicates:    map[*Entry][]*Entry{},
		attributed:   map[*Entry][]*Entry{},
		targets:      map[*Entry][]*Entry{},
		places:       map[string]*Entry{},
	}
	if e.params == (Params{}) {
		e.params = DefaultParams
	}
	if e.cal == nil {
		e.cal = DefaultCalibration()
	}
	e.build()
	return e
}

// Knowledge returns the knowledge the engine was built over.
func (e *Engine) Knowledge() *Knowledge { return e.k }

// Params returns the engine's model weights.
func (e *Engine) Params() Params { return e.params }

func (e *Engine) hidden(id string) bool { return e.exclude[id] }

// usable reports whether an entry takes part: known, active, not hidden.
func (e *Engine) usable(x *Entry) bool {
	return x != nil && x.Active() && !e.hidden(x.ID)
}

// feature returns the entry a relationship end counts as evidence: the
// entry itself, or the one that replaced it when it was revoked; nil when
// it is unknown, hidden, deprecated or of a type that is no evidence.
func (e *Engine) feature(id string) *Entry {
	x := e.k.entries[id]
	if x == nil || e.hidden(id) {
		return nil
	}
	x, _ = e.k.Resolve(x)
	if !e.usable(x) {
		return nil
	}
	switch x.Type {
	case TypeTechnique, TypeMalware, TypeTool, TypeIndicator:
		return x
	}
	return nil
}

func vocabOf(x *Entry) vocab {
	switch x.Type {
	case TypeTechnique:
		return vocabTechnique
	case TypeMalware, TypeTool:
		return vocabSoftware
	}
	return vocabIndicator
}

func (e *Engine) build() {
	k := e.k
	rels := k.Relationships("")
	// The technique hierarchy, and what software and campaigns use.
	uses := map[*Entry][]*Entry{}    // intrusion set or campaign → features
	direct := map[*Entry]int{}       // relationships documenting a candidate
	revokedTo := map[*Entry]*Entry{} // revoked intrusion set → replacement
	for _, r := range rels {
		if r.Revoked || e.hidden(r.ID) || e.hidden(r.Source) || e.hidden(r.Target) {
			continue
		}
		src := k.entries[r.Source]
		if src == nil {
			continue
		}
		switch r.Type {
		case RelSubtechnique:
			if child, parent := e.feature(r.Source), e.feature(r.Target); child != nil && parent != nil {
				e.children[parent] = append(e.children[parent], child)
			}
		case RelUses:
			f := e.feature(r.Target)
			if f == nil || f.Type == TypeIndicator {
				continue
			}
			switch src.Type {
			case TypeMalware, TypeTool:
				if s := e.feature(r.Source); s != nil && f.Type == TypeTechnique {
					e.softwareUses[s] = append(e.softwareUses[s], f)
				}
			case TypeIntrusionSet, TypeCampaign:
				uses[src] = append(uses[src], f)
				direct[src]++
			}
		case RelIndicates:
			ind := e.feature(r.Source)
			if ind == nil || ind.Type != TypeIndicator {
				continue
			}
			if t := k.entries[r.Target]; t != nil && !e.hidden(t.ID) {
				t, _ = k.Resolve(t)
				e.indicates[ind] = append(e.indicates[ind], t)
				if t.Type == TypeIntrusionSet || t.Type == TypeCampaign {
					uses[t] = append(uses[t], ind)
					direct[t]++
				}
			}
		case RelTargets:
			if t := k.entries[r.Target]; t != nil && e.usable(t) {
				for _, sec := range t.Sectors {
					e.targets[src] = append(e.targets[src], e.place(typeSector, sec))
				}
				for _, cc := range t.Countries {
					e.targets[src] = append(e.targets[src], e.place(typeCountry, cc))
				}
			}
		case RelAttributedTo:
			g := k.entries[r.Target]
			if src.Type != TypeCampaign || !e.usable(src) || g == nil || g.Type != TypeIntrusionSet {
				continue
			}
			g, _ = k.Resolve(g)
			if e.usable(g) {
				e.attributed[src] = append(e.attributed[src], g)
			}
		}
	}
	for _, gs := range e.attributed {
		sort.Slice(gs, func(i, j int) bool { return gs[i].ExternalID+gs[i].ID < gs[j].ExternalID+gs[j].ID })
	}
	for _, g := range k.entries {
		if g.Type == TypeIntrusionSet && g.Revoked && !e.hidden(g.ID) {
			if to, _ := k.Resolve(g); to != g && e.usable(to) {
				revokedTo[g] = to
			}
		}
	}

	var groups, camps []*candidate
	for _, x := range k.Entries(TypeIntrusionSet) {
		if e.usable(x) {
			groups = append(groups, &candidate{entry: x, profile: map[*Entry]tie{}, documented: direct[x]})
		}
	}
	for _, x := range k.Entries(TypeCampaign) {
		if e.usable(x) {
			camps = append(camps, &candidate{entry: x, profile: map[*Entry]tie{}, documented: direct[x]})
		}
	}
	byEntry := map[*Entry]*candidate{}
	for _, c := range groups {
		byEntry[c.entry] = c
	}
	e.block(groups, camps, uses, direct)
	p := e.params
	for _, c := range append(groups, camps...) {
		for _, f := range uses[c.entry] {
			c.add(f, tie{w: 1, src: SourceDirect})
		}
	}
	// Evidence reached through links: revoked sets, campaigns, aliases.
	for old, to := range revokedTo {
		c := byEntry[to]
		for _, f := range uses[old] {
			c.add(f, tie{w: p.Revoked, src: SourceRevoked, via: old})
		}
		c.links = append(c.links, Link{Kind: LinkRevoked, Other: old, Weight: p.Revoked})
	}
	for camp, gs := range e.attributed {
		for _, g := range gs {
			c := byEntry[g]
			for _, f := range uses[camp] {
				c.add(f, tie{w: p.Campaign, src: SourceCampaign, via: camp})
			}
			l := Link{Kind: LinkCampaign, Other: camp, Weight: p.Campaign}
			for _, o := range gs {
				if o != g {
					l.Shared = append(l.Shared, o)
				}
			}
			c.links = append(c.links, l)
		}
	}
	e.linkAliases(groups, uses)
	for _, c := range append(groups, camps...) {
		e.addSoftwareTechniques(c)
		e.addTargets(c)
		e.addHierarchy(c)
		for f, t := range c.profile {
			if t.src < SourceSoftware || t.src == SourceTargets || t.src == SourceSoftware && p.SoftwareMass {
				c.mass[vocabOfEntry(f)] += t.w
			}
		}
		c.prior = p.PriorExponent * math.Log1p(float64(c.documented))
		for v := range numVocab {
			m := e.mu(v) + p.MuPerMass*c.mass[v]
			c.keep[v] = (1 - p.NoiseRate) * math.Pow(m/(c.mass[v]+m), p.Missing)
			c.miss[v] = math.Log(c.keep[v] + p.NoiseRate)
		}
	}
	e.groups = newPopulation(groups)
	e.spec = specificity(e.groups, p.Specificity)
	e.groupIndex = map[*Entry]int{}
	for i, c := range groups {
		e.groupIndex[c.entry] = i
	}
	e.camps = newPopulation(camps)
	var priors []float64
	for _, c := range camps {
		priors = append(priors, c.prior)
	}
	e.campNull = logSumExp(priors)
}

// block marks the features HideTies hides from each intrusion set and
// from the campaigns attributed to it; their relationships no longer count
// as documentation.
func (e *Engine) block(groups, camps []*candidate, uses map[*Entry][]*Entry, direct map[*Entry]int) {
	if len(e.hide) == 0 {
		return
	}
	hidden := map[*Entry]map[*Entry]bool{}
	for _, c := range groups {
		for _, id := range e.hide[c.entry.ID] {
			if f := e.feature(id); f != nil {
				if hidden[c.entry] == nil {
					hidden[c.entry] = map[*Entry]bool{}
				}
				hidden[c.entry][f] = true
			}
		}
	}
	for _, c := range append(groups, camps...) {
		for _, g := range append([]*Entry{c.entry}, e.attributed[c.entry]...) {
			for f := range hidden[g] {
				if c.blocked == nil {
					c.blocked = map[*Entry]bool{}
				}
				c.blocked[f] = true
			}
		}
		for _, f := range uses[c.entry] {
			if c.blocked[f] {
				c.documented--
			}
		}
	}
}

// add records a tie unless the candidate already has a stronger one or the
// feature is hidden from it.
func (c *candidate) add(f *Entry, t tie) {
	if c.blocked[f] {
		return
	}
	if old, ok := c.profile[f]; ok && (old.w > t.w || old.w == t.w && old.src <= t.src) {
		return
	}
	c.profile[f] = t
}

// linkAliases ties intrusion sets that share a name or alias: each sees the
// other's own uses at weight Alias.
func (e *Engine) linkAliases(groups []*candidate, uses map[*Entry][]*Entry) {
	names := map[string][]*candidate{}
	for _, c := range groups {
		seen := map[string]bool{}
		for _, n := range append([]string{c.entry.Name}, c.entry.Aliases...) {
			key := strings.ToLower(strings.TrimSpace(n))
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			names[key] = append(names[key], c)
		}
	}
	keys := make([]string, 0, len(names))
	for n := range names {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		cs := names[n]
		for _, a := range cs {
			for _, b := range cs {
				if a == b {
					continue
				}
				for _, f := range uses[b.entry] {
					a.add(f, tie{w: e.params.Alias, src: SourceAlias, via: b.entry, link: n})
				}
				a.links = append(a.links, Link{Kind: LinkAlias, Other: b.entry, Alias: n, Weight: e.params.Alias})
			}
		}
	}
}

// addSoftwareTechniques adds the techniques of the software a candidate
// uses, at weight SoftwareTechnique times the software's own weight.
func (e *Engine) addSoftwareTechniques(c *candidate) {
	var sw []*Entry
	for f := range c.profile {
		if vocabOf(f) == vocabSoftware {
			sw = append(sw, f)
		}
	}
	sort.Slice(sw, func(i, j int) bool { return sw[i].ID < sw[j].ID })
	for _, s := range sw {
		w := c.profile[s].w * e.params.SoftwareTechnique
		for _, t := range e.softwareUses[s] {
			c.add(t, tie{w: w, src: SourceSoftware, via: s})
		}
	}
}

// addHierarchy adds soft matches through the technique hierarchy.
func (e *Engine) addHierarchy(c *candidate) {
	var techs []*Entry
	for f, t := range c.profile {
		if f.Type == TypeTechnique && t.src <= SourceSoftware {
			techs = append(techs, f)
		}
	}
	sort.Slice(techs, func(i, j int) bool { return techs[i].ID < techs[j].ID })
	p := e.params
	for _, f := range techs {
		w := c.profile[f].w
		if parent := e.k.entries[f.Parent]; parent != nil && e.usable(parent) {
			// The candidate uses sub-technique f: evidence of the parent
			// technique, and weaker evidence of f's siblings.
			c.add(parent, tie{w: w * p.Child, src: SourceChild, via: f})
			for _, s := range e.children[parent] {
				if s != f {
					c.add(s, tie{w: w * p.Sibling, src: SourceSibling, via: f})
				}
			}
		}
		for _, s := range e.children[f] {
			// The candidate uses parent technique f: evidence of any of its
			// sub-techniques.
			c.add(s, tie{w: w * p.Parent, src: SourceParent, via: f})
		}
	}
}

// specificity returns the weight of each technique of the population under
// Params.Specificity; nil when it is 0.
func specificity(pop *population, exp float64) map[*Entry]float64 {
	n := float64(len(pop.cands))
	if exp == 0 || n < 2 {
		return nil
	}
	out := map[*Entry]float64{}
	for f, ps := range pop.postings {
		if f.Type != TypeTechnique {
			continue
		}
		df := 0
		for _, p := range ps {
			if p.w >= 0.5 {
				df++
			}
		}
		out[f] = math.Pow(math.Log(n/float64(max(1, df)))/math.Log(n), exp)
	}
	return out
}

func newPopulation(cands []*candidate) *population {
	pop := &population{cands: cands, postings: map[*Entry][]posting{}, bg: map[*Entry]float64{}}
	for i, c := range cands {
		for f, t := range c.profile {
			pop.postings[f] = append(pop.postings[f], posting{cand: int32(i), w: float32(t.w)})
			pop.bg[f] += t.w
		}
	}
	// The background rate of a feature is its share of all the weight of
	// its kind of evidence, over every candidate: rare evidence has a low
	// rate, so matching it weighs more.
	for f, w := range pop.bg {
		pop.total[vocabOfEntry(f)] += w
	}
	for f, w := range pop.bg {
		pop.bg[f] = w / pop.total[vocabOfEntry(f)]
	}
	for _, ps := range pop.postings {
		sort.Slice(ps, func(i, j int) bool { return ps[i].cand < ps[j].cand })
	}
	return pop
}

func vocabOfEntry(f *Entry) vocab {
	switch f.Type {
	case typeSector:
		return vocabSector
	case typeCountry:
		return vocabCountry
	}
	return vocabOf(f)
}

// Pseudo-types of the sector and country evidence.
const (
	typeSector  = "x-rampart-sector"
	typeCountry = "x-rampart-country"
)

// place returns the pseudo-entry of a sector or country, creating it.
func (e *Engine) place(typ, name string) *Entry {
	name = strings.ToLower(strings.TrimSpace(name))
	if typ == typeCountry {
		name = strings.ToUpper(name)
	}
	key := typ + ":" + name
	if x, ok := e.places[key]; ok {
		return x
	}
	x := &Entry{ID: key, Type: typ, Name: name}
	e.places[key] = x
	return x
}

// addTargets adds the sectors and countries a candidate targets, from its
// own properties and from targets relationships.
func (e *Engine) addTargets(c *candidate) {
	for _, s := range c.entry.Sectors {
		c.add(e.place(typeSector, s), tie{w: 1, src: SourceTargets})
	}
	for _, cc := range c.entry.Countries {
		c.add(e.place(typeCountry, cc), tie{w: 1, src: SourceTargets})
	}
	for _, x := range e.targets[c.entry] {
		c.add(x, tie{w: 1, src: SourceTargets})
	}
}

// logSumExp returns log Σ exp(x_i), -Inf for no values.
func logSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	s := 0.0
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}
