// Command mkatlas writes the outlines of the map of Europe that package draw
// draws: it reads Natural Earth's countries from world-atlas's TopoJSON
// (web/internal/draw/atlas), keeps the EU member states and their
// neighbours, projects them, simplifies and crops them, and writes a Go
// file of SVG path data. package draw runs it with go generate:
//
//	go generate ./web/internal/draw
//
// which is
//
//	go run ./internal/mkatlas -in atlas/countries-50m.json -out europe_data.go
//
// The output depends on nothing but the input file and the constants
// below: running it again gives the same bytes (TestGeneratedUpToDate
// checks the checked-in file).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"math"
	"os"
	"sort"

	"github.com/rampart-cti/rampart/web/internal/draw/internal/topo"
)

// The drawing: a Lambert azimuthal equal-area projection centred on 10° E
// 52° N (close to Europe's middle, as the EU's own ETRS89-LAEA is), scaled
// to Width drawing units across; rings outside the geographic box are
// dropped before projecting and what is drawn is cropped to a frame around
// the member states and Iceland.
const (
	lon0, lat0 = 10, 52
	Width      = 1000

	// The box of longitudes and latitudes that sets the frame: the
	// member states' rings that reach into it, and Iceland, are in the
	// frame; French Guiana, Réunion, the Canaries and Madeira are not.
	boxWest, boxEast, boxSouth, boxNorth = -25, 45, 34, 72

	// Rings outside this wider box are not even projected (far from the
	// frame, and the projection degrades towards its antipode); the rest
	// are cut to the frame.
	farWest, farEast, farSouth, farNorth = -45, 75, 20, 85

	// tolerance is how far (drawing units) simplified borders may stray
	// from Natural Earth's: half a unit is under a pixel at the usual
	// size of the map.
	tolerance = 0.45

	// minArea drops islands smaller than this many square units: rocks
	// nobody can click, and bytes every page would carry.
	minArea = 1.5

	// smallArea is the area (square units) under which a member state also
	// gets a marker circle, to be seen and clicked at all: Malta and
	// Luxembourg (about 160), not Cyprus (about 570).
	smallArea = 300

	// margin (units) around the frame's content.
	margin = 8
)

// A country the map draws: its ISO 3166-1 numeric code as world-atlas
// names it (or, for the few features without one, its name there), its
// ISO 3166-1 alpha-2 code, its English short name, and whether it is an EU
// member state. Features listed in also are merged into it.
type country struct {
	numeric string
	alpha2  string
	name    string
	member  bool
	also    []string
}

// countries lists the member states and the neighbours drawn, greyed, for
// context. Greece is GR here as in ISO 3166; the EU's "EL" is an alias
// package draw accepts. Cyprus is the whole island, as the EU counts it;
// Åland is part of Finland.
var countries = []country{
	{"040", "AT", "Austria", true, nil},
	{"056", "BE", "Belgium", true, nil},
	{"100", "BG", "Bulgaria", true, nil},
	{"191", "HR", "Croatia", true, nil},
	{"196", "CY", "Cyprus", true, []string{"N. Cyprus"}},
	{"203", "CZ", "Czechia", true, nil},
	{"208", "DK", "Denmark", true, nil},
	{"233", "EE", "Estonia", true, nil},
	{"246", "FI", "Finland", true, []string{"248"}},
	{"250", "FR", "France", true, nil},
	{"276", "DE", "Germany", true, nil},
	{"300", "GR", "Greece", true, nil},
	{"348", "HU", "Hungary", true, nil},
	{"372", "IE", "Ireland", true, nil},
	{"380", "IT", "Italy", true, nil},
	{"428", "LV", "Latvia", true, nil},
	{"440", "LT", "Lithuania", true, nil},
	{"442", "LU", "Luxembourg", true, nil},
	{"470", "MT", "Malta", true, nil},
	{"528", "NL", "Netherlands", true, nil},
	{"616", "PL", "Poland", true, nil},
	{"620", "PT", "Portugal", true, nil},
	{"642", "RO", "Romania", true, nil},
	{"703", "SK", "Slovakia", true, nil},
	{"705", "SI", "Slovenia", true, nil},
	{"724", "ES", "Spain", true, nil},
	{"752", "SE", "Sweden", true, nil},

	{"008", "AL", "Albania", false, nil},
	{"012", "DZ", "Algeria", false, nil},
	{"020", "AD", "Andorra", false, nil},
	{"031", "AZ", "Azerbaijan", false, nil},
	{"051", "AM", "Armenia", false, nil},
	{"070", "BA", "Bosnia and Herzegovina", false, nil},
	{"112", "BY", "Belarus", false, nil},
	{"234", "FO", "Faroe Islands", false, nil},
	{"268", "GE", "Georgia", false, nil},
	{"275", "PS", "Palestine", false, nil},
	{"304", "GL", "Greenland", false, nil},
	{"336", "VA", "Vatican City", false, nil},
	{"352", "IS", "Iceland", false, nil},
	{"364", "IR", "Iran", false, nil},
	{"368", "IQ", "Iraq", false, nil},
	{"376", "IL", "Israel", false, nil},
	{"398", "KZ", "Kazakhstan", false, nil},
	{"400", "JO", "Jordan", false, nil},
	{"422", "LB", "Lebanon", false, nil},
	{"434", "LY", "Libya", false, nil},
	{"438", "LI", "Liechtenstein", false, nil},
	{"492", "MC", "Monaco", false, nil},
	{"498", "MD", "Moldova", false, nil},
	{"499", "ME", "Montenegro", false, nil},
	{"504", "MA", "Morocco", false, nil},
	{"578", "NO", "Norway", false, nil},
	{"643", "RU", "Russia", false, nil},
	{"674", "SM", "San Marino", false, nil},
	{"682", "SA", "Saudi Arabia", false, nil},
	{"688", "RS", "Serbia", false, nil},
	{"756", "CH", "Switzerland", false, nil},
	{"760", "SY", "Syria", false, nil},
	{"788", "TN", "Tunisia", false, nil},
	{"792", "TR", "Türkiye", false, nil},
	{"804", "UA", "Ukraine", false, nil},
	{"807", "MK", "North Macedonia", false, nil},
	{"818", "EG", "Egypt", false, nil},
	{"826", "GB", "United Kingdom", false, nil},
	{"831", "GG", "Guernsey", false, nil},
	{"832", "JE", "Jersey", false, nil},
	{"833", "IM", "Isle of Man", false, nil},
	{"Kosovo", "XK", "Kosovo", false, nil},
}

