package draw

import (
	"fmt"
	"strings"
	"testing"
)

// neighbourhood returns n neighbours of a malware centre, of every type,
// each related to the centre.
func neighbourhood(n int) (Node, []Node, []Edge) {
	center := Node{ID: "malware--0", Label: "Emotet", Type: "malware", Href: "/objects/malware--0", Marking: "TLP:AMBER"}
	var nodes []Node
	var edges []Edge
	for i := range n {
		typ := typeOrder[i%len(typeOrder)]
		id := fmt.Sprintf("%s--%d", typ, i+1)
		nodes = append(nodes, Node{ID: id, Label: fmt.Sprintf("%s %d", typ, i+1), Type: typ, Href: "/objects/" + id})
		edges = append(edges, Edge{From: id, To: center.ID, Label: "related-to"})
	}
	return center, nodes, edges
}

func TestGraphDeterministic(t *testing.T) {
	for _, n := range []int{0, 1, 5, 14, 15, 60, 80} {
		c, nodes, edges := neighbourhood(n)
		a := Graph(c, nodes, edges)
		b := Graph(c, nodes, edges)
		if a != b {
			t.Errorf("%d nodes: two drawings of the same graph differ", n)
		}
		parse(t, a)
	}
}

// TestGraphLinks checks that every node, the centre too, is one link to
// its page, named after it.
func TestGraphLinks(t *testing.T) {
	c, nodes, edges := neighbourhood(20)
	svg := parse(t, Graph(c, nodes, edges))
	links := svg.all(named("a"))
	if len(links) != len(nodes)+1 {
		t.Fatalf("%d links, want one per node (%d)", len(links), len(nodes)+1)
	}
	hrefs := make(map[string]bool)
	for _, a := range links {
		hrefs[a.attr["href"]] = true
		if len(a.all(classed("g", "node"))) != 1 {
			t.Errorf("link %s holds no node", a.attr["href"])
		}
	}
	for _, n := range append([]Node{c}, nodes...) {
		if !hrefs[n.Href] {
			t.Errorf("no link to %s", n.Href)
		}
	}
	if svg.attr["role"] != "group" {
		t.Errorf("role = %q, want group", svg.attr["role"])
	}
	// Nodes without a page are drawn, not linked.
	nodes[3].Href = ""
	nodes[4].Href = "javascript:alert(1)"
	svg = parse(t, Graph(c, nodes, edges))
	if n := len(svg.all(named("a"))); n != len(nodes)-1 {
		t.Errorf("%d links, want %d", n, len(nodes)-1)
	}
	if n := len(svg.all(classed("g", "node"))); n != len(nodes)+1 {
		t.Errorf("%d nodes drawn, want %d", n, len(nodes)+1)
	}
}

// TestGraphMore checks that neighbours past the limit become one "+K
// more" node.
func TestGraphMore(t *testing.T) {
	c, nodes, edges := neighbourhood(MaxNodes + 7)
	svg := parse(t, Graph(c, nodes, edges))
	if n := len(svg.all(classed("g", "node"))); n != MaxNodes+2 {
		t.Errorf("%d nodes drawn, want MaxNodes + the centre + more (%d)", n, MaxNodes+2)
	}
	more := svg.all(classed("g", "t-more"))
	if len(more) != 1 {
		t.Fatalf("%d more nodes, want 1", len(more))
	}
	if got := more[0].title(); got != "+7 more" {
		t.Errorf("more node says %q, want %q", got, "+7 more")
	}
	if a := more[0].within("a"); a == nil || a.attr["href"] != c.Href {
		t.Errorf("more node does not lead to the centre's page by default")
	}
	// The first MaxNodes are the ones drawn.
	titles := titlesOf(svg)
	for i, n := range nodes {
		if drawn := titles[n.Label]; drawn != (i < MaxNodes) {
			t.Errorf("node %d (%s) drawn %v", i, n.Label, drawn)
		}
	}

	svg = parse(t, Graph(c, nodes[:8], edges, Limit(5), MoreHref("/objects/malware--0/relationships")))
	more = svg.all(classed("g", "t-more"))
	if len(more) != 1 || more[0].title() != "+3 more" {
		t.Fatalf("Limit(5) of 8: more nodes %d", len(more))
	}
	if a := more[0].within("a"); a == nil || a.attr["href"] != "/objects/malware--0/relationships" {
		t.Errorf("more node ignores MoreHref")
	}
	if n := len(svg.all(named("a"))); n != 5+1+1 {
		t.Errorf("%d links, want 7", n)
	}
	// No more node when all fit.
	if strings.Contains(string(Graph(c, nodes[:5], edges, Limit(5))), "t-more") {
		t.Error("a more node with nothing more")
	}
}

