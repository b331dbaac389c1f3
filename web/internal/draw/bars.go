package draw

import (
	"html/template"
	"math"
	"strconv"
	"unicode/utf8"
)

// A Bar is one bar of a chart: its label on the axis, its value, an
// optional link (the bar leads to the objects it counts) and an optional
// detail for its tooltip.
type Bar struct {
	Label  string
	Value  int
	Href   string
	Detail string
}

// MaxBars is the most bars a chart draws; the rest are left out.
const MaxBars = 400

// The text sizes draw.css sets, for the room text takes: a character is
// about 0.6 of the font size wide.
const (
	fontSize  = 11
	charWidth = fontSize * 0.6
)

// Bars draws a bar chart: vertical bars (the default, for a series such as
// sightings per day) or, with Horizontal, one bar under another (for
// counts by country). The value axis starts at zero and ends at the
// largest value, which fills the plot; a few round ticks mark it. Each bar
// is a rect of class "bar" whose title reads "label: value, detail"; a
// transparent rect of class "hit" over its whole column (or row) carries
// the same title, so that a bar of zero still has a tooltip, and both are
// a link when Href is one (relative, http or https). Negative values count
// as zero. With no bars, the chart says "No data".
//
// Options: Size, Horizontal, Unit. Bars is safe for concurrent use.
func Bars(title string, bars []Bar, opts ...Option) template.HTML {
	c := newConfig(opts)
	if len(bars) > MaxBars {
		bars = bars[:MaxBars]
	}
	links := false
	for _, b := range bars {
		if _, ok := safeHref(b.Href); ok {
			links = true
		}
	}
	if c.horizontal {
		return barsAcross(title, bars, c, links)
	}
	w, h := float64(cmp0(c.width, 720)), float64(cmp0(c.height, 260))
	var s svg
	s.open("draw-bars", w, h, title, links)
	heading(&s, title)
	if len(bars) == 0 {
		return noData(&s, w, h)
	}
	most := 0
	longest := 0
	for _, b := range bars {
		most = max(most, b.Value)
		longest = max(longest, utf8.RuneCountInString(truncate(b.Label, 12)))
	}
	const top, bottom, right = 30.0, 24.0, 8.0
	left := 12 + charWidth*float64(len(strconv.Itoa(most)))
	pw, ph := w-left-right, h-top-bottom
	axis(&s, most, func(v float64) {
		y := top + ph - v*ph
		s.line("grid", left, y, left+pw, y)
	}, func(v float64, label string) {
		s.label("tick", "end", left-4, top+ph-v*ph+4, label)
	})
	slot := pw / float64(len(bars))
	gap := min(slot*0.2, 6)
	// Every k-th label, so that they do not run into each other.
	every := max(1, int(math.Ceil((float64(longest)*charWidth+6)/slot)))
	for i, b := range bars {
		x := left + float64(i)*slot
		v := max(b.Value, 0)
		bh := 0.0
		if most > 0 {
			bh = float64(v) / float64(most) * ph
		}
		tip := c.barTip(b)
		linked := s.link(b.Href, tip)
		s.rect("hit", x, top, slot, ph, tip)
		s.rect("bar", x+gap/2, top+ph-bh, slot-gap, bh, tip)
		if linked {
			s.WriteString(`</a>`)
		}
		if i%every == 0 {
			s.label("axis", "middle", x+slot/2, top+ph+15, truncate(b.Label, 12))
		}
		if len(bars) <= 16 {
			s.label("value", "middle", x+slot/2, top+ph-bh-4, strconv.Itoa(v))
		}
	}
	s.line("base", left, top+ph, left+pw, top+ph)
	return s.close()
}

