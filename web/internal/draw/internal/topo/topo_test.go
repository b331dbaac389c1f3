package topo

import (
	"math"
	"strings"
	"testing"
)

// Two unit squares side by side, sharing the arc x=1 from y=0 to y=1,
// quantized with scale 0.5 and delta-encoded:
//
//	arc 0: (1,0) → (1,1)              the shared border
//	arc 1: (1,1) → (0,1) → (0,0) → (1,0)  the rest of the left square
//	arc 2: (1,0) → (2,0) → (2,1) → (1,1)  the rest of the right square
const twoSquares = `{
  "type": "Topology",
  "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
  "arcs": [
    [[2,0],[0,2]],
    [[2,2],[-2,0],[0,-2],[2,0]],
    [[2,0],[2,0],[0,2],[-2,0]]
  ],
  "objects": {"countries": {"type": "GeometryCollection", "geometries": [
    {"type": "Polygon", "id": "001", "properties": {"name": "Left"}, "arcs": [[0, 1]]},
    {"type": "MultiPolygon", "id": "002", "properties": {"name": "Right"}, "arcs": [[[2, -1]]]},
    {"type": null, "id": "003", "properties": {"name": "Nowhere"}}
  ]}}
}`

func TestParse(t *testing.T) {
	topo, err := Parse([]byte(twoSquares))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := topo.Arcs[1], []Point{{11, 21}, {10, 21}, {10, 20}, {11, 20}}; !equal(got, want) {
		t.Errorf("arc 1 = %v, want %v", got, want)
	}
	fs := topo.Objects["countries"]
	if len(fs) != 3 || fs[0].ID != "001" || fs[1].Name != "Right" || len(fs[2].Rings) != 0 {
		t.Fatalf("features = %+v", fs)
	}
	// The right square walks arc 0 backwards: (1,1) → (1,0).
	got := Points(fs[1].Rings[0], topo.Arcs)
	want := []Point{{11, 20}, {12, 20}, {12, 21}, {11, 21}, {11, 20}}
	if !equal(got, want) {
		t.Errorf("right ring = %v, want %v", got, want)
	}
	if a := Area(got); a != 1 {
		t.Errorf("area = %v, want 1", a)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"type": "FeatureCollection"}`, `type is "FeatureCollection"`},
		{`{"type": "Topology", "arcs": [[[0,0]]]}`, "arc 0 has 1 points"},
		{`{"type": "Topology", "arcs": [[[0,0],[1,1]]], "objects": {"x": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[5]]}]}}}`, "arc reference 5 outside the 1 arcs"},
		{`{"type": "Topology", "arcs": [[[0,0],[1,1]]], "objects": {"x": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[-3]]}]}}}`, "arc reference -3 outside"},
		{`{"type": "Topology", "objects": {"x": {"type": "Polygon"}}}`, `object "x" is a Polygon`},
		{`[`, "topojson:"},
	} {
		_, err := Parse([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestMerge(t *testing.T) {
	topo, err := Parse([]byte(twoSquares))
	if err != nil {
		t.Fatal(err)
	}
	fs := topo.Objects["countries"]
	rings, err := topo.Merge([]Ring{fs[0].Rings[0], fs[1].Rings[0]})
	if err != nil {
		t.Fatal(err)
	}
	if len(rings) != 1 {
		t.Fatalf("merged into %d rings, want 1: %v", len(rings), rings)
	}
	for _, a := range rings[0] {
		if a == 0 || a == -1 {
			t.Errorf("the shared border (arc 0) is still in %v", rings[0])
		}
	}
	pts := Points(rings[0], topo.Arcs)
	if pts[0] != pts[len(pts)-1] {
		t.Errorf("merged ring %v is not closed", pts)
	}
	if a := math.Abs(Area(pts)); a != 2 {
		t.Errorf("merged area = %v, want 2", a)
	}
	// A ring merged alone is itself.
	one, err := topo.Merge([]Ring{fs[0].Rings[0]})
	if err != nil || len(one) != 1 || math.Abs(Area(Points(one[0], topo.Arcs))) != 1 {
		t.Errorf("Merge(left) = %v, %v", one, err)
	}
}

func TestLAEA(t *testing.T) {
	p := LAEA{Lon0: 10, Lat0: 52}
	if c := p.Project(Point{10, 52}); math.Abs(c.X) > 1e-12 || math.Abs(c.Y) > 1e-12 {
		t.Errorf("centre projects to %v, want the origin", c)
	}
	// East is right and north is up (y grows south): not mirrored.
	if e := p.Project(Point{20, 52}); e.X <= 0 {
		t.Errorf("10° east of the centre projects to %v, want x > 0", e)
	}
	if n := p.Project(Point{10, 62}); n.Y >= 0 || math.Abs(n.X) > 1e-12 {
		t.Errorf("10° north of the centre projects to %v, want x = 0, y < 0", n)
	}
	// Distance from the centre along a meridian: 2 sin(c/2) for angle c.
	if n := p.Project(Point{10, 62}); math.Abs(-n.Y-2*math.Sin(10*math.Pi/360)) > 1e-12 {
		t.Errorf("10° north projects at %v, want %v", -n.Y, 2*math.Sin(10*math.Pi/360))
	}
	// Equal area: a small cell keeps the area it has on the unit sphere,
	// here and far from the centre.
	for _, c := range []Point{{10, 52}, {-20, 65}, {35, 35}} {
		const d = 0.01
		ring := []Point{c, {c.X + d, c.Y}, {c.X + d, c.Y + d}, {c.X, c.Y + d}, c}
		var proj []Point
		for _, q := range ring {
			proj = append(proj, p.Project(q))
		}
		rad := math.Pi / 180
		sphere := d * rad * (math.Sin((c.Y+d)*rad) - math.Sin(c.Y*rad))
		if got := math.Abs(Area(proj)); math.Abs(got-sphere)/sphere > 1e-3 {
			t.Errorf("cell at %v: area %v on the plane, %v on the sphere", c, got, sphere)
		}
	}
}

func TestSimplify(t *testing.T) {
	line := []Point{{0, 0}, {1, 0.1}, {2, -0.1}, {3, 0}, {4, 5}, {5, 0}}
	got := Simplify(line, 0.5)
	if want := []Point{{0, 0}, {3, 0}, {4, 5}, {5, 0}}; !equal(got, want) {
		t.Errorf("Simplify = %v, want %v", got, want)
	}
	// A closed arc keeps enough points to be a ring.
	ring := []Point{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}
	if got := Simplify(ring, 100); len(got) < 3 || got[0] != got[len(got)-1] {
		t.Errorf("Simplify(closed) = %v, want a ring of at least 3 points", got)
	}
}

func TestClip(t *testing.T) {
	sq := []Point{{-5, -5}, {5, -5}, {5, 5}, {-5, 5}, {-5, -5}}
	got := Clip(sq, Point{0, 0}, Point{10, 10})
	if a := math.Abs(Area(got)); a != 25 {
		t.Errorf("clipped area = %v, want 25 (%v)", a, got)
	}
	if got[0] != got[len(got)-1] {
		t.Errorf("clipped ring %v is not closed", got)
	}
	for _, p := range got {
		if p.X < 0 || p.Y < 0 || p.X > 10 || p.Y > 10 {
			t.Errorf("point %v outside the box", p)
		}
	}
	if got := Clip(sq, Point{20, 20}, Point{30, 30}); got != nil {
		t.Errorf("ring outside the box clipped to %v, want nil", got)
	}
	if got := Clip(sq, Point{-10, -10}, Point{10, 10}); math.Abs(Area(got)) != 100 {
		t.Errorf("ring inside the box clipped to %v", got)
	}
}

func TestPathData(t *testing.T) {
	rings := [][]Point{
		{{10.04, 20}, {10.06, 20}, {10.55, 20.5}, {9.5, 21}, {10.04, 20}},
		{{0, 0}, {0.01, 0.01}, {0, 0}}, // nothing left after rounding
	}
	if got, want := PathData(rings), "M10 20l.1 0 .5 .5-1.1 .5z"; got != want {
		t.Errorf("PathData = %q, want %q", got, want)
	}
}

func TestContains(t *testing.T) {
	sq := []Point{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}
	if !Contains(sq, Point{1, 1}) || Contains(sq, Point{3, 1}) {
		t.Error("Contains is wrong about a square")
	}
}

func equal(a, b []Point) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i].X-b[i].X) > 1e-9 || math.Abs(a[i].Y-b[i].Y) > 1e-9 {
			return false
		}
	}
	return true
}