func titlesOf(svg *elem) map[string]bool {
	titles := make(map[string]bool)
	for _, g := range svg.all(classed("g", "node")) {
		name, _, _ := strings.Cut(g.title(), " (")
		titles[name] = true
	}
	return titles
}

// TestGraphNodes checks what a node shows: shape and classes by type and
// marking, its label cut short and whole in its title.
func TestGraphNodes(t *testing.T) {
	long := "APT-C-36 also known as Blind Eagle, a very long name"
	c := Node{ID: "intrusion-set--1", Label: long, Type: "intrusion-set", Href: "/o/1", Marking: "TLP:AMBER+STRICT"}
	nodes := []Node{
		{ID: "x-acme-thing--2", Label: "custom", Type: "x-acme-thing", Href: "/o/2", Marking: "TLP:RED"},
		{ID: "intrusion-set--1", Label: "the centre again", Type: "intrusion-set"},
		{ID: "indicator--3", Label: "[ipv4-addr:value = '198.51.100.7']", Type: "Indicator", Href: "/o/3"},
		{ID: "indicator--3", Label: "a duplicate", Type: "indicator"},
		{ID: "tool--4", Type: "tool", Href: "/o/4"},
	}
	svg := parse(t, Graph(c, nodes, nil))
	// The centre first, then the neighbours in the order of typeOrder.
	groups := svg.all(classed("g", "node"))
	if len(groups) != 4 {
		t.Fatalf("%d nodes drawn, want 4 (the centre's id and a duplicate dropped)", len(groups))
	}
	want := []struct{ class, title, label string }{
		{"node center t-intrusion-set mk-tlp-amber-strict", long + " (intrusion-set, TLP:AMBER+STRICT)", "APT-C-36 also known as…"},
		{"node t-tool", "tool--4 (tool)", "tool--4"},
		{"node t-indicator", "[ipv4-addr:value = '198.51.100.7'] (indicator)", "[ipv4-addr:value = '198…"},
		{"node t-other mk-tlp-red", "custom (other, TLP:RED)", "custom"},
	}
	for i, g := range groups {
		if got := g.attr["class"]; got != want[i].class {
			t.Errorf("node %d class %q, want %q", i, got, want[i].class)
		}
		if got := g.title(); got != want[i].title {
			t.Errorf("node %d title %q, want %q", i, got, want[i].title)
		}
		labels := g.all(classed("text", "nlabel"))
		if len(labels) != 1 || labels[0].text != want[i].label {
			t.Errorf("node %d label %v, want %q", i, labels, want[i].label)
		}
		if len(g.all(classed("path", "shape")))+len(g.all(classed("circle", "shape")))+len(g.all(classed("rect", "shape"))) != 1 {
			t.Errorf("node %d has no shape", i)
		}
	}
	// Shapes differ by type.
	if g := groups[2].all(classed("path", "shape")); len(g) != 1 || strings.Count(g[0].attr["d"], "L") != 3 {
		t.Errorf("an indicator is not a diamond")
	}
	if g := groups[1].all(classed("path", "shape")); len(g) != 1 || strings.Count(g[0].attr["d"], "L") != 4 {
		t.Errorf("a tool is not a pentagon")
	}
	if len(groups[3].all(classed("circle", "shape"))) != 1 {
		t.Errorf("another type is not a circle")
	}
}

