package draw

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Node is a STIX object in a relationship graph: its id, the label to
// show (its name, or its pattern for an indicator), its STIX type, the page
// it leads to, and its marking ("TLP:AMBER"), if any.
type Node struct {
	ID, Label, Type, Href string
	Marking               string
}

// An Edge is a relationship between two nodes, by id, with its
// relationship_type as its label.
type Edge struct{ From, To, Label string }

// MaxNodes is the most neighbours the graph draws around its centre; more
// are summed up in one "+K more" node.
const MaxNodes = 60

// MaxLabel is the most runes of a label shown on a node; the whole label
// is in the node's title.
const MaxLabel = 24

// typeOrder lists the STIX types the graph draws with a shape and colour
// of their own, in the order their groups go round the centre; any other
// type is drawn as "other". Each type's class is "t-" and its name.
var typeOrder = []string{
	"intrusion-set", "campaign", "malware", "tool", "attack-pattern",
	"vulnerability", "indicator", "observed-data", "sighting", "identity",
	"report", "other",
}

// Graph draws the neighbourhood of one STIX object: center in the middle,
// its neighbours round it on one ring, or on two (alternately) for more
// than 14 of them, grouped by type (intrusion-set, campaign, malware, tool,
// attack-pattern, vulnerability, indicator, observed-data, sighting,
// identity, report, then every other type) and otherwise in the order
// given; past 12 neighbours their labels run outwards along the spokes. Each node is a link to its Href (the page that pivots to that
// object), focusable from the keyboard, with a shape and a class for its
// type, a class for its marking ("mk-tlp-amber"), its label cut to
// MaxLabel runes and the whole label in its title. Each edge is a line
// with an arrow towards To and its label along it; edges between two
// nodes that are not drawn are left out, and two edges between the same
// nodes share one line and join their labels.
//
// Nodes with the centre's id or an id seen before are dropped. Beyond the
// limit (MaxNodes, or Limit), the first ones are drawn and a "+K more"
// node leads to MoreHref, by default the centre's page.
//
// The layout depends on nothing but the arguments: the same input gives
// the same bytes. Options: Title, Limit, MoreHref. Graph is safe for
// concurrent use.
func Graph(center Node, nodes []Node, edges []Edge, opts ...Option) template.HTML {
	c := newConfig(opts)
	title := c.title
	if title == "" {
		title = "Relationships of " + nodeName(center)
	}

	seen := map[string]bool{center.ID: center.ID != ""}
	var shown []Node
	more := 0
	for _, n := range nodes {
		if n.ID != "" && seen[n.ID] {
			continue
		}
		seen[n.ID] = n.ID != ""
		if len(shown) == c.limit {
			more++
			continue
		}
		shown = append(shown, n)
	}
	sort.SliceStable(shown, func(i, j int) bool {
		return typeRank(shown[i].Type) < typeRank(shown[j].Type)
	})

	var rest *Node
	if more > 0 {
		href := c.moreHref
		if href == "" {
			href = center.Href
		}
		rest = &Node{Label: "+" + strconv.Itoa(more) + " more", Href: href}
	}
	l := layout(center, shown, rest)

	links := false
	for _, n := range l.nodes {
		if _, ok := safeHref(n.Href); ok {
			links = true
		}
	}

	var s svg
	s.open("draw-graph", l.width, l.height, title, links)
	l.edges(&s, edges)
	for _, n := range l.nodes {
		l.node(&s, n)
	}
	l.legend(&s)
	return s.close()
}

// The geometry of the graph, in drawing units: node sizes, rings, text.
const (
	centerSize = 18
	nodeSize   = 11
	oneRing    = 14  // up to this many neighbours sit on one ring
	flatLabels = 12  // up to this many neighbours have level labels
	ringOne    = 210 // the radius of the single ring
	ringInner  = 190 // the radii of two rings
	ringOuter  = 300
	edgeFont   = 9
	legendRow  = 18
)

