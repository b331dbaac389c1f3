package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// The attribution page ranks the intrusion sets that may be behind the
// evidence an analyst picks: techniques on an ATT&CK matrix, software,
// sighted indicators and the victim's sectors and countries, or the
// evidence of an incident (?incident=ID). It answers from the knowledge
// the account may read, as POST /api/v1/attribution does: the same cached
// engine, so that a technique or intrusion set the account may not read
// neither appears on the page nor shapes the ranking. The evidence
// travels in the form (POST) or in the address (GET, which can be linked
// to); ranking changes nothing, so neither redirects.

func (c *console) attributionPages(page func(string, pageFunc)) {
	page("GET "+ConsolePath+"attribution", c.attribution)
	page("POST "+ConsolePath+"attribution", c.attribution)
}

// showCandidates is how many candidates the page lists.
const showCandidates = 10

// evidence is the attribution form: what was picked and typed.
type evidence struct {
	Techniques []string // picked on the matrix or typed
	Software   []string
	Indicators []string
	Sectors    []string
	Countries  []string
}

func (ev evidence) empty() bool {
	return len(ev.Techniques)+len(ev.Software)+len(ev.Indicators)+len(ev.Sectors)+len(ev.Countries) == 0
}

func (ev evidence) query() attribution.Query {
	return attribution.Query{Techniques: ev.Techniques, Software: ev.Software, Indicators: ev.Indicators,
		Sectors: ev.Sectors, Countries: ev.Countries, Limit: showCandidates}
}

// values returns the evidence as form values, for a link to the ranking.
func (ev evidence) values() url.Values {
	v := url.Values{}
	for k, l := range map[string][]string{"technique": ev.Techniques, "software": ev.Software,
		"indicators": ev.Indicators, "sectors": ev.Sectors, "countries": ev.Countries} {
		for _, x := range l {
			v.Add(k, x)
		}
	}
	return v
}

// readEvidence reads the evidence of a form: checkboxes and selections
// one value each, text fields lists separated by commas, spaces or lines.
func readEvidence(f url.Values) evidence {
	many := func(names ...string) []string {
		var out []string
		for _, n := range names {
			for _, v := range f[n] {
				out = append(out, list(v)...)
			}
		}
		return dedupeStrings(out)
	}
	// Software names hold spaces ("Cobalt Strike"): the list is split on
	// commas and lines only.
	var software []string
	for _, n := range []string{"software", "software_more"} {
		for _, v := range f[n] {
			for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
				if s = strings.TrimSpace(s); s != "" {
					software = append(software, s)
				}
			}
		}
	}
	return evidence{
		Techniques: many("technique", "techniques_more"), Software: dedupeStrings(software),
		Indicators: many("indicators"), Sectors: many("sectors"), Countries: many("countries"),
	}
}

type attributionData struct {
	Catalog  *catalog
	Evidence evidence
	// TechniquesMore and SoftwareMore are the evidence not on the matrix
	// or the software list, for the text fields.
	TechniquesMore, SoftwareMore string
	picked                       map[string]bool
	// Incident is the incident the evidence came from, with what of it
	// the engine cannot take.
	Incident *coord.Incident
	Alerts   int
	Named    []string // intrusion sets the incident's alerts name
	Ranking  *rankingData
	Compare  *comparison
	// CompareA and CompareB are the candidates picked for comparison.
	CompareA, CompareB string
	// Choices are the candidates one may compare.
	Choices []pick
	Link    string
	Message string
}

// Picked reports whether a matrix value or software name is part of the
// evidence.
func (d *attributionData) Picked(v string) bool { return d.picked[strings.ToUpper(v)] }

// Open reports whether a technique's sub-techniques are to be shown: one
// of them is picked.
func (d *attributionData) Open(t technique) bool {
	return slices.ContainsFunc(t.Subs, func(s technique) bool { return d.Picked(s.Value) })
}

// knowledgeWait is how long the attribution page waits for knowledge built
// for the first time (the first query of a kind of reader since the node
// started); past it, the page says to come back in a moment. From a
// million objects the first build takes about 20 s on two cores.
const knowledgeWait = 20 * time.Second

