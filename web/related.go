package web

import (
	"context"
	"html/template"
	"slices"
	"sort"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/web/internal/draw"
)

// relatedData is an object's neighbourhood: the objects that refer to it
// and that it refers to, drawn as a graph, and for an indicator its
// sightings over time and by country.
type relatedData struct {
	Graph     template.HTML
	Links     []link
	Sightings template.HTML
	ByCountry template.HTML
	Sighted   int
	// More is set when the object has more neighbours than were read.
	More bool
}

// link is one relationship of the neighbourhood.
type link struct {
	Type  string
	Other string
	Name  string
	Out   bool
}

// Bounds of a neighbourhood: the objects that name the object read, and
// the objects it names drawn.
const (
	maxReferrers = 500
	maxNamed     = 60
)

// relationshipJSON and sightingJSON are what the neighbourhood reads of
// relationships and sightings.
type relationshipJSON struct {
	Type   string `json:"relationship_type"`
	Source string `json:"source_ref"`
	Target string `json:"target_ref"`
}

type sightingJSON struct {
	Of    string         `json:"sighting_of_ref"`
	Where []string       `json:"where_sighted_refs"`
	First stix.Timestamp `json:"first_seen"`
	Count int            `json:"count"`
}

// related finds, with the search index, the objects that name o (its
// relationships, sightings, reports and notes) and those o names, keeps
// what the account may read, and draws them.
func (c *console) related(ctx context.Context, v *visit, o *stix.Object) (relatedData, error) {
	var d relatedData
	if c.s.Search == nil {
		return d, nil
	}
	colls, err := c.s.readable(ctx, v.account)
	if err != nil {
		return d, err
	}
	reader, err := c.s.reader(ctx, v.account)
	if err != nil {
		return d, err
	}
	p, err := c.s.Search.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: colls, Text: o.ID, Limit: maxReferrers})
	if err != nil {
		return d, err
	}
	d.More = p.Next != ""
	referrers, err := c.s.releaseHits(ctx, reader, p.Hits)
	if err != nil {
		return d, err
	}
	g := neighbourhood{center: o.ID, seen: map[string]bool{o.ID: true}}
	var sightings []sightingJSON
	for _, r := range referrers {
		if r == nil || r.ID == o.ID {
			continue
		}
		switch r.Type {
		case "relationship":
			var rel relationshipJSON
			if r.Decode(&rel) != nil {
				continue
			}
			switch o.ID {
			case rel.Source:
				g.add(rel.Target, rel.Type, true)
			case rel.Target:
				g.add(rel.Source, rel.Type, false)
			}
		case "sighting":
			var s sightingJSON
			if r.Decode(&s) == nil && s.Of == o.ID {
				if s.First.IsZero() {
					s.First = r.Created
				}
				sightings = append(sightings, s)
				continue
			}
			g.add(r.ID, "refers to", false)
		default:
			g.add(r.ID, "refers to", false)
		}
	}
	for _, ref := range stix.References(o) {
		g.add(ref, "refers to", true)
	}
	names, err := c.lookup(ctx, reader, colls, g.ids())
	if err != nil {
		return d, err
	}
	d.Graph, d.Links = g.draw(o, names)
	c.drawSightings(&d, sightings, v.now)
	return d, nil
}

// neighbourhood collects the edges of an object's graph.
type neighbourhood struct {
	center string
	seen   map[string]bool
	edges  []link
}

func (g *neighbourhood) add(id, label string, out bool) {
	if id == "" || len(g.edges) >= maxNamed {
		return
	}
	if _, _, err := stix.ParseID(id); err != nil {
		return
	}
	g.edges = append(g.edges, link{Type: label, Other: id, Out: out})
	g.seen[id] = true
}

func (g *neighbourhood) ids() []string {
	var ids []string
	for _, e := range g.edges {
		if !slices.Contains(ids, e.Other) {
			ids = append(ids, e.Other)
		}
	}
	return ids
}