// placed is a node with its place: its centre x, y, the angle from the
// graph's centre (radians, clockwise from east), its size, and how its
// label runs.
type placed struct {
	Node
	x, y, angle, size float64
	radial            bool // the label runs outwards along the angle
	center, more      bool // the centre, the "+K more" node
}

// class is the node's type class.
func (p placed) class() string {
	if p.more {
		return "t-more"
	}
	return typeClass(p.Type)
}

type graphLayout struct {
	nodes         []placed // the centre first
	ox, oy        float64  // where the graph's centre is in the drawing
	width, height float64
	legendY       float64
	types         []string // the types drawn, for the legend
}

// layout places the centre and its neighbours, then rest (the "+K more"
// node) if there is one, and sizes the drawing to hold them with their
// labels.
func layout(center Node, shown []Node, rest *Node) *graphLayout {
	l := &graphLayout{}
	l.nodes = append(l.nodes, placed{Node: center, size: centerSize, center: true})
	n := len(shown)
	if rest != nil {
		n++
	}
	// Slots round the ring: one per node and, between groups of
	// different types, an empty one, so that the groups show.
	var slot []int
	k := 0
	for i, nd := range shown {
		if i > 0 && typeRank(nd.Type) != typeRank(shown[i-1].Type) && n > 3 {
			k++
		}
		slot = append(slot, k)
		k++
	}
	if rest != nil {
		if n > 3 {
			k++
		}
		slot = append(slot, k)
		k++
	}
	total := float64(k)
	if n > 3 && len(shown) > 0 && (rest != nil || typeRank(shown[0].Type) != typeRank(shown[len(shown)-1].Type)) {
		total++ // and a gap between the last group and the first
	}
	radial := n > flatLabels
	for i := range n {
		a := -math.Pi/2 + 2*math.Pi*float64(slot[i])/total
		r := float64(ringOne)
		if n > oneRing {
			r = ringInner
			if i%2 == 1 {
				r = ringOuter
			}
		}
		p := placed{x: r * math.Cos(a), y: r * math.Sin(a), angle: a, size: nodeSize, radial: radial}
		if i < len(shown) {
			p.Node = shown[i]
		} else {
			p.Node, p.more = *rest, true
		}
		l.nodes = append(l.nodes, p)
	}

	// The drawing holds every node and its label, with a margin.
	lo := [2]float64{-centerSize, -centerSize}
	hi := [2]float64{centerSize, centerSize}
	grow := func(x, y float64) {
		lo[0], lo[1] = min(lo[0], x), min(lo[1], y)
		hi[0], hi[1] = max(hi[0], x), max(hi[1], y)
	}
	for _, p := range l.nodes {
		grow(p.x-p.size, p.y-p.size)
		grow(p.x+p.size, p.y+p.size)
		x0, y0, x1, y1 := p.labelBox()
		grow(x0, y0)
		grow(x1, y1)
	}
	const margin = 12
	l.ox, l.oy = margin-lo[0], margin-lo[1]
	l.width = hi[0] - lo[0] + 2*margin
	l.legendY = hi[1] - lo[1] + 2*margin

	seen := make(map[string]bool)
	for _, p := range l.nodes {
		t := p.class()
		if p.more || seen[t] {
			continue
		}
		seen[t] = true
		l.types = append(l.types, t)
	}
	sort.SliceStable(l.types, func(i, j int) bool {
		return typeRank(strings.TrimPrefix(l.types[i], "t-")) < typeRank(strings.TrimPrefix(l.types[j], "t-"))
	})
	perRow := max(1, int(l.width/legendWidth))
	rows := (len(l.types) + perRow - 1) / perRow
	l.height = l.legendY + float64(rows)*legendRow + 4
	return l
}

// labelText is what a node shows.
func (p placed) labelText() string { return truncate(nodeName(p.Node), MaxLabel) }

