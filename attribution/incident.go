package attribution

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Types of the objects an incident's evidence is read from besides those
// of the knowledge.
const (
	TypeIncident    = "incident"
	TypeSighting    = "sighting"
	TypeGrouping    = "grouping"
	TypeReport      = "report"
	typeAlertPrefix = "x-rampart-alert"
)

// MaxIncidentObjects is the most objects GatherIncident reads for one
// incident; past it, the evidence is cut and says so in Truncated.
const MaxIncidentObjects = 10000

// IncidentEvidence is what a node holds about one incident that attribution
// can use, and where each piece came from.
//
// An incident's evidence is everything tied to it: the other end of every
// relationship whose source or target is the incident (except
// attributed-to, which states a conclusion rather than evidence), the
// objects of every grouping or report that holds the incident, and the
// objects the incident refers to (an early-warning alert's sightings and
// indicators). From those: a sighting counts what it sighted, an indicator
// counts itself and what it indicates (techniques, software, and, in the
// engine, intrusion sets), an attack-pattern is a technique and malware or
// a tool is software.
type IncidentEvidence struct {
	Incident string `json:"incident_ref"`
	// Techniques, Software and Indicators are the inputs of the query,
	// each with the paths that tied it to the incident.
	Techniques []Input `json:"techniques"`
	Software   []Input `json:"software"`
	Indicators []Input `json:"indicators"`
	// Sightings are the incident's sightings, by id.
	Sightings []string `json:"sightings"`
	// Objects are the ids of every object the evidence was drawn from,
	// the incident and the relationships followed included, in the order
	// they were read.
	Objects []string `json:"objects"`
	// Unused are objects tied to the incident that hold nothing
	// attribution reads (observed data, an intrusion set named as a
	// conclusion, an object the reader may not read or the node does not
	// hold), each with why.
	Unused []Unused `json:"unused,omitempty"`
	// TLP is the most restrictive marking among Objects
	// (stix.Restriction: an object addressed to named organisations counts
	// as TLP:RED).
	TLP stix.TLP `json:"-"`
	// Truncated is set when more than MaxIncidentObjects objects were tied
	// to the incident: the rest were not read.
	Truncated bool `json:"truncated,omitzero"`
}

// Input is one item of an incident's query: a technique, software or
// indicator, and the paths that tied it to the incident.
type Input struct {
	// Ref is the item as the query names it: the ATT&CK id when there is
	// one, else the STIX id.
	Ref  string `json:"ref"`
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// From holds the paths from the incident to the item: the ids of the
	// objects followed, the incident excluded, the item itself last.
	From [][]string `json:"from"`
}

// Unused is an object tied to an incident that gave no evidence.
type Unused struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Query returns the attribution query of the evidence.
func (ev *IncidentEvidence) Query() Query {
	q := Query{ID: ev.Incident}
	for _, in := range ev.Techniques {
		q.Techniques = append(q.Techniques, in.Ref)
	}
	for _, in := range ev.Software {
		q.Software = append(q.Software, in.Ref)
	}
	for _, in := range ev.Indicators {
		q.Indicators = append(q.Indicators, in.ID)
	}
	return q
}

// gatherer walks from an incident to its evidence.
type gatherer struct {
	st *Store
	k  *Knowledge
	ev *IncidentEvidence
	// byEnd maps an object id to the relationships with it at one end.
	byEnd   map[string][]*Relationship
	read    map[string]bool
	inputs  map[string]inputAt
	objects map[string]*stix.Object
}

// inputAt is where an input is held: its list and index.
type inputAt struct {
	list *[]Input
	i    int
}

// step is an object to visit and the path that reached it.
type step struct {
	id   string
	path []string
}