// TestGraphEdges checks that edges join drawn nodes only, once per pair,
// with their labels and arrows.
func TestGraphEdges(t *testing.T) {
	c := Node{ID: "malware--1", Label: "Emotet", Type: "malware"}
	nodes := []Node{
		{ID: "intrusion-set--2", Label: "TA542", Type: "intrusion-set"},
		{ID: "indicator--3", Label: "C2", Type: "indicator"},
	}
	edges := []Edge{
		{From: "intrusion-set--2", To: "malware--1", Label: "uses"},
		{From: "malware--1", To: "intrusion-set--2", Label: "related-to"},
		{From: "intrusion-set--2", To: "malware--1", Label: "uses"}, // again
		{From: "indicator--3", To: "malware--1", Label: "indicates"},
		{From: "indicator--3", To: "intrusion-set--2", Label: "indicates"},
		{From: "indicator--3", To: "indicator--3", Label: "self"},
		{From: "indicator--3", To: "malware--99", Label: "indicates"}, // not drawn
	}
	svg := parse(t, Graph(c, nodes, edges))
	lines := svg.all(classed("g", "edge"))
	var got []string
	for _, g := range lines {
		label := ""
		if l := g.all(classed("text", "elabel")); len(l) == 1 {
			label = l[0].text
		}
		got = append(got, fmt.Sprintf("%s [%s] %d", g.title(), label, len(g.all(classed("path", "arrow")))))
	}
	want := []string{
		"Emotet – TA542: uses, related-to [uses, related-to] 2",
		"C2 → Emotet: indicates [indicates] 1",
		"C2 → TA542: indicates [indicates] 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGraphRings checks the layout: the centre in the middle, neighbours
// on one ring up to oneRing of them and on two after, everything inside
// the drawing.
func TestGraphRings(t *testing.T) {
	for _, n := range []int{3, oneRing, oneRing + 1, MaxNodes} {
		c, nodes, edges := neighbourhood(n)
		l := layout(c, nodes, nil)
		radii := make(map[int]bool)
		for _, p := range l.nodes[1:] {
			radii[int(p.x*p.x+p.y*p.y+0.5)] = true
			x0, y0, x1, y1 := p.labelBox()
			if l.ox+min(x0, p.x-p.size) < 0 || l.oy+min(y0, p.y-p.size) < 0 ||
				l.ox+max(x1, p.x+p.size) > l.width || l.oy+max(y1, p.y+p.size) > l.legendY {
				t.Errorf("%d nodes: %s and its label outside the drawing", n, p.Label)
			}
		}
		wantRings := 1
		if n > oneRing {
			wantRings = 2
		}
		// Rounding may split a ring's squared radius in two neighbours.
		if len(radii) < wantRings || len(radii) > 2*wantRings {
			t.Errorf("%d nodes on %d radii, want %d rings", n, len(radii), wantRings)
		}
		if l.nodes[0].x != 0 || l.nodes[0].y != 0 {
			t.Errorf("centre at %v, %v", l.nodes[0].x, l.nodes[0].y)
		}
		_ = edges
	}
}

func TestMarkingClass(t *testing.T) {
	for in, want := range map[string]string{
		"TLP:AMBER":        "mk-tlp-amber",
		"TLP:AMBER+STRICT": "mk-tlp-amber-strict",
		" tlp:clear ":      "mk-tlp-clear",
		`" onmouseover="x`: "mk-onmouseover-x",
		"":                 "",
		"::":               "",
	} {
		if got := markingClass(in); got != want {
			t.Errorf("markingClass(%q) = %q, want %q", in, got, want)
		}
	}
}