// labelStart returns where p's label begins (x, y, relative to the graph's
// centre), its anchor, and its rotation in degrees.
func (p placed) labelStart() (x, y float64, anchor string, rotate float64) {
	gap := p.size + 5
	if p.center {
		return p.x, p.y + gap + fontSize, "middle", 0
	}
	cos, sin := math.Cos(p.angle), math.Sin(p.angle)
	if p.radial {
		x, y = p.x+gap*cos, p.y+gap*sin
		deg := p.angle * 180 / math.Pi
		if cos < -1e-9 { // the left half reads from the outside in
			return x, y, "end", deg + 180
		}
		return x, y, "", deg
	}
	switch {
	case cos > 0.35:
		return p.x + gap, p.y + 4, "", 0
	case cos < -0.35:
		return p.x - gap, p.y + 4, "end", 0
	case sin > 0:
		return p.x, p.y + gap + fontSize - 2, "middle", 0
	default:
		return p.x, p.y - gap, "middle", 0
	}
}

// labelBox returns a box that holds p's label, as its corners.
func (p placed) labelBox() (x0, y0, x1, y1 float64) {
	w := charWidth * float64(utf8.RuneCountInString(p.labelText()))
	x, y, anchor, _ := p.labelStart()
	if p.radial {
		// Along the ray from the label's start.
		ex, ey := x+w*math.Cos(p.angle), y+w*math.Sin(p.angle)
		return min(x, ex) - 4, min(y, ey) - 4, max(x, ex) + 4, max(y, ey) + 4
	}
	switch anchor {
	case "middle":
		x -= w / 2
	case "end":
		x -= w
	}
	return x, y - fontSize, x + w, y + 3
}

// edges draws the edges among the placed nodes, under them.
func (l *graphLayout) edges(s *svg, edges []Edge) {
	at := make(map[string]int)
	for i, p := range l.nodes {
		if p.ID != "" {
			at[p.ID] = i
		}
	}
	type pair struct{ a, b int } // a < b
	type line struct {
		labels   []string
		toA, toB bool // arrows
	}
	var order []pair
	lines := make(map[pair]*line)
	for _, e := range edges {
		i, ok1 := at[e.From]
		j, ok2 := at[e.To]
		if !ok1 || !ok2 || i == j {
			continue
		}
		pr := pair{min(i, j), max(i, j)}
		ln := lines[pr]
		if ln == nil {
			ln = &line{}
			lines[pr] = ln
			order = append(order, pr)
		}
		if j == pr.b {
			ln.toB = true
		} else {
			ln.toA = true
		}
		label := strings.TrimSpace(e.Label)
		if label != "" && !contains(ln.labels, label) {
			ln.labels = append(ln.labels, label)
		}
	}
	s.WriteString(`<g class="edges">`)
	for _, pr := range order {
		ln := lines[pr]
		a, b := l.nodes[pr.a], l.nodes[pr.b]
		dx, dy := b.x-a.x, b.y-a.y
		d := math.Hypot(dx, dy)
		if d < a.size+b.size+2 {
			continue
		}
		ux, uy := dx/d, dy/d
		x1, y1 := a.x+ux*(a.size+2), a.y+uy*(a.size+2)
		x2, y2 := b.x-ux*(b.size+2), b.y-uy*(b.size+2)
		label := strings.Join(ln.labels, ", ")
		tip := nodeName(a.Node) + " – " + nodeName(b.Node)
		if ln.toB && !ln.toA {
			tip = nodeName(a.Node) + " → " + nodeName(b.Node)
		} else if ln.toA && !ln.toB {
			tip = nodeName(b.Node) + " → " + nodeName(a.Node)
		}
		if label != "" {
			tip += ": " + label
		}
		s.WriteString(`<g class="edge"><title>`)
		s.text(tip)
		s.WriteString(`</title>`)
		s.line("link", l.ox+x1, l.oy+y1, l.ox+x2, l.oy+y2)
		if ln.toB {
			l.arrow(s, x2, y2, ux, uy)
		}
		if ln.toA {
			l.arrow(s, x1, y1, -ux, -uy)
		}
		if label != "" {
			mx, my := l.labelAt(a, b, x1, y1, x2, y2)
			deg := math.Atan2(uy, ux) * 180 / math.Pi
			if deg > 90 || deg < -90 {
				deg += 180 // never upside down
			}
			s.WriteString(`<text class="elabel" x="`)
			s.num(l.ox + mx)
			s.WriteString(`" y="`)
			s.num(l.oy + my - 3)
			s.WriteString(`" text-anchor="middle" transform="rotate(`)
			s.num(deg)
			s.WriteByte(' ')
			s.num(l.ox + mx)
			s.WriteByte(' ')
			s.num(l.oy + my)
			s.WriteString(`)">`)
			s.text(truncate(label, MaxLabel))
			s.WriteString(`</text>`)
		}
		s.WriteString(`</g>`)
	}
	s.WriteString(`</g>`)
}