// barsAcross draws the bars one under another.
func barsAcross(title string, bars []Bar, c config, links bool) template.HTML {
	const top, bottom, row = 30.0, 22.0, 20.0
	w := float64(cmp0(c.width, 720))
	h := float64(c.height)
	if h == 0 {
		h = top + bottom + row*float64(max(len(bars), 3))
	}
	var s svg
	s.open("draw-bars", w, h, title, links)
	heading(&s, title)
	if len(bars) == 0 {
		return noData(&s, w, h)
	}
	most, longest := 0, 0
	for _, b := range bars {
		most = max(most, b.Value)
		longest = max(longest, utf8.RuneCountInString(truncate(b.Label, 24)))
	}
	left := 10 + charWidth*float64(longest)
	right := 10 + charWidth*float64(len(strconv.Itoa(most)))
	pw, ph := w-left-right, h-top-bottom
	rh := ph / float64(len(bars))
	axis(&s, most, func(v float64) {
		x := left + v*pw
		s.line("grid", x, top, x, top+ph)
	}, func(v float64, label string) {
		s.label("tick", "middle", left+v*pw, top+ph+15, label)
	})
	gap := min(rh*0.2, 6)
	for i, b := range bars {
		y := top + float64(i)*rh
		v := max(b.Value, 0)
		bw := 0.0
		if most > 0 {
			bw = float64(v) / float64(most) * pw
		}
		tip := c.barTip(b)
		linked := s.link(b.Href, tip)
		s.rect("hit", 0, y, w, rh, tip)
		s.rect("bar", left, y+gap/2, bw, rh-gap, tip)
		if linked {
			s.WriteString(`</a>`)
		}
		s.label("axis", "end", left-5, y+rh/2+4, truncate(b.Label, 24))
		s.label("value", "", left+bw+4, y+rh/2+4, strconv.Itoa(v))
	}
	s.line("base", left, top, left, top+ph)
	return s.close()
}

// barTip is a bar's title: "label: value unit, detail".
func (c config) barTip(b Bar) string {
	v := strconv.Itoa(max(b.Value, 0))
	if c.one != "" || c.many != "" {
		v = c.count(max(b.Value, 0), "", "")
	}
	tip := b.Label + ": " + v
	if b.Detail != "" {
		tip += ", " + b.Detail
	}
	return tip
}

// axis calls grid and tick for round values from zero to most, each given
// as a fraction of most: at most about five ticks, steps of 1, 2 or 5
// times a power of ten, never finer than one.
func axis(s *svg, most int, grid func(f float64), tick func(f float64, label string)) {
	if most <= 0 {
		tick(0, "0")
		return
	}
	step := niceStep(float64(most) / 4)
	for v := 0; v <= most; v += step {
		f := float64(v) / float64(most)
		if v > 0 {
			grid(f)
		}
		tick(f, strconv.Itoa(v))
	}
}

// niceStep returns the smallest of 1, 2, 5, 10, 20, 50, … at least x.
func niceStep(x float64) int {
	if x <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return int(m * p)
		}
	}
	return int(10 * p)
}

func heading(s *svg, title string) {
	s.label("heading", "", 0, 16, truncate(title, 100))
}

func noData(s *svg, w, h float64) template.HTML {
	s.label("nodata", "middle", w/2, h/2, "No data")
	return s.close()
}

// cmp0 returns v, or def if v is not positive.
func cmp0(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// rect writes a rect with a title.
func (s *svg) rect(class string, x, y, w, h float64, title string) {
	s.WriteString(`<rect class="`)
	s.WriteString(class)
	s.WriteString(`" x="`)
	s.num(x)
	s.WriteString(`" y="`)
	s.num(y)
	s.WriteString(`" width="`)
	s.num(max(w, 0))
	s.WriteString(`" height="`)
	s.num(max(h, 0))
	s.WriteString(`"><title>`)
	s.text(title)
	s.WriteString(`</title></rect>`)
}

// line writes a line.
func (s *svg) line(class string, x1, y1, x2, y2 float64) {
	s.WriteString(`<line class="`)
	s.WriteString(class)
	s.WriteString(`" x1="`)
	s.num(x1)
	s.WriteString(`" y1="`)
	s.num(y1)
	s.WriteString(`" x2="`)
	s.num(x2)
	s.WriteString(`" y2="`)
	s.num(y2)
	s.WriteString(`"/>`)
}

// label writes a text at x, y (its baseline), anchored at its start,
// "middle" or "end". The anchor is a presentation attribute rather than a
// class: it is part of the layout, which draw.css should not be able to
// break.
func (s *svg) label(class, anchor string, x, y float64, text string) {
	s.WriteString(`<text class="`)
	s.WriteString(class)
	s.WriteString(`" x="`)
	s.num(x)
	s.WriteString(`" y="`)
	s.num(y)
	s.WriteString(`"`)
	if anchor != "" {
		s.WriteString(` text-anchor="`)
		s.WriteString(anchor)
		s.WriteString(`"`)
	}
	s.WriteString(`>`)
	s.text(text)
	s.WriteString(`</text>`)
}
