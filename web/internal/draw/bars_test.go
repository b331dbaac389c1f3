package draw

import (
	"html/template"
	"strconv"
	"strings"
	"testing"
)

func attrFloat(t *testing.T, e *elem, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attr[name], 64)
	if err != nil {
		t.Fatalf("<%s> %s=%q: %v", e.name, name, e.attr[name], err)
	}
	return v
}

// TestBarsScale checks that values set the bars' heights: the largest
// fills the plot, zero has none, the others in proportion.
func TestBarsScale(t *testing.T) {
	bars := []Bar{
		{Label: "2025-06-01", Value: 10},
		{Label: "2025-06-02", Value: 0},
		{Label: "2025-06-03", Value: 40, Detail: "from 3 sources"},
		{Label: "2025-06-04", Value: 20},
		{Label: "2025-06-05", Value: -5},
	}
	svg := parse(t, Bars("Sightings per day", bars, Unit("sighting", "sightings")))
	rects := svg.all(classed("rect", "bar"))
	hits := svg.all(classed("rect", "hit"))
	if len(rects) != len(bars) || len(hits) != len(bars) {
		t.Fatalf("%d bars and %d hit areas, want %d", len(rects), len(hits), len(bars))
	}
	full := attrFloat(t, hits[0], "height")
	bottom := attrFloat(t, hits[0], "y") + full
	for i, want := range []float64{full / 4, 0, full, full / 2, 0} {
		r := rects[i]
		h := attrFloat(t, r, "height")
		if d := h - want; d > 0.1 || d < -0.1 {
			t.Errorf("bar %d (%d) height %v, want %v", i, bars[i].Value, h, want)
		}
		if y := attrFloat(t, r, "y"); y+h-bottom > 0.1 || y+h-bottom < -0.1 {
			t.Errorf("bar %d does not stand on the axis: y %v + height %v ≠ %v", i, y, h, bottom)
		}
	}
	for i, want := range []string{"2025-06-01: 10 sightings", "2025-06-02: 0 sightings", "2025-06-03: 40 sightings, from 3 sources"} {
		if got := rects[i].title(); got != want {
			t.Errorf("bar %d title %q, want %q", i, got, want)
		}
		if got := hits[i].title(); got != want {
			t.Errorf("hit area %d title %q, want %q", i, got, want)
		}
	}
	// Bars left to right, none overlapping.
	for i := 1; i < len(rects); i++ {
		if attrFloat(t, rects[i], "x") < attrFloat(t, rects[i-1], "x")+attrFloat(t, rects[i-1], "width") {
			t.Errorf("bar %d overlaps bar %d", i, i-1)
		}
	}
	// Ticks: 0, 10, 20, 30, 40.
	var ticks []string
	for _, e := range svg.all(classed("text", "tick")) {
		ticks = append(ticks, e.text)
	}
	if got, want := strings.Join(ticks, " "), "0 10 20 30 40"; got != want {
		t.Errorf("ticks %q, want %q", got, want)
	}
}

func TestBarsHorizontal(t *testing.T) {
	bars := []Bar{{Label: "Germany", Value: 7, Href: "/a?cc=DE"}, {Label: "Malta", Value: 0, Href: "/a?cc=MT"}, {Label: "France", Value: 14}}
	svg := parse(t, Bars("Alerts by country", bars, Horizontal()))
	rects := svg.all(classed("rect", "bar"))
	if len(rects) != 3 {
		t.Fatalf("%d bars, want 3", len(rects))
	}
	w := []float64{attrFloat(t, rects[0], "width"), attrFloat(t, rects[1], "width"), attrFloat(t, rects[2], "width")}
	if w[1] != 0 || w[2] == 0 || w[0]*2-w[2] > 0.1 || w[0]*2-w[2] < -0.1 {
		t.Errorf("widths %v, want x, 0, 2x", w)
	}
	for i, r := range rects {
		if i > 0 && attrFloat(t, r, "y") <= attrFloat(t, rects[i-1], "y") {
			t.Errorf("bar %d is not under bar %d", i, i-1)
		}
	}
	links := svg.all(named("a"))
	if len(links) != 2 || links[1].attr["href"] != "/a?cc=MT" {
		t.Errorf("links %d, want Germany's and Malta's", len(links))
	}
	if got := rects[0].title(); got != "Germany: 7" {
		t.Errorf("title %q, want %q", got, "Germany: 7")
	}
}

// TestBarsEmpty checks that a chart with nothing to show says so.
func TestBarsEmpty(t *testing.T) {
	for _, h := range []string{string(Bars("Sightings per day", nil)), string(Bars("By country", []Bar{}, Horizontal()))} {
		svg := parse(t, template.HTML(h))
		if len(svg.all(classed("rect", "bar"))) != 0 {
			t.Error("bars drawn with no data")
		}
		if len(svg.all(func(e *elem) bool { return e.name == "text" && e.text == "No data" })) != 1 {
			t.Errorf("no \"No data\" in %s", h)
		}
	}
	// All zero: bars of height 0 and an axis that still reads.
	svg := parse(t, Bars("t", []Bar{{Label: "a"}, {Label: "b"}}))
	for _, r := range svg.all(classed("rect", "bar")) {
		if r.attr["height"] != "0" {
			t.Errorf("bar of zero drawn %s high", r.attr["height"])
		}
	}
}

// TestBarsMany checks that long series thin out their labels and stop at
// MaxBars.
func TestBarsMany(t *testing.T) {
	var bars []Bar
	for i := range MaxBars + 10 {
		bars = append(bars, Bar{Label: "2025-06-" + strconv.Itoa(i), Value: i})
	}
	svg := parse(t, Bars("t", bars))
	if n := len(svg.all(classed("rect", "bar"))); n != MaxBars {
		t.Errorf("%d bars drawn, want MaxBars (%d)", n, MaxBars)
	}
	labels := svg.all(classed("text", "axis"))
	if len(labels) == 0 || len(labels) > 720/int(charWidth*10) {
		t.Errorf("%d axis labels on 720 units", len(labels))
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want int
	}{{0.2, 1}, {1, 1}, {1.5, 2}, {2.5, 5}, {7, 10}, {10, 10}, {12.5, 20}, {250, 500}, {2500.1, 5000}} {
		if got := niceStep(tc.x); got != tc.want {
			t.Errorf("niceStep(%v) = %d, want %d", tc.x, got, tc.want)
		}
	}
}