// A transfer moves the ring of one feature that holds a point to another
// country before the rings are merged.
type transfer struct {
	from, to string // numeric codes
	at       topo.Point
}

// transfers corrects Natural Earth's de facto borders where the EU's
// differ: Crimea, which Natural Earth 4.1 draws as part of Russia, belongs
// to Ukraine.
var transfers = []transfer{
	{"643", "804", topo.Point{X: 34.1, Y: 45.0}}, // Crimea
}

func main() {
	in := flag.String("in", "atlas/countries-50m.json", "world-atlas TopoJSON `file` to read")
	out := flag.String("out", "europe_data.go", "Go `file` to write")
	flag.Parse()
	data, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkatlas: error: %v\n", err)
		os.Exit(1)
	}
	src, err := generate(data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkatlas: error: %s: %v\n", *in, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "mkatlas: error: %v\n", err)
		os.Exit(1)
	}
}

// outline is a country on its way to the drawing.
type outline struct {
	country
	rings  []topo.Ring
	framed []topo.Ring    // the rings that set the frame
	plane  [][]topo.Point // rings projected, simplified, cropped
}

// generate returns the Go source of europe_data.go for a world-atlas
// topology.
func generate(data []byte) ([]byte, error) {
	t, err := topo.Parse(data)
	if err != nil {
		return nil, err
	}
	features := make(map[string]topo.Feature)
	for _, f := range t.Objects["countries"] {
		key := f.ID
		if key == "" {
			key = f.Name
		}
		features[key] = f
	}

	// Rings by feature, after the transfers.
	ringsOf := make(map[string][]topo.Ring)
	for key, f := range features {
		ringsOf[key] = f.Rings
	}
	for _, tr := range transfers {
		var kept []topo.Ring
		moved := false
		for _, r := range ringsOf[tr.from] {
			if topo.Contains(topo.Points(r, t.Arcs), tr.at) {
				ringsOf[tr.to] = append(ringsOf[tr.to], r)
				moved = true
				continue
			}
			kept = append(kept, r)
		}
		if !moved {
			return nil, fmt.Errorf("no ring of %q holds %v to move to %q", tr.from, tr.at, tr.to)
		}
		ringsOf[tr.from] = kept
	}
	merge := make(map[string]bool)
	for _, tr := range transfers {
		merge[tr.to] = true
	}

	// Rings by country, merged, and kept if they reach into the box.
	outlines := make([]*outline, 0, len(countries))
	for _, c := range countries {
		var rings []topo.Ring
		for _, key := range append([]string{c.numeric}, c.also...) {
			if _, ok := features[key]; !ok {
				return nil, fmt.Errorf("no country %q in the topology", key)
			}
			rings = append(rings, ringsOf[key]...)
		}
		if len(c.also) > 0 || merge[c.numeric] {
			if rings, err = t.Merge(rings); err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
		}
		o := &outline{country: c}
		for _, r := range rings {
			lo, hi := topo.Bounds(topo.Points(r, t.Arcs))
			if hi.X < farWest || lo.X > farEast || hi.Y < farSouth || lo.Y > farNorth {
				continue
			}
			o.rings = append(o.rings, r)
			if (c.member || c.alpha2 == "IS") && hi.X >= boxWest && lo.X <= boxEast && hi.Y >= boxSouth && lo.Y <= boxNorth {
				o.framed = append(o.framed, r)
			}
		}
		if c.member && len(o.framed) == 0 {
			return nil, fmt.Errorf("%s: no ring inside the box", c.name)
		}
		outlines = append(outlines, o)
	}

	// Project the arcs in use onto the unit sphere's plane.
	proj := topo.LAEA{Lon0: lon0, Lat0: lat0}
	arcs := make([][]topo.Point, len(t.Arcs))
	for _, o := range outlines {
		for _, r := range o.rings {
			for _, a := range r {
				i := a
				if i < 0 {
					i = ^i
				}
				if arcs[i] != nil {
					continue
				}
				arcs[i] = make([]topo.Point, len(t.Arcs[i]))
				for j, p := range t.Arcs[i] {
					arcs[i][j] = proj.Project(p)
				}
			}
		}
	}

	// The frame: the member states and Iceland, with a margin, Width
	// units across. Arcs move into it and are simplified there, where the
	// tolerance is in drawing units.
	lo := topo.Point{X: math.Inf(1), Y: math.Inf(1)}
	hi := topo.Point{X: math.Inf(-1), Y: math.Inf(-1)}
	for _, o := range outlines {
		for _, r := range o.framed {
			l, h := topo.Bounds(topo.Points(r, arcs))
			lo.X, lo.Y = min(lo.X, l.X), min(lo.Y, l.Y)
			hi.X, hi.Y = max(hi.X, h.X), max(hi.Y, h.Y)
		}
	}
	k := (Width - 2*margin) / (hi.X - lo.X)
	height := math.Ceil((hi.Y-lo.Y)*k + 2*margin)
	for i, arc := range arcs {
		if arc == nil {
			continue
		}
		for j, p := range arc {
			arc[j] = topo.Point{X: (p.X-lo.X)*k + margin, Y: (p.Y-lo.Y)*k + margin}
		}
		arcs[i] = topo.Simplify(arc, tolerance)
	}
	frameLo, frameHi := topo.Point{}, topo.Point{X: Width, Y: height}

	for _, o := range outlines {
		var biggest []topo.Point
		for _, r := range o.rings {
			pts := topo.Clip(topo.Points(r, arcs), frameLo, frameHi)
			if pts == nil {
				continue
			}
			if math.Abs(topo.Area(pts)) > math.Abs(topo.Area(biggest)) {
				biggest = pts
			}
			if math.Abs(topo.Area(pts)) < minArea {
				continue
			}
			o.plane = append(o.plane, pts)
		}
		if len(o.plane) == 0 && o.member && biggest != nil {
			o.plane = append(o.plane, biggest) // a small state keeps its largest island
		}
		if o.member && len(o.plane) == 0 {
			return nil, fmt.Errorf("%s: nothing left in the frame", o.name)
		}
	}

	// Members sorted by name after the context, so that they are drawn
	// on top and tabbed through in alphabetical order.
	sort.SliceStable(outlines, func(i, j int) bool {
		if outlines[i].member != outlines[j].member {
			return !outlines[i].member
		}
		return outlines[i].name < outlines[j].name
	})

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by mkatlas from atlas/countries-50m.json; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package draw\n\n")
	fmt.Fprintf(&b, "// The map's frame in drawing units.\nconst mapWidth, mapHeight = %d, %d\n\n", Width, int(height))
	fmt.Fprintf(&b, "// atlas holds the countries the map draws, the neighbours first and then\n")
	fmt.Fprintf(&b, "// the member states, each by name.\n")
	fmt.Fprintf(&b, "var atlas = [...]shape{\n")
	for _, o := range outlines {
		d := topo.PathData(o.plane)
		if d == "" {
			continue // a microstate too small to draw
		}
		var mark string
		if lo, hi := topo.Bounds(flatten(o.plane)); o.member && area(o.plane) < smallArea {
			mark = fmt.Sprintf(", mark: &point{%s, %s}", tenth((lo.X+hi.X)/2), tenth((lo.Y+hi.Y)/2))
		}
		fmt.Fprintf(&b, "\t{code: %q, name: %q, member: %v%s,\n\t\td: %q},\n", o.alpha2, o.name, o.member, mark, d)
	}
	fmt.Fprintf(&b, "}\n")
	return format.Source(b.Bytes())
}

func area(rings [][]topo.Point) float64 {
	var a float64
	for _, r := range rings {
		a += math.Abs(topo.Area(r))
	}
	return a
}

func flatten(rings [][]topo.Point) []topo.Point {
	var all []topo.Point
	for _, r := range rings {
		all = append(all, r...)
	}
	return all
}

// tenth formats v rounded to one decimal.
func tenth(v float64) string {
	return fmt.Sprintf("%.1f", math.Round(v*10)/10)
}