// GatherIncident reads the evidence of incident id from the store, as its
// reader may read it, with the relationships and entries of k (the
// knowledge the engine ranks with, read from the same store). It returns
// ENOTFOUND when the reader cannot read the incident, and the store's
// errors.
func GatherIncident(ctx context.Context, st *Store, k *Knowledge, id string) (*IncidentEvidence, error) {
	g := &gatherer{st: st, k: k, ev: &IncidentEvidence{Incident: id},
		byEnd: map[string][]*Relationship{}, read: map[string]bool{}, inputs: map[string]inputAt{}, objects: map[string]*stix.Object{}}
	for _, r := range k.rels {
		if r.Revoked {
			continue
		}
		g.byEnd[r.Source] = append(g.byEnd[r.Source], r)
		if r.Target != r.Source {
			g.byEnd[r.Target] = append(g.byEnd[r.Target], r)
		}
	}
	got, err := st.Latest(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	inc := got[id]
	if inc == nil || inc.Type != TypeIncident {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no incident %q", id)
	}
	g.note(inc)

	// The first level: everything tied to the incident.
	var next []step
	for _, ref := range stix.References(inc) {
		next = append(next, step{ref, []string{ref}})
	}
	for _, r := range g.byEnd[id] {
		if r.Type == RelAttributedTo {
			continue
		}
		other := r.Target
		if other == id {
			other = r.Source
		}
		next = append(next, step{other, []string{r.ID, other}})
	}
	err = st.Each(ctx, []string{TypeGrouping, TypeReport}, func(o *stix.Object) bool {
		refs := stix.References(o)
		if !slices.Contains(refs, id) {
			return true
		}
		g.note(o)
		for _, ref := range refs {
			if ref != id {
				next = append(next, step{ref, []string{o.ID, ref}})
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	for depth := 0; len(next) > 0 && depth < 4; depth++ {
		if next, err = g.level(ctx, next); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(g.ev.Unused, func(a, b Unused) int { return strings.Compare(a.ID, b.ID) })
	return g.ev, nil
}

// note records an object the evidence is drawn from.
func (g *gatherer) note(o *stix.Object) {
	if g.objects[o.ID] != nil {
		return
	}
	g.objects[o.ID] = o
	g.ev.Objects = append(g.ev.Objects, o.ID)
	g.ev.TLP = max(g.ev.TLP, stix.Restriction(o))
}

// level reads the objects of one level and returns the next one.
func (g *gatherer) level(ctx context.Context, steps []step) ([]step, error) {
	var ids []string
	for _, s := range steps {
		if !g.read[s.id] && g.objects[s.id] == nil {
			ids = append(ids, s.id)
		}
		// Relationships on the path are read with the level.
		for _, p := range s.path[:len(s.path)-1] {
			if strings.HasPrefix(p, TypeRelationship+"--") && g.objects[p] == nil && !g.read[p] {
				ids = append(ids, p)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if room := MaxIncidentObjects - len(g.read); len(ids) > room {
		ids, g.ev.Truncated = ids[:max(0, room)], true
	}
	got, err := g.st.Latest(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		g.read[id] = true
		if o := got[id]; o != nil && strings.HasPrefix(id, TypeRelationship+"--") {
			g.note(o)
		}
	}
	var next []step
	for _, s := range steps {
		o := got[s.id]
		if o == nil {
			o = g.objects[s.id]
		}
		if o == nil {
			if g.read[s.id] {
				g.unused(s.id, "not held by the node, or not readable")
			}
			continue
		}
		g.note(o)
		next = append(next, g.visit(o, s.path)...)
	}
	return next, nil
}

func (g *gatherer) unused(id, reason string) {
	for _, u := range g.ev.Unused {
		if u.ID == id {
			return
		}
	}
	g.ev.Unused = append(g.ev.Unused, Unused{ID: id, Reason: reason})
}

// visit counts what o gives and returns the objects to visit from it.
func (g *gatherer) visit(o *stix.Object, path []string) []step {
	extend := func(ids ...string) []string { return append(slices.Clone(path), ids...) }
	switch {
	case o.Type == TypeSighting:
		if !slices.Contains(g.ev.Sightings, o.ID) {
			g.ev.Sightings = append(g.ev.Sightings, o.ID)
		}
		var next []step
		for _, ref := range stix.References(o) {
			next = append(next, step{ref, extend(ref)})
		}
		return next
	case strings.HasPrefix(o.Type, typeAlertPrefix):
		var next []step
		for _, ref := range stix.References(o) {
			switch typeOf(ref) {
			case TypeSighting, TypeIndicator:
				next = append(next, step{ref, extend(ref)})
			}
		}
		return next
	case o.Type == TypeIndicator:
		g.input(&g.ev.Indicators, o.ID, path)
		var next []step
		for _, r := range g.byEnd[o.ID] {
			if r.Type != RelIndicates || r.Source != o.ID {
				continue
			}
			switch typeOf(r.Target) {
			case TypeTechnique, TypeMalware, TypeTool:
				next = append(next, step{r.Target, extend(r.ID, r.Target)})
			}
		}
		return next
	case o.Type == TypeTechnique:
		g.input(&g.ev.Techniques, o.ID, path)
	case o.Type == TypeMalware || o.Type == TypeTool:
		g.input(&g.ev.Software, o.ID, path)
	case o.Type == TypeIncident:
		g.unused(o.ID, "another incident: its evidence is attributed on its own")
	default:
		g.unused(o.ID, fmt.Sprintf("an object of type %s holds no evidence attribution reads", o.Type))
	}
	return nil
}

// input adds an item to list, or another path to it.
func (g *gatherer) input(list *[]Input, id string, path []string) {
	if at, ok := g.inputs[id]; ok {
		in := &(*at.list)[at.i]
		for _, p := range in.From {
			if slices.Equal(p, path) {
				return
			}
		}
		in.From = append(in.From, slices.Clone(path))
		return
	}
	in := Input{Ref: id, ID: id, From: [][]string{slices.Clone(path)}}
	if e := g.k.Entry(id); e != nil {
		in.Name = e.Name
		if e.ExternalID != "" {
			in.Ref = e.ExternalID
		}
	}
	*list = append(*list, in)
	g.inputs[id] = inputAt{list, len(*list) - 1}
}

// typeOf returns the type part of a STIX id, "" when it has none.
func typeOf(id string) string {
	typ, _, ok := strings.Cut(id, "--")
	if !ok {
		return ""
	}
	return typ
}
