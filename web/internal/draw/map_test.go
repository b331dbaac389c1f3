package draw

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var members = map[string]string{
	"AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia",
	"CY": "Cyprus", "CZ": "Czechia", "DK": "Denmark", "EE": "Estonia",
	"FI": "Finland", "FR": "France", "DE": "Germany", "GR": "Greece",
	"HU": "Hungary", "IE": "Ireland", "IT": "Italy", "LV": "Latvia",
	"LT": "Lithuania", "LU": "Luxembourg", "MT": "Malta", "NL": "Netherlands",
	"PL": "Poland", "PT": "Portugal", "RO": "Romania", "SK": "Slovakia",
	"SI": "Slovenia", "ES": "Spain", "SE": "Sweden",
}

// statePaths returns the member states' paths by code, failing the test
// if a code has more than one.
func statePaths(t *testing.T, svg *elem) map[string]*elem {
	t.Helper()
	paths := make(map[string]*elem)
	for _, p := range svg.all(named("path")) {
		cc := p.attr["data-cc"]
		if cc == "" {
			continue
		}
		if paths[cc] != nil {
			t.Errorf("two paths for %s", cc)
		}
		paths[cc] = p
	}
	return paths
}

// TestEuropeMembers checks that the map has one path for each of the 27
// member states, small ones included, with its name and code.
func TestEuropeMembers(t *testing.T) {
	svg := parse(t, Europe(nil, nil))
	paths := statePaths(t, svg)
	if len(paths) != 27 {
		t.Errorf("%d member states drawn, want 27", len(paths))
	}
	for cc, name := range members {
		p := paths[cc]
		if p == nil {
			t.Errorf("no path for %s (%s)", name, cc)
			continue
		}
		if got, want := p.title(), name+" ("+cc+"): 0 alerts"; got != want {
			t.Errorf("%s title = %q, want %q", cc, got, want)
		}
		if !p.hasClass("m0") {
			t.Errorf("%s class = %q, want m0 with no counts", cc, p.attr["class"])
		}
		if len(p.attr["d"]) < 20 {
			t.Errorf("%s has almost no outline: %q", cc, p.attr["d"])
		}
	}
	if got := Members(); len(got) != 27 {
		t.Errorf("Members() = %v", got)
	}
	// Neighbours are there, greyed, and not member states.
	ctx := svg.all(classed("path", "ctx"))
	var names []string
	for _, p := range ctx {
		names = append(names, p.title())
	}
	for _, want := range []string{"United Kingdom", "Norway", "Switzerland", "Iceland", "Serbia", "Ukraine", "Moldova", "Belarus"} {
		if !contains(names, want) {
			t.Errorf("neighbour %s missing from %v", want, names)
		}
	}
	// Malta and Luxembourg are small enough to need a marker.
	for _, cc := range []string{"MT", "LU"} {
		marks := svg.all(func(e *elem) bool { return e.name == "circle" && strings.HasPrefix(e.title(), members[cc]+" (") })
		if len(marks) != 1 {
			t.Errorf("%s: %d markers, want 1", cc, len(marks))
		}
	}
}

// TestEuropeCounts checks that counts land on their country, Greece under
// both its codes, and choose the classes.
func TestEuropeCounts(t *testing.T) {
	counts := map[string]int{
		"DE": 1000, "fr": 10, "EL": 3, "GR": 2, "MT": 1, "CY": -4,
		"US": 99999, "GB": 5000, // not member states: ignored
	}
	paths := statePaths(t, parse(t, Europe(counts, nil)))
	for _, tc := range []struct{ cc, title, class string }{
		{"DE", "Germany (DE): 1000 alerts", "m5"},
		{"FR", "France (FR): 10 alerts", "m2"},
		{"GR", "Greece (GR): 5 alerts", "m1"},
		{"MT", "Malta (MT): 1 alert", "m1"},
		{"CY", "Cyprus (CY): 0 alerts", "m0"},
		{"IT", "Italy (IT): 0 alerts", "m0"},
	} {
		p := paths[tc.cc]
		if p == nil {
			t.Fatalf("no path for %s", tc.cc)
		}
		if got := p.title(); got != tc.title {
			t.Errorf("%s title = %q, want %q", tc.cc, got, tc.title)
		}
		if got := p.attr["class"]; got != tc.class {
			t.Errorf("%s class = %q, want %q", tc.cc, got, tc.class)
		}
	}
	if _, ok := paths["EL"]; ok {
		t.Error("Greece drawn as EL")
	}
	paths = statePaths(t, parse(t, Europe(map[string]int{"el": 7}, nil, Unit("sighting", "sightings"))))
	if got, want := paths["GR"].title(), "Greece (GR): 7 sightings"; got != want {
		t.Errorf("Greece from \"el\": title %q, want %q", got, want)
	}
}

// TestEuropeLinks checks that a state is a link exactly when link gives
// it a usable URL, and that link hears alpha-2 codes.
func TestEuropeLinks(t *testing.T) {
	var asked []string
	link := func(cc string) string {
		asked = append(asked, cc)
		switch cc {
		case "IT":
			return ""
		case "ES":
			return "javascript:alert(1)"
		}
		return "/alerts?country=" + cc + "&x=1"
	}
	svg := parse(t, Europe(map[string]int{"DE": 2}, link))
	if svg.attr["role"] != "group" {
		t.Errorf("role = %q, want group for a map of links", svg.attr["role"])
	}
	sort.Strings(asked)
	if len(asked) != 27 || !contains(asked, "GR") || contains(asked, "EL") {
		t.Errorf("link asked for %v, want the 27 alpha-2 codes", asked)
	}
	for cc, p := range statePaths(t, svg) {
		a := p.within("a")
		switch cc {
		case "IT", "ES":
			if a != nil {
				t.Errorf("%s is a link to %q", cc, a.attr["href"])
			}
		default:
			if a == nil {
				t.Errorf("%s is not a link", cc)
				continue
			}
			if got, want := a.attr["href"], "/alerts?country="+cc+"&x=1"; got != want {
				t.Errorf("%s href = %q, want %q", cc, got, want)
			}
			if a.attr["aria-label"] != p.title() {
				t.Errorf("%s link named %q, want %q", cc, a.attr["aria-label"], p.title())
			}
		}
	}
	if svg := parse(t, Europe(nil, nil)); svg.attr["role"] != "img" {
		t.Errorf("role = %q, want img without links", svg.attr["role"])
	}
}