func (c *console) attribution(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	readable, err := c.s.readable(ctx, v.account)
	if err != nil {
		return err
	}
	if len(readable) == 0 {
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may read no collection, so there is no knowledge to rank against", v.account.Name)
	}
	rd, err := c.s.reader(ctx, v.account)
	if err != nil {
		return err
	}
	ke, err := c.s.knowledge.entry(ctx, readable, rd, c.s.release(rd), knowledgeWait)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		if err := r.ParseForm(); err != nil {
			return rampart.Errorf(rampart.EINVALID, "the address could not be read: %v", err)
		}
	}
	d := &attributionData{Catalog: ke.catalog, Evidence: readEvidence(r.Form)}
	if id := strings.TrimSpace(r.Form.Get("incident")); id != "" {
		if err := c.incidentEvidence(r, v, ke, id, d); err != nil {
			return err
		}
	}
	d.split()
	if !d.Evidence.empty() {
		d.Ranking = c.rank(ke, d.Evidence.query())
		d.Link = ConsolePath + "attribution?" + d.Evidence.values().Encode()
		d.compare(ke, r.Form)
	} else if r.Method == http.MethodPost {
		d.Message = "Pick at least one technique, or give software, indicators, sectors or countries."
	}
	return c.show(w, r, v, "attribution", "Attribution", "attribution", d)
}

// compare sets side by side the two candidates the form names, unless it
// asks for a ranking only, and offers the candidates to compare.
func (d *attributionData) compare(ke *knowledgeEntry, f url.Values) {
	cmp := dedupeStrings(f["compare"])
	if len(cmp) > 0 {
		d.CompareA = cmp[0]
	}
	if len(cmp) > 1 {
		d.CompareB = cmp[1]
	}
	if f.Get("do") != "rank" && len(f["compare"]) > 0 {
		if len(cmp) != 2 {
			d.Message = "Pick two different candidates to compare."
		} else if d.Compare = compareCandidates(ke, d.Evidence.query(), cmp[0], cmp[1]); d.Compare == nil {
			d.Message = "The candidates to compare are not intrusion sets this ranking knows."
		}
	}
	if d.CompareA == "" && len(d.Ranking.Candidates) > 1 {
		d.CompareA, d.CompareB = d.Ranking.Candidates[0].ID, d.Ranking.Candidates[1].ID
	}
	for _, cand := range d.Ranking.Candidates {
		d.Choices = append(d.Choices, pick{Value: cand.ID, Label: strconv.Itoa(cand.Place) + ". " + cand.Label})
	}
	if d.Compare != nil {
		for _, cand := range []candidateRow{d.Compare.A, d.Compare.B} {
			if !slices.ContainsFunc(d.Choices, func(p pick) bool { return p.Value == cand.ID }) {
				d.Choices = append(d.Choices, pick{Value: cand.ID, Label: strconv.Itoa(cand.Place) + ". " + cand.Label})
			}
		}
		d.CompareA, d.CompareB = d.Compare.A.ID, d.Compare.B.ID
	}
}

// split sorts the evidence into what the matrix and the software list
// show and what goes into the text fields.
func (d *attributionData) split() {
	d.picked = map[string]bool{}
	onMatrix := map[string]bool{}
	for _, t := range d.Catalog.Tactics {
		for _, x := range t.Techniques {
			onMatrix[strings.ToUpper(x.Value)] = true
			for _, s := range x.Subs {
				onMatrix[strings.ToUpper(s.Value)] = true
			}
		}
	}
	var more []string
	for _, t := range d.Evidence.Techniques {
		d.picked[strings.ToUpper(t)] = true
		if !onMatrix[strings.ToUpper(t)] {
			more = append(more, t)
		}
	}
	d.TechniquesMore = strings.Join(more, ", ")
	more = nil
	for _, s := range d.Evidence.Software {
		d.picked[strings.ToUpper(s)] = true
		if !slices.ContainsFunc(d.Catalog.Software, func(p pick) bool { return strings.EqualFold(p.Value, s) }) {
			more = append(more, s)
		}
	}
	d.SoftwareMore = strings.Join(more, ", ")
}