// labelAt returns where the label of the edge from a to b (drawn from
// x1, y1 to x2, y2) is centred. Spokes from the centre crowd near it, so
// their labels go further out: to the outer ring between the rings, where
// the inner ring's spokes have ended, and to the inner ring past the
// middle of the spoke. Other edges have theirs in the middle.
func (l *graphLayout) labelAt(a, b placed, x1, y1, x2, y2 float64) (x, y float64) {
	if a.center != b.center {
		if b.center {
			a, b = b, a
		}
		r := math.Hypot(b.x, b.y)
		d := 0.6 * r
		if r > (ringInner+ringOuter)/2 {
			d = (ringInner + ringOuter) / 2
		}
		return a.x + d*math.Cos(b.angle), a.y + d*math.Sin(b.angle)
	}
	return (x1 + x2) / 2, (y1 + y2) / 2
}

// arrow draws an arrowhead with its tip at x, y pointing along ux, uy.
func (l *graphLayout) arrow(s *svg, x, y, ux, uy float64) {
	const length, half = 8, 3.5
	bx, by := x-ux*length, y-uy*length
	s.WriteString(`<path class="arrow" d="M`)
	s.num(l.ox + x)
	s.WriteByte(' ')
	s.num(l.oy + y)
	s.WriteByte('L')
	s.num(l.ox + bx - uy*half)
	s.WriteByte(' ')
	s.num(l.oy + by + ux*half)
	s.WriteByte('L')
	s.num(l.ox + bx + uy*half)
	s.WriteByte(' ')
	s.num(l.oy + by - ux*half)
	s.WriteString(`z"/>`)
}

// node draws one node: a link (when its Href is one) around its shape and
// label.
func (l *graphLayout) node(s *svg, p placed) {
	name := nodeName(p.Node)
	tip := name
	if !p.more {
		tip += " (" + typeName(p.Type)
		if m := strings.TrimSpace(p.Marking); m != "" {
			tip += ", " + m
		}
		tip += ")"
	}
	linked := s.link(p.Href, tip)
	s.WriteString(`<g class="node `)
	if p.center {
		s.WriteString(`center `)
	}
	s.WriteString(p.class())
	if m := markingClass(p.Marking); m != "" {
		s.WriteString(` `)
		s.WriteString(m)
	}
	s.WriteString(`"><title>`)
	s.text(tip)
	s.WriteString(`</title>`)
	s.shape(p.class(), l.ox+p.x, l.oy+p.y, p.size)
	x, y, anchor, rot := p.labelStart()
	s.WriteString(`<text class="nlabel" x="`)
	s.num(l.ox + x)
	s.WriteString(`" y="`)
	s.num(l.oy + y)
	if p.radial {
		// Centred on the ray: the baseline sits a third of the font
		// size below it, then the whole turns about the start.
		s.WriteString(`" dy="4" transform="rotate(`)
		s.num(rot)
		s.WriteByte(' ')
		s.num(l.ox + x)
		s.WriteByte(' ')
		s.num(l.oy + y)
		s.WriteString(`)`)
	}
	s.WriteString(`"`)
	if anchor != "" {
		s.WriteString(` text-anchor="`)
		s.WriteString(anchor)
		s.WriteString(`"`)
	}
	s.WriteString(`>`)
	s.text(p.labelText())
	s.WriteString(`</text></g>`)
	if linked {
		s.WriteString(`</a>`)
	}
}

