// Package topo reads TopoJSON topologies, projects them onto a plane and
// turns their rings into SVG path data. It serves the generator of the
// console's map of Europe (internal/mkatlas), not requests: everything here
// runs once, at go generate time.
//
// The steps, in the order mkatlas takes them: Parse a topology, Merge the
// rings of the features that make up one country, Project the arcs those
// rings use, Simplify the projected arcs, assemble each ring (Rings), Clip
// it to the drawing's frame, and write it with PathData. Simplifying arcs
// rather than rings keeps a border shared by two countries identical in
// both, so no slivers open between neighbours.
package topo

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// A Topology is a decoded TopoJSON file: its arcs in longitude and
// latitude (degrees) and its geometry collections by name.
type Topology struct {
	// Arcs holds every arc, undone from the delta encoding and the
	// quantization transform.
	Arcs [][]Point

	// Keys holds every arc's points as the file's quantized integers:
	// two arcs meet where their keys are equal, which floating point
	// cannot promise.
	Keys [][]Key

	Objects map[string][]Feature
}

// A Point is a position: longitude and latitude in degrees before
// projection, x and y in drawing units after.
type Point struct{ X, Y float64 }

// A Key is a quantized position as the file stores it.
type Key struct{ X, Y int64 }

// A Feature is one geometry of a collection: its id (for world-atlas, the
// ISO 3166-1 numeric code, or empty), its name property, and its rings as
// lists of arc references.
type Feature struct {
	ID    string
	Name  string
	Rings []Ring
}

// A Ring is a closed ring as TopoJSON writes it: arc indexes in order, a
// negative index ~i meaning arc i walked backwards.
type Ring []int

// MaxArcs, MaxPoints and MaxFeatures bound what Parse accepts, so that a
// damaged file fails with an error instead of exhausting memory.
const (
	MaxArcs     = 1 << 20
	MaxPoints   = 1 << 24
	MaxFeatures = 1 << 16
)

type file struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]int64          `json:"arcs"`
	Objects map[string]collection `json:"objects"`
}

type collection struct {
	Type       string     `json:"type"`
	Geometries []geometry `json:"geometries"`
}

type geometry struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Arcs       json.RawMessage `json:"arcs"`
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
}

// Parse decodes a TopoJSON topology whose objects are geometry collections
// of polygons and multipolygons (other geometry types are kept as features
// with no rings). It returns an error naming what is wrong when the file is
// not such a topology or an arc reference points outside the arcs.
func Parse(data []byte) (*Topology, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("topojson: %w", err)
	}
	if f.Type != "Topology" {
		return nil, fmt.Errorf("topojson: type is %q, want \"Topology\"", f.Type)
	}
	if len(f.Arcs) > MaxArcs {
		return nil, fmt.Errorf("topojson: %d arcs, more than MaxArcs (%d)", len(f.Arcs), MaxArcs)
	}
	t := &Topology{
		Arcs:    make([][]Point, len(f.Arcs)),
		Keys:    make([][]Key, len(f.Arcs)),
		Objects: make(map[string][]Feature),
	}
	scale, translate := [2]float64{1, 1}, [2]float64{0, 0}
	if f.Transform != nil {
		scale, translate = f.Transform.Scale, f.Transform.Translate
	}
	points := 0
	for i, arc := range f.Arcs {
		points += len(arc)
		if points > MaxPoints {
			return nil, fmt.Errorf("topojson: more than MaxPoints (%d) points", MaxPoints)
		}
		if len(arc) < 2 {
			return nil, fmt.Errorf("topojson: arc %d has %d points, want at least 2", i, len(arc))
		}
		keys := make([]Key, len(arc))
		pts := make([]Point, len(arc))
		var x, y int64
		for j, p := range arc {
			if f.Transform != nil { // quantized arcs are delta-encoded
				x, y = x+p[0], y+p[1]
			} else {
				x, y = p[0], p[1]
			}
			keys[j] = Key{x, y}
			pts[j] = Point{float64(x)*scale[0] + translate[0], float64(y)*scale[1] + translate[1]}
		}
		t.Arcs[i], t.Keys[i] = pts, keys
	}
	features := 0
	for name, c := range f.Objects {
		if c.Type != "GeometryCollection" {
			return nil, fmt.Errorf("topojson: object %q is a %s, want a GeometryCollection", name, c.Type)
		}
		features += len(c.Geometries)
		if features > MaxFeatures {
			return nil, fmt.Errorf("topojson: more than MaxFeatures (%d) geometries", MaxFeatures)
		}
		list := make([]Feature, 0, len(c.Geometries))
		for i, g := range c.Geometries {
			ft, err := t.feature(g)
			if err != nil {
				return nil, fmt.Errorf("topojson: object %q geometry %d: %w", name, i, err)
			}
			list = append(list, ft)
		}
		t.Objects[name] = list
	}
	return t, nil
}

