package draw

import (
	_ "embed"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSS is the style sheet for the classes the drawings use: the map's
// intensity scale, the graph's type colours, text sizes. The console serves
// it as a file of its own (its Content-Security-Policy allows style sheets
// from 'self' and no inline styles); without it the drawings are black
// shapes on white.
//
//go:embed draw.css
var CSS string

// An Option changes how a drawing is made. Each drawing reads the options
// that concern it and ignores the others.
type Option func(*config)

type config struct {
	title      string
	width      int
	height     int
	horizontal bool
	one, many  string
	moreHref   string
	limit      int
}

func newConfig(opts []Option) config {
	c := config{limit: MaxNodes}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// Title sets the drawing's title (its <title> and accessible name) where
// the function has no title parameter: the map ("Alerts by member state"
// unless set) and the graph ("Relationships of …").
func Title(s string) Option { return func(c *config) { c.title = s } }

// Size sets a bar chart's drawing size in units: by default 720 by 260,
// and for horizontal bars 720 wide and 20 a bar (plus the title and the
// axis) high. The SVG scales to its container's width, so this sets the
// proportions and the room text takes.
func Size(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// Horizontal lays a bar chart's bars out left to right, one under another,
// labels in front: the choice for long labels such as country names.
func Horizontal() Option { return func(c *config) { c.horizontal = true } }

// Unit names what is counted, singular and plural: "alert", "alerts" (the
// map's default) or "sighting", "sightings". It appears in titles: "Germany
// (DE): 12 alerts". The map's own title does not follow it: set Title too.
func Unit(one, many string) Option {
	return func(c *config) { c.one, c.many = one, many }
}

// MoreHref is where the graph's "+K more" node leads, when there are more
// neighbours than it draws; by default the centre's own page.
func MoreHref(href string) Option { return func(c *config) { c.moreHref = href } }

// Limit sets how many neighbours the graph draws before it sums up the rest
// in a "+K more" node; values below 1 or above MaxNodes mean MaxNodes.
func Limit(n int) Option {
	return func(c *config) {
		if n < 1 || n > MaxNodes {
			n = MaxNodes
		}
		c.limit = n
	}
}

// count writes n with its unit: "1 alert", "12 alerts".
func (c config) count(n int, one, many string) string {
	if c.one != "" || c.many != "" {
		one, many = c.one, c.many
	}
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// svg collects a drawing's markup. Every piece of text goes through text or
// attr, which escape it; numbers go through num.
type svg struct{ strings.Builder }

// open starts the <svg> element with its title. Drawings that hold links
// are a group of links to assistive technology rather than one image:
// role="img" would make every child presentational and hide the links from
// screen readers, while keyboard users could still tab to them.
func (s *svg) open(class string, width, height float64, title string, links bool) {
	role := "img"
	if links {
		role = "group"
	}
	s.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="draw `)
	s.attr(class)
	s.WriteString(`" viewBox="0 0 `)
	s.num(width)
	s.WriteByte(' ')
	s.num(height)
	s.WriteString(`" role="`)
	s.WriteString(role)
	s.WriteString(`" aria-label="`)
	s.attr(title)
	s.WriteString(`"><title>`)
	s.text(title)
	s.WriteString(`</title>`)
}

func (s *svg) close() template.HTML {
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// text writes character data, escaped.
func (s *svg) text(v string) { s.WriteString(html.EscapeString(clean(v))) }

// attr writes an attribute value (the quotes are the caller's), escaped.
func (s *svg) attr(v string) { s.WriteString(html.EscapeString(clean(v))) }

// num writes a coordinate rounded to one decimal.
func (s *svg) num(v float64) {
	s.WriteString(strconv.FormatFloat(float64(int64(v*10+copysign(0.5, v)))/10, 'f', -1, 64))
}

func copysign(a, v float64) float64 {
	if v < 0 {
		return -a
	}
	return a
}

// link opens an <a> to href if href is a link the console may follow
// (see safeHref) and reports whether it did; the caller closes it.
func (s *svg) link(href, label string) bool {
	href, ok := safeHref(href)
	if !ok {
		return false
	}
	s.WriteString(`<a href="`)
	s.attr(href)
	s.WriteString(`" aria-label="`)
	s.attr(label)
	s.WriteString(`">`)
	return true
}

// safeHref returns href if it is a relative reference or an http or https
// URL, which is what html/template would let through in an href without
// rewriting it. A javascript: or data: URL, or one that does not parse, is
// no link at all.
func safeHref(href string) (string, bool) {
	href = strings.TrimSpace(href)
	if href == "" {
		return "", false
	}
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https":
		return href, true
	}
	return "", false
}

// clean makes s safe to put in XML 1.0: invalid UTF-8 becomes U+FFFD and
// control characters other than tab, newline and carriage return (which
// XML forbids even escaped) are dropped, as are the noncharacters U+FFFE
// and U+FFFF. The labels come from STIX objects anyone may have written.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if xmlChar(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return r <= 0x10FFFF
}

// truncate shortens s to at most n runes, the last one an ellipsis when
// something was cut.
func truncate(s string, n int) string {
	s = clean(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
