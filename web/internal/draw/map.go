package draw

import (
	"html/template"
	"math"
	"strconv"
	"strings"
)

//go:generate go run ./internal/mkatlas -in atlas/countries-50m.json -out europe_data.go

// Buckets is the number of intensity classes of the map above zero: a
// member state with no count is m0, the others m1 to m5.
const Buckets = 5

// A shape is one country of the map, as mkatlas wrote it.
type shape struct {
	code   string // ISO 3166-1 alpha-2
	name   string
	member bool   // an EU member state, else drawn greyed for context
	mark   *point // where small states get a circle, or nil
	d      string // SVG path data in the map's units
}

type point struct{ x, y float64 }

// Members returns the ISO 3166-1 alpha-2 codes of the 27 EU member states
// the map draws, sorted by the states' English names.
func Members() []string {
	var codes []string
	for _, s := range atlas {
		if s.member {
			codes = append(codes, s.code)
		}
	}
	return codes
}

// Europe draws the EU member states, each shaded by its count, on a map
// of Europe whose other countries are greyed. counts is keyed by ISO
// 3166-1 alpha-2 code, in either case; Greece may be "GR" or the EU's
// "EL" (both add up). Counts for countries that are not member states are
// ignored and negative counts count as zero.
//
// Each member state is a path with the class m0 (no count) to m5 (the
// largest counts; the classes split the range on a logarithmic scale, so
// one country with thousands of alerts does not leave all others in m1), a
// data-cc attribute with its code, and a title: "Germany (DE): 12 alerts".
// When link returns a URL for its code (relative, http or https), the
// state is a link to it.
//
// The SVG uses the classes of CSS. Europe is safe for concurrent use.
func Europe(counts map[string]int, link func(cc string) string, opts ...Option) template.HTML {
	c := newConfig(opts)
	title := c.title
	if title == "" {
		title = "Alerts by EU member state"
	}
	n := make(map[string]int)
	for cc, v := range counts {
		cc = strings.ToUpper(strings.TrimSpace(cc))
		if cc == "EL" {
			cc = "GR"
		}
		n[cc] += max(v, 0)
	}
	most := 0
	for _, s := range atlas {
		if s.member {
			most = max(most, n[s.code])
		}
	}

	hrefs := make(map[string]string)
	links := false
	if link != nil {
		for _, sh := range atlas {
			if sh.member {
				hrefs[sh.code] = link(sh.code)
				_, ok := safeHref(hrefs[sh.code])
				links = links || ok
			}
		}
	}

	var s svg
	s.open("draw-map", mapWidth, mapHeight+legendHeight, title, links)
	s.WriteString(`<rect class="sea" width="`)
	s.num(mapWidth)
	s.WriteString(`" height="`)
	s.num(mapHeight)
	s.WriteString(`"/><g fill-rule="evenodd">`)
	for _, sh := range atlas {
		if sh.member {
			continue
		}
		s.WriteString(`<path class="ctx" d="`)
		s.WriteString(sh.d)
		s.WriteString(`"><title>`)
		s.text(sh.name)
		s.WriteString(`</title></path>`)
	}
	for _, sh := range atlas {
		if !sh.member {
			continue
		}
		v := n[sh.code]
		label := sh.name + " (" + sh.code + "): " + c.count(v, "alert", "alerts")
		linked := s.link(hrefs[sh.code], label)
		class := "m" + strconv.Itoa(bucket(v, most))
		s.WriteString(`<path class="`)
		s.WriteString(class)
		s.WriteString(`" data-cc="`)
		s.attr(sh.code)
		s.WriteString(`" d="`)
		s.WriteString(sh.d)
		s.WriteString(`"><title>`)
		s.text(label)
		s.WriteString(`</title></path>`)
		if sh.mark != nil {
			s.WriteString(`<circle class="mark `)
			s.WriteString(class)
			s.WriteString(`" cx="`)
			s.num(sh.mark.x)
			s.WriteString(`" cy="`)
			s.num(sh.mark.y)
			s.WriteString(`" r="7"><title>`)
			s.text(label)
			s.WriteString(`</title></circle>`)
		}
		if linked {
			s.WriteString(`</a>`)
		}
	}
	s.WriteString(`</g>`)
	legend(&s, most)
	return s.close()
}

// legendHeight is the room under the map for the legend.
const legendHeight = 44

// legend draws the classes under the map: a swatch each, with the counts
// it stands for.
func legend(s *svg, most int) {
	const w = 110
	y := float64(mapHeight) + 10
	for b := 0; b <= Buckets; b++ {
		lo, hi, ok := bucketRange(b, most)
		if !ok {
			continue
		}
		x := 10 + float64(b)*w
		s.WriteString(`<rect class="m`)
		s.WriteString(strconv.Itoa(b))
		s.WriteString(`" x="`)
		s.num(x)
		s.WriteString(`" y="`)
		s.num(y)
		s.WriteString(`" width="24" height="16"/><text class="legend" x="`)
		s.num(x + 30)
		s.WriteString(`" y="`)
		s.num(y + 13)
		s.WriteString(`">`)
		switch {
		case lo == hi:
			s.text(strconv.Itoa(lo))
		default:
			s.text(strconv.Itoa(lo) + "–" + strconv.Itoa(hi))
		}
		s.WriteString(`</text>`)
	}
}

// bucket returns the intensity class of count v when the largest count is
// most: 0 for nothing, else 1 to Buckets on a logarithmic scale, so that
// most is always in the top class and 1 in the bottom one.
func bucket(v, most int) int {
	if v <= 0 || most <= 0 {
		return 0
	}
	if most == 1 {
		return Buckets
	}
	b := 1 + int(float64(Buckets-1)*math.Log(float64(v))/math.Log(float64(most))+1e-9)
	return min(max(b, 1), Buckets)
}

// bucketRange returns the counts class b stands for when the largest count
// is most, and false if no count falls in it.
func bucketRange(b, most int) (lo, hi int, ok bool) {
	if b == 0 {
		return 0, 0, true
	}
	if most <= 0 {
		return 0, 0, false
	}
	// bucket is monotonic in v: find the first count in b and in b+1.
	first := func(b int) int {
		l, h := 1, most+1 // bucket(most+1) is past every class
		for l < h {
			m := l + (h-l)/2
			if bucket(m, most) >= b {
				h = m
			} else {
				l = m + 1
			}
		}
		return l
	}
	lo, hi = first(b), first(b+1)-1
	if b == Buckets {
		hi = most
	}
	return lo, hi, lo <= hi
}