func (t *Topology) feature(g geometry) (Feature, error) {
	ft := Feature{Name: g.Properties.Name, ID: rawID(g.ID)}
	var polygons [][][]int
	switch g.Type {
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return ft, fmt.Errorf("polygon arcs: %w", err)
		}
		polygons = [][][]int{rings}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Arcs, &polygons); err != nil {
			return ft, fmt.Errorf("multipolygon arcs: %w", err)
		}
	default:
		return ft, nil
	}
	for _, p := range polygons {
		for _, r := range p {
			if len(r) == 0 {
				return ft, fmt.Errorf("empty ring")
			}
			for _, a := range r {
				if i := index(a); i >= len(t.Arcs) {
					return ft, fmt.Errorf("arc reference %d outside the %d arcs", a, len(t.Arcs))
				}
			}
			ft.Rings = append(ft.Rings, Ring(r))
		}
	}
	return ft, nil
}

// rawID reads an id that may be a JSON string or number; world-atlas
// writes strings ("040"), so numbers are kept as written.
func rawID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// index returns the arc an arc reference names, whichever its direction.
func index(a int) int {
	if a < 0 {
		return ^a
	}
	return a
}

// Points assembles ring r from arcs: each arc after the first starts where
// the previous one ended, so its first point is dropped. The last point
// repeats the first.
func Points(r Ring, arcs [][]Point) []Point {
	var pts []Point
	for k, a := range r {
		arc := arcs[index(a)]
		n := len(arc)
		for j := range n {
			if k > 0 && j == 0 {
				continue
			}
			if a < 0 {
				pts = append(pts, arc[n-1-j])
			} else {
				pts = append(pts, arc[j])
			}
		}
	}
	return pts
}

// Merge joins rings into the outlines of their union: an arc walked once
// each way is a border between two of them and disappears, and what
// remains is stitched into closed rings again. It is how Cyprus becomes one
// island with no line across it. Merge returns an error if the remaining
// arcs do not close into rings.
func (t *Topology) Merge(rings []Ring) ([]Ring, error) {
	used := make(map[int]int) // arc index → +1 forward, -1 backward, summed
	var order []int           // arc references in first-seen order
	for _, r := range rings {
		for _, a := range r {
			if _, ok := used[index(a)]; !ok {
				order = append(order, a)
			}
			if a < 0 {
				used[index(a)]--
			} else {
				used[index(a)]++
			}
		}
	}
	start := func(a int) Key {
		k := t.Keys[index(a)]
		if a < 0 {
			return k[len(k)-1]
		}
		return k[0]
	}
	end := func(a int) Key {
		k := t.Keys[index(a)]
		if a < 0 {
			return k[0]
		}
		return k[len(k)-1]
	}
	var left []int
	from := make(map[Key][]int)
	for _, a := range order {
		switch used[index(a)] {
		case 0: // walked both ways: an inner border
			continue
		case 1:
			a = index(a)
		case -1:
			a = ^index(a)
		default:
			return nil, fmt.Errorf("merge: arc %d walked %d times in one direction", index(a), used[index(a)])
		}
		left = append(left, a)
		from[start(a)] = append(from[start(a)], a)
	}
	done := make(map[int]bool)
	var out []Ring
	for _, a := range left {
		if done[a] {
			continue
		}
		ring := Ring{a}
		done[a] = true
		first := start(a)
		for at := end(a); at != first; {
			next, ok := -1, false
			for _, b := range from[at] {
				if !done[b] {
					next, ok = b, true
					break
				}
			}
			if !ok {
				return nil, fmt.Errorf("merge: ring starting with arc %d does not close", index(a))
			}
			done[next] = true
			ring = append(ring, next)
			at = end(next)
		}
		out = append(out, ring)
	}
	return out, nil
}