// legendWidth is the room one legend entry takes.
const legendWidth = 130

// legend names the types drawn, with their shapes, under the graph.
func (l *graphLayout) legend(s *svg) {
	perRow := max(1, int(l.width/legendWidth))
	s.WriteString(`<g class="legend">`)
	for i, t := range l.types {
		x := 12 + float64(i%perRow)*legendWidth
		y := l.legendY + float64(i/perRow)*legendRow
		s.WriteString(`<g class="`)
		s.WriteString(t)
		s.WriteString(`">`)
		s.shape(t, x+7, y+7, 6)
		s.WriteString(`</g>`)
		s.label("legend", "", x+18, y+11, strings.TrimPrefix(t, "t-"))
	}
	s.WriteString(`</g>`)
}

// shape draws the mark of a type class, of size r (about its radius),
// centred on x, y.
func (s *svg) shape(class string, x, y, r float64) {
	poly := func(sides int, turn float64, rx, ry float64) {
		s.WriteString(`<path class="shape" d="`)
		for i := range sides {
			a := turn + 2*math.Pi*float64(i)/float64(sides)
			if i == 0 {
				s.WriteByte('M')
			} else {
				s.WriteByte('L')
			}
			s.num(x + rx*math.Cos(a))
			s.WriteByte(' ')
			s.num(y + ry*math.Sin(a))
		}
		s.WriteString(`z"/>`)
	}
	rect := func(w, h float64) {
		s.WriteString(`<rect class="shape" x="`)
		s.num(x - w/2)
		s.WriteString(`" y="`)
		s.num(y - h/2)
		s.WriteString(`" width="`)
		s.num(w)
		s.WriteString(`" height="`)
		s.num(h)
		s.WriteString(`"/>`)
	}
	switch class {
	case "t-indicator":
		poly(4, -math.Pi/2, r*1.2, r*1.2)
	case "t-intrusion-set":
		poly(3, -math.Pi/2, r*1.25, r*1.25)
	case "t-campaign":
		poly(3, math.Pi/2, r*1.25, r*1.25)
	case "t-malware":
		poly(6, 0, r*1.05, r*1.05)
	case "t-tool":
		poly(5, -math.Pi/2, r*1.1, r*1.1)
	case "t-attack-pattern":
		rect(r*1.7, r*1.7)
	case "t-vulnerability":
		poly(8, math.Pi/8, r*1.05, r*1.05)
	case "t-report":
		rect(r*1.4, r*1.9)
	case "t-observed-data":
		rect(r*2, r*1.3)
	default: // identity, sighting, other, more
		s.WriteString(`<circle class="shape" cx="`)
		s.num(x)
		s.WriteString(`" cy="`)
		s.num(y)
		s.WriteString(`" r="`)
		s.num(r)
		s.WriteString(`"/>`)
	}
}

// nodeName is a node's label, or its id if it has none.
func nodeName(n Node) string {
	if l := strings.TrimSpace(n.Label); l != "" {
		return l
	}
	if n.ID != "" {
		return n.ID
	}
	return "(unnamed)"
}

// typeName is the type as the legend and titles name it.
func typeName(t string) string { return strings.TrimPrefix(typeClass(t), "t-") }

// typeClass returns the class of a STIX type: "t-malware", or "t-other"
// for a type without a style of its own.
func typeClass(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if contains(typeOrder, t) {
		return "t-" + t
	}
	return "t-other"
}

// typeRank is where a type's group goes round the ring.
func typeRank(t string) int {
	c := strings.TrimPrefix(typeClass(t), "t-")
	for i, x := range typeOrder {
		if x == c {
			return i
		}
	}
	return len(typeOrder) - 1 // other
}

// markingClass returns the class of a marking: "TLP:AMBER+STRICT" is
// "mk-tlp-amber-strict". Anything but letters and digits becomes a dash,
// so the class cannot break out of its attribute or name another class.
func markingClass(m string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(m) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() > 40 {
			break
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "mk-" + b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