// incidentEvidence adds the evidence of an incident the account may read:
// the indicators of its alerts (those the account's knowledge holds), and
// its sectors and affected member states.
func (c *console) incidentEvidence(r *http.Request, v *visit, ke *knowledgeEntry, id string, d *attributionData) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	inc, err := view.FindIncidentByID(r.Context(), id)
	if err != nil {
		return err
	}
	d.Incident = inc
	k := ke.engine.Knowledge()
	ev := &d.Evidence
	for _, ref := range inc.AlertRefs {
		a, err := view.FindAlertByID(r.Context(), ref)
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		d.Alerts++
		for _, ind := range a.IndicatorRefs {
			// An indicator the account may not read is not in its
			// knowledge: it is left out, not named.
			if k.Entry(ind) != nil {
				ev.Indicators = append(ev.Indicators, ind)
			}
		}
		for _, set := range a.IntrusionSetRefs {
			if e := k.Entry(set); e != nil {
				d.Named = append(d.Named, e.Label())
			}
		}
	}
	ev.Sectors = append(ev.Sectors, inc.Sectors...)
	countries := inc.AffectedMemberStates
	if len(countries) == 0 && inc.MemberState != "" {
		countries = []string{inc.MemberState}
	}
	ev.Countries = append(ev.Countries, countries...)
	ev.Indicators, ev.Sectors, ev.Countries = dedupeStrings(ev.Indicators), dedupeStrings(ev.Sectors), dedupeStrings(ev.Countries)
	d.Named = dedupeStrings(d.Named)
	return nil
}

// rankingData is a ranking as the page shows it.
type rankingData struct {
	Abstained  bool
	Reason     string
	Sets       int
	Counted    []evidenceRow
	Notes      []attribution.Note
	Candidates []candidateRow
	Campaigns  []candidateRow
}

type evidenceRow struct {
	Label, ID string
	Weight    float64
	ImpliedBy string
}

// candidateRow is a ranked intrusion set or campaign, with its evidence
// as bars.
type candidateRow struct {
	Place      int
	ID, Label  string
	Aliases    []string
	Badge      badge
	Score      float64
	ScoreClass string
	For        []contributionRow
	Against    []contributionRow
	Links      []string
	Similar    []string
	Attributed []string
}

// contributionRow is what one piece of evidence did to a candidate's
// score, with a bar as long as its weight against the largest shown.
type contributionRow struct {
	ID, Label string
	Badge     *badge
	Weight    float64
	Class     string
	How       string
	Sets      int
}

func (c *console) rank(ke *knowledgeEntry, q attribution.Query) *rankingData {
	rk := ke.engine.Rank(q)
	d := &rankingData{Abstained: rk.Abstained, Reason: rk.Reason, Sets: rk.Sets, Notes: rk.Notes}
	for _, x := range rk.Evidence {
		row := evidenceRow{Label: x.Entry.Label(), ID: x.Entry.ID, Weight: x.Weight}
		if x.ImpliedBy != nil {
			row.ImpliedBy = x.ImpliedBy.Label()
		}
		d.Counted = append(d.Counted, row)
	}
	scale := maxWeight(rk.Candidates)
	for _, cand := range rk.Candidates {
		d.Candidates = append(d.Candidates, candidateRowOf(ke.catalog, cand, scale))
	}
	for _, cand := range rk.Campaigns {
		row := candidateRowOf(ke.catalog, cand, scale)
		for _, g := range cand.AttributedTo {
			row.Attributed = append(row.Attributed, g.Label())
		}
		d.Campaigns = append(d.Campaigns, row)
	}
	return d
}

// maxWeight is the largest absolute contribution among candidates: the
// length of a full bar.
func maxWeight(cs []attribution.Candidate) float64 {
	m := 0.0
	for _, c := range cs {
		for _, x := range append(slices.Clone(c.For), c.Against...) {
			m = max(m, math.Abs(x.Weight))
		}
	}
	return m
}

// widthClass returns the CSS class of a bar x/scale long, in steps of 5 %
// (never 0 for a contribution that is not: it would not show).
func widthClass(x, scale float64) string {
	if scale <= 0 || x == 0 {
		return "w0"
	}
	n := int(math.Round(clamp(math.Abs(x)/scale, 0, 1) * 20))
	return "w" + strconv.Itoa(max(n, 1)*5)
}