// Bounds returns the smallest box holding pts, as its minimum and maximum
// corners.
func Bounds(pts []Point) (lo, hi Point) {
	lo = Point{math.Inf(1), math.Inf(1)}
	hi = Point{math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		lo.X, lo.Y = min(lo.X, p.X), min(lo.Y, p.Y)
		hi.X, hi.Y = max(hi.X, p.X), max(hi.Y, p.Y)
	}
	return lo, hi
}

// Contains reports whether p is inside the closed ring pts (even-odd rule;
// a point on the boundary may go either way).
func Contains(pts []Point, p Point) bool {
	in := false
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < a.X+(p.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y) {
			in = !in
		}
	}
	return in
}

// Area returns the signed area of a closed ring (shoelace formula).
func Area(pts []Point) float64 {
	var a float64
	for i := 1; i < len(pts); i++ {
		a += pts[i-1].X*pts[i].Y - pts[i].X*pts[i-1].Y
	}
	return a / 2
}

// PathData writes rings as SVG path data with coordinates rounded to one
// decimal: an absolute move to each ring's first point, relative lines
// after it, and a close. Rounding happens on absolute positions and the
// steps are taken between rounded positions, so errors do not add up along
// a ring. Rings left with fewer than three distinct points are skipped.
func PathData(rings [][]Point) string {
	var b []byte
	for _, r := range rings {
		tenths := make([]Key, 0, len(r))
		for _, p := range r {
			k := Key{int64(math.Round(p.X * 10)), int64(math.Round(p.Y * 10))}
			if len(tenths) > 0 && tenths[len(tenths)-1] == k {
				continue
			}
			tenths = append(tenths, k)
		}
		if len(tenths) > 1 && tenths[0] == tenths[len(tenths)-1] {
			tenths = tenths[:len(tenths)-1] // z closes the ring
		}
		if len(tenths) < 3 {
			continue
		}
		b = append(b, 'M')
		b = appendTenths(b, tenths[0].X, false)
		b = appendTenths(b, tenths[0].Y, true)
		b = append(b, 'l')
		for i := 1; i < len(tenths); i++ {
			b = appendTenths(b, tenths[i].X-tenths[i-1].X, i > 1)
			b = appendTenths(b, tenths[i].Y-tenths[i-1].Y, true)
		}
		b = append(b, 'z')
	}
	return string(b)
}

// appendTenths writes v/10 as briefly as SVG allows: "12.3", ".5", "-.5",
// "4". A separating space goes before it when sep is set and no minus sign
// already separates it from the number before.
func appendTenths(b []byte, v int64, sep bool) []byte {
	neg := v < 0
	if neg {
		v = -v
	}
	if neg {
		b = append(b, '-')
	} else if sep {
		b = append(b, ' ')
	}
	whole, frac := v/10, v%10
	if whole != 0 || frac == 0 {
		b = strconv.AppendInt(b, whole, 10)
	}
	if frac != 0 {
		b = append(b, '.', byte('0'+frac))
	}
	return b
}
