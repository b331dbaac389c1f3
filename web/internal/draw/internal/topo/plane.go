package topo

import "math"

// LAEA is the Lambert azimuthal equal-area projection centred on Lon0,
// Lat0 (degrees), as in Snyder, "Map Projections: A Working Manual" (USGS
// Professional Paper 1395, 1987), equations 24-2 to 24-4, on the unit
// sphere. Areas keep their proportions, which a choropleth needs: a large
// country does not look more alarming than it is.
type LAEA struct{ Lon0, Lat0 float64 }

// Project returns p (longitude, latitude) on the plane, x growing east and
// y growing south as SVG's y does, in radii of the sphere. The point
// opposite the centre has no image; Project returns it at distance 2, the
// projection's rim.
func (l LAEA) Project(p Point) Point {
	lam := (p.X - l.Lon0) * math.Pi / 180
	phi := p.Y * math.Pi / 180
	phi0 := l.Lat0 * math.Pi / 180
	sinPhi, cosPhi := math.Sincos(phi)
	sinPhi0, cosPhi0 := math.Sincos(phi0)
	sinLam, cosLam := math.Sincos(lam)
	d := 1 + sinPhi0*sinPhi + cosPhi0*cosPhi*cosLam
	if d < 1e-12 {
		return Point{0, 2}
	}
	k := math.Sqrt(2 / d)
	x := k * cosPhi * sinLam
	y := k * (cosPhi0*sinPhi - sinPhi0*cosPhi*cosLam)
	return Point{x, -y}
}

// Simplify drops the points of an arc that lie within tol of the line
// through the points kept around them (Douglas and Peucker, 1973). The end
// points always stay, so arcs still meet. A closed arc (an island drawn in
// one arc) is split at the point farthest from its start, which also
// stays, so it keeps some area.
func Simplify(pts []Point, tol float64) []Point {
	n := len(pts)
	if n < 3 {
		return pts
	}
	keep := make([]bool, n)
	keep[0], keep[n-1] = true, true
	if pts[0] == pts[n-1] {
		far, best := 0, -1.0
		for i, p := range pts {
			if d := math.Hypot(p.X-pts[0].X, p.Y-pts[0].Y); d > best {
				far, best = i, d
			}
		}
		keep[far] = true
		dp(pts, keep, 0, far, tol)
		dp(pts, keep, far, n-1, tol)
	} else {
		dp(pts, keep, 0, n-1, tol)
	}
	out := make([]Point, 0, n)
	for i, p := range pts {
		if keep[i] {
			out = append(out, p)
		}
	}
	return out
}

// dp marks the points of pts[i:j+1] to keep. It works from a stack rather
// than by recursion so that a long arc cannot exhaust the goroutine stack.
func dp(pts []Point, keep []bool, i, j int, tol float64) {
	stack := [][2]int{{i, j}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		a, b := s[0], s[1]
		if b-a < 2 {
			continue
		}
		far, best := -1, tol
		for k := a + 1; k < b; k++ {
			if d := segmentDistance(pts[k], pts[a], pts[b]); d > best {
				far, best = k, d
			}
		}
		if far < 0 {
			continue
		}
		keep[far] = true
		stack = append(stack, [2]int{a, far}, [2]int{far, b})
	}
}

// segmentDistance returns the distance from p to the segment a–b.
func segmentDistance(p, a, b Point) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return math.Hypot(p.X-a.X, p.Y-a.Y)
	}
	t := ((p.X-a.X)*dx + (p.Y-a.Y)*dy) / l2
	t = max(0, min(1, t))
	return math.Hypot(p.X-(a.X+t*dx), p.Y-(a.Y+t*dy))
}

// Clip cuts a closed ring to the box lo–hi (Sutherland and Hodgman, 1974):
// what lies outside is replaced by a walk along the box's edge. It returns
// nil if nothing of the ring is inside. The result is a closed ring whose
// last point repeats its first.
func Clip(ring []Point, lo, hi Point) []Point {
	type edge struct {
		inside func(Point) bool
		cross  func(a, b Point) Point
	}
	atX := func(x float64) func(a, b Point) Point {
		return func(a, b Point) Point {
			return Point{x, a.Y + (b.Y-a.Y)*(x-a.X)/(b.X-a.X)}
		}
	}
	atY := func(y float64) func(a, b Point) Point {
		return func(a, b Point) Point {
			return Point{a.X + (b.X-a.X)*(y-a.Y)/(b.Y-a.Y), y}
		}
	}
	edges := []edge{
		{func(p Point) bool { return p.X >= lo.X }, atX(lo.X)},
		{func(p Point) bool { return p.X <= hi.X }, atX(hi.X)},
		{func(p Point) bool { return p.Y >= lo.Y }, atY(lo.Y)},
		{func(p Point) bool { return p.Y <= hi.Y }, atY(hi.Y)},
	}
	pts := ring
	if n := len(pts); n > 1 && pts[0] == pts[n-1] {
		pts = pts[:n-1]
	}
	for _, e := range edges {
		if len(pts) == 0 {
			return nil
		}
		var out []Point
		prev := pts[len(pts)-1]
		for _, p := range pts {
			switch in, was := e.inside(p), e.inside(prev); {
			case in && was:
				out = append(out, p)
			case in && !was:
				out = append(out, e.cross(prev, p), p)
			case !in && was:
				out = append(out, e.cross(prev, p))
			}
			prev = p
		}
		pts = out
	}
	if len(pts) < 3 {
		return nil
	}
	return append(pts, pts[0])
}