// TestEuropeGeography checks where the states fall on the map: inside the
// frame, north up and east right, and about as wide as tall.
func TestEuropeGeography(t *testing.T) {
	svg := parse(t, Europe(nil, nil))
	var w, h float64
	if _, err := fmt.Sscanf(svg.attr["viewBox"], "0 0 %g %g", &w, &h); err != nil {
		t.Fatalf("viewBox %q: %v", svg.attr["viewBox"], err)
	}
	centre := make(map[string][2]float64)
	for cc, p := range statePaths(t, svg) {
		pts := pathPoints(t, p.attr["d"])
		var sx, sy float64
		for _, q := range pts {
			if q[0] < 0 || q[1] < 0 || q[0] > w || q[1] > h-legendHeight {
				t.Errorf("%s: point %v outside the map", cc, q)
				break
			}
			sx, sy = sx+q[0], sy+q[1]
		}
		centre[cc] = [2]float64{sx / float64(len(pts)), sy / float64(len(pts))}
	}
	north := func(a, b string) {
		if centre[a][1] >= centre[b][1] {
			t.Errorf("%s (y %.0f) is not north of %s (y %.0f)", a, centre[a][1], b, centre[b][1])
		}
	}
	west := func(a, b string) {
		if centre[a][0] >= centre[b][0] {
			t.Errorf("%s (x %.0f) is not west of %s (x %.0f)", a, centre[a][0], b, centre[b][0])
		}
	}
	north("FI", "EE")
	north("SE", "DE")
	north("DE", "IT")
	north("IT", "MT")
	north("BE", "LU")
	west("PT", "ES")
	west("IE", "NL")
	west("FR", "DE")
	west("DE", "PL")
	west("GR", "CY")
	// Portugal to Cyprus is about as far as Malta to Finland's north.
	if r := w / (h - legendHeight); r < 0.8 || r > 1.25 {
		t.Errorf("map is %v by %v: squashed", w, h)
	}
}

// pathPoints reads the points of the path data the map writes: M with
// absolute coordinates, l with relative ones, z.
func pathPoints(t *testing.T, d string) [][2]float64 {
	t.Helper()
	var pts [][2]float64
	var x, y, sx, sy float64
	rel := false
	var nums []float64
	flush := func() {
		for i := 0; i+1 < len(nums); i += 2 {
			if rel {
				x, y = x+nums[i], y+nums[i+1]
			} else {
				x, y = nums[i], nums[i+1]
				sx, sy = x, y
			}
			pts = append(pts, [2]float64{x, y})
		}
		nums = nums[:0]
	}
	for i := 0; i < len(d); {
		switch c := d[i]; {
		case c == 'M' || c == 'l' || c == 'z':
			flush()
			rel = c == 'l'
			if c == 'z' {
				x, y = sx, sy
			}
			i++
		case c == ' ':
			i++
		default:
			j := i + 1
			for j < len(d) && (d[j] >= '0' && d[j] <= '9' || d[j] == '.' && !strings.Contains(d[i:j], ".")) {
				j++
			}
			v, err := strconv.ParseFloat(d[i:j], 64)
			if err != nil {
				t.Fatalf("path data %q at %d: %v", d[max(0, i-10):min(len(d), j+10)], i, err)
			}
			nums = append(nums, v)
			i = j
		}
	}
	flush()
	return pts
}

func TestBucket(t *testing.T) {
	for _, tc := range []struct{ v, most, want int }{
		{0, 0, 0}, {0, 10, 0}, {-3, 10, 0},
		{1, 1, 5}, {1, 2, 1}, {2, 2, 5},
		{1, 1000, 1}, {5, 1000, 1}, {6, 1000, 2}, {31, 1000, 2}, {32, 1000, 3},
		{178, 1000, 4}, {999, 1000, 4}, {1000, 1000, 5},
	} {
		if got := bucket(tc.v, tc.most); got != tc.want {
			t.Errorf("bucket(%d, %d) = %d, want %d", tc.v, tc.most, got, tc.want)
		}
	}
	// Each class's range in the legend holds exactly the counts in it.
	for _, most := range []int{1, 2, 3, 7, 100, 1000, 123457} {
		for v := 1; v <= most; v += 1 + v/50 {
			b := bucket(v, most)
			lo, hi, ok := bucketRange(b, most)
			if !ok || v < lo || v > hi {
				t.Errorf("most %d: %d is in m%d, whose range is %d–%d (%v)", most, v, b, lo, hi, ok)
			}
		}
	}
}

// TestEuropeSize keeps the map's weight down: every page with it carries
// it whole.
func TestEuropeSize(t *testing.T) {
	counts := make(map[string]int)
	for cc := range members {
		counts[cc] = 123456
	}
	h := Europe(counts, func(cc string) string { return "/alerts?country=" + cc })
	if len(h) > 150<<10 {
		t.Errorf("the map is %d bytes, more than 150 KB", len(h))
	}
}