func candidateRowOf(cat *catalog, c attribution.Candidate, scale float64) candidateRow {
	row := candidateRow{Place: c.Place, ID: c.Entry.ID, Label: c.Entry.Label(), Aliases: c.Entry.Aliases,
		Badge: cat.badge(c.Entry.ID), Score: c.Score, ScoreClass: widthClass(c.Score, 1)}
	conv := func(cs []attribution.Contribution) []contributionRow {
		var out []contributionRow
		for _, x := range cs {
			out = append(out, contributionRowOf(cat, x, scale))
		}
		return out
	}
	row.For, row.Against = conv(c.For), conv(c.Against)
	for _, l := range c.Links {
		row.Links = append(row.Links, l.String())
	}
	for _, s := range c.Similar {
		row.Similar = append(row.Similar, s.Campaign.Label())
	}
	return row
}

func contributionRowOf(cat *catalog, x attribution.Contribution, scale float64) contributionRow {
	row := contributionRow{ID: x.Evidence.ID, Label: x.Evidence.Label(), Weight: x.Weight,
		Class: widthClass(x.Weight, scale), How: x.String(), Sets: x.Sets}
	if l := cat.tlp[x.Evidence.ID]; l > stix.TLPClear {
		b := badgeOf(l)
		row.Badge = &b
	}
	return row
}

// comparison sets two candidates side by side: the evidence that tells
// them apart (tied to one and not the other), then the evidence both are
// tied to, each with what it did to either score.
type comparison struct {
	A, B  candidateRow
	Apart []compareRow
	Both  []compareRow
}

type compareRow struct {
	Label, ID string
	Badge     *badge
	A, B      side
	// Favours names the candidate the evidence speaks for more.
	Favours string
}

// side is one candidate's tie to a piece of evidence.
type side struct {
	Tied   bool
	How    string
	Weight float64
	Class  string
}

func compareCandidates(ke *knowledgeEntry, q attribution.Query, a, b string) *comparison {
	cs := ke.engine.Explain(q, a, b)
	if len(cs) != 2 || cs[0].Entry == cs[1].Entry {
		return nil
	}
	scale := maxWeight(cs)
	cmp := &comparison{A: candidateRowOf(ke.catalog, cs[0], scale), B: candidateRowOf(ke.catalog, cs[1], scale)}
	sides := func(c attribution.Candidate) map[string]side {
		m := map[string]side{}
		for _, x := range c.For {
			m[x.Evidence.ID] = side{Tied: true, How: x.String(), Weight: x.Weight, Class: widthClass(x.Weight, scale)}
		}
		for _, x := range c.Against {
			m[x.Evidence.ID] = side{How: x.String(), Weight: x.Weight, Class: widthClass(x.Weight, scale)}
		}
		return m
	}
	sa, sb := sides(cs[0]), sides(cs[1])
	seen := map[string]bool{}
	for _, x := range append(append(slices.Clone(cs[0].For), cs[0].Against...), append(cs[1].For, cs[1].Against...)...) {
		id := x.Evidence.ID
		if seen[id] {
			continue
		}
		seen[id] = true
		row := compareRow{Label: x.Evidence.Label(), ID: id, A: sa[id], B: sb[id], Badge: contributionRowOf(ke.catalog, x, scale).Badge}
		switch {
		case row.A.Weight > row.B.Weight:
			row.Favours = cmp.A.Label
		case row.B.Weight > row.A.Weight:
			row.Favours = cmp.B.Label
		}
		switch {
		case row.A.Tied != row.B.Tied:
			cmp.Apart = append(cmp.Apart, row)
		case row.A.Tied:
			cmp.Both = append(cmp.Both, row)
		}
	}
	diff := func(x, y compareRow) int {
		dx, dy := math.Abs(x.A.Weight-x.B.Weight), math.Abs(y.A.Weight-y.B.Weight)
		switch {
		case dx > dy:
			return -1
		case dx < dy:
			return 1
		}
		return strings.Compare(x.Label, y.Label)
	}
	slices.SortFunc(cmp.Apart, diff)
	slices.SortFunc(cmp.Both, diff)
	return cmp
}

// Sides returns the two candidates, for the page to show alike.
func (c *comparison) Sides() []candidateRow { return []candidateRow{c.A, c.B} }