// draw lays out the neighbours the account may read (those lookup
// found); the others are left out, as objects the node does not hold.
func (g *neighbourhood) draw(o *stix.Object, found map[string]*stix.Object) (template.HTML, []link) {
	if len(g.edges) == 0 {
		return "", nil
	}
	center := graphNode(o)
	var nodes []draw.Node
	var edges []draw.Edge
	var links []link
	added := map[string]bool{}
	for _, e := range g.edges {
		other := found[e.Other]
		if other == nil {
			continue
		}
		n := graphNode(other)
		e.Name = n.Label
		links = append(links, e)
		if !added[e.Other] {
			nodes = append(nodes, n)
			added[e.Other] = true
		}
		if e.Out {
			edges = append(edges, draw.Edge{From: o.ID, To: e.Other, Label: e.Type})
		} else {
			edges = append(edges, draw.Edge{From: e.Other, To: o.ID, Label: e.Type})
		}
	}
	if len(nodes) == 0 {
		return "", nil
	}
	return draw.Graph(center, nodes, edges), links
}

func graphNode(o *stix.Object) draw.Node {
	n := draw.Node{ID: o.ID, Label: o.ID, Type: o.Type, Href: objectURL(o.ID)}
	if m, err := membersOf(o); err == nil {
		n.Label = nameOf(m, o)
	}
	if t := stix.Restriction(o); t != stix.TLPUnmarked {
		n.Marking = t.String()
	}
	return n
}

// lookup reads the latest version of each object ids names that reader
// may read, from the collections colls.
func (c *console) lookup(ctx context.Context, reader *rampart.Reader, colls, ids []string) (map[string]*stix.Object, error) {
	out := map[string]*stix.Object{}
	if len(ids) == 0 {
		return out, nil
	}
	for _, coll := range colls {
		p, err := c.s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: ids})
		if err != nil {
			return nil, err
		}
		objs, err := c.s.releaseVersions(ctx, reader, coll, p.Versions)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o != nil && (out[o.ID] == nil || o.Version().Compare(out[o.ID].Version()) > 0) {
				out[o.ID] = o
			}
		}
	}
	return out, nil
}

// drawSightings draws an indicator's sightings per day of the last 30
// days and by the country of the organisations that sighted it.
func (c *console) drawSightings(d *relatedData, sightings []sightingJSON, now time.Time) {
	d.Sighted = len(sightings)
	if len(sightings) == 0 {
		return
	}
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(sightingDays - 1))
	perDay := make([]int, sightingDays)
	byCountry := map[string]int{}
	for _, s := range sightings {
		n := max(s.Count, 1)
		if t := s.First.Time(); !t.Before(start) {
			if i := int(t.Sub(start) / (24 * time.Hour)); i < sightingDays {
				perDay[i] += n
			}
		}
		for _, org := range s.Where {
			cc := ""
			if c.s.EarlyWarning != nil && c.s.EarlyWarning.CountryOf != nil {
				cc = c.s.EarlyWarning.CountryOf(org)
			}
			if cc == "" {
				cc = "unknown"
			}
			byCountry[cc] += n
		}
	}
	var days []draw.Bar
	for i, n := range perDay {
		day := start.AddDate(0, 0, i)
		days = append(days, draw.Bar{Label: day.Format("01-02"), Value: n, Detail: day.Format("Monday 2 January 2006")})
	}
	d.Sightings = draw.Bars("Sighted per day, last 30 days", days, draw.Unit("sighting", "sightings"), draw.Size(1200, 240))
	var countries []draw.Bar
	for cc, n := range byCountry {
		b := draw.Bar{Label: cc, Value: n}
		if len(cc) == 2 {
			b.Href = ConsolePath + "alerts?state=" + cc
		}
		countries = append(countries, b)
	}
	sort.Slice(countries, func(i, j int) bool { return countries[i].Value > countries[j].Value })
	d.ByCountry = draw.Bars("Sighted by country", countries, draw.Unit("sighting", "sightings"), draw.Horizontal())
}
