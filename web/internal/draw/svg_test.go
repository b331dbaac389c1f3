package draw

import (
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"strings"
	"testing"
)

// elem is an element of a drawing, as encoding/xml reads it.
type elem struct {
	name     string
	attr     map[string]string
	children []*elem
	text     string // the character data directly inside
	parent   *elem
}

// parse reads a drawing as XML, failing the test if it is not well-formed
// or not one <svg> element with a viewBox, a role, an aria-label and a
// <title> first.
func parse(t *testing.T, h template.HTML) *elem {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(h)))
	d.Strict = true
	root := &elem{name: "#document"}
	cur := root
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, h)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &elem{name: tok.Name.Local, attr: make(map[string]string), parent: cur}
			for _, a := range tok.Attr {
				e.attr[a.Name.Local] = a.Value
			}
			cur.children = append(cur.children, e)
			cur = e
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			cur.text += string(tok)
		}
	}
	if len(root.children) != 1 || root.children[0].name != "svg" {
		t.Fatalf("want one <svg> element, got %d elements", len(root.children))
	}
	svg := root.children[0]
	for _, a := range []string{"viewBox", "role", "aria-label"} {
		if svg.attr[a] == "" {
			t.Errorf("<svg> has no %s", a)
		}
	}
	if len(svg.children) == 0 || svg.children[0].name != "title" || svg.children[0].text != svg.attr["aria-label"] {
		t.Errorf("<svg> does not begin with a <title> matching its aria-label")
	}
	return svg
}

// all returns the elements under e (e included) for which ok holds, in
// document order.
func (e *elem) all(ok func(*elem) bool) []*elem {
	var out []*elem
	if ok(e) {
		out = append(out, e)
	}
	for _, c := range e.children {
		out = append(out, c.all(ok)...)
	}
	return out
}

// title returns the text of e's <title> child.
func (e *elem) title() string {
	for _, c := range e.children {
		if c.name == "title" {
			return c.text
		}
	}
	return ""
}

// hasClass reports whether e's class attribute lists class.
func (e *elem) hasClass(class string) bool {
	for _, c := range strings.Fields(e.attr["class"]) {
		if c == class {
			return true
		}
	}
	return false
}

// within returns the nearest ancestor of e named name, or nil.
func (e *elem) within(name string) *elem {
	for p := e.parent; p != nil; p = p.parent {
		if p.name == name {
			return p
		}
	}
	return nil
}

func named(name string) func(*elem) bool {
	return func(e *elem) bool { return e.name == name }
}

func classed(name, class string) func(*elem) bool {
	return func(e *elem) bool { return e.name == name && e.hasClass(class) }
}

const evil = `<script>alert("x")</script>&'`

// TestEscaping puts markup in every piece of text a caller controls and
// checks that none of it comes out as markup.
func TestEscaping(t *testing.T) {
	drawings := map[string]template.HTML{
		"map":         Europe(map[string]int{"DE": 1}, func(string) string { return "/a?x=" + evil }, Title(evil), Unit(evil, evil)),
		"bars":        Bars(evil, []Bar{{Label: evil, Value: 3, Href: "/b?" + evil, Detail: evil}}, Unit(evil, evil)),
		"bars across": Bars(evil, []Bar{{Label: evil, Value: 3, Detail: evil}}, Horizontal()),
		"no bars":     Bars(evil, nil),
		"graph": Graph(Node{ID: "c", Label: evil, Type: evil, Href: "/c?" + evil, Marking: evil},
			[]Node{{ID: "n", Label: evil, Type: evil, Href: "/n?" + evil, Marking: `"><script>`}, {ID: "m", Label: "m"}},
			[]Edge{{From: "c", To: "n", Label: evil}}, Limit(1), MoreHref("/more?"+evil)),
	}
	for name, h := range drawings {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(strings.ToLower(string(h)), "<script") {
				t.Errorf("markup from a label came out unescaped:\n%s", h)
			}
			if !strings.Contains(string(h), "&lt;script&gt;") {
				t.Errorf("the escaped label is missing:\n%s", h)
			}
			svg := parse(t, h)
			// The text survives escaping whole.
			found := svg.all(func(e *elem) bool {
				return strings.Contains(e.text, evil) || strings.Contains(e.attr["aria-label"], evil)
			})
			if len(found) == 0 {
				t.Errorf("no element carries the label %q as text", evil)
			}
		})
	}
}

// TestUnsafeLinks checks that only relative, http and https links are
// drawn.
func TestUnsafeLinks(t *testing.T) {
	for _, href := range []string{"javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>", "vbscript:x", "%zz:"} {
		h := Bars("t", []Bar{{Label: "a", Value: 1, Href: href}})
		if strings.Contains(string(h), "<a ") {
			t.Errorf("href %q drawn as a link:\n%s", href, h)
		}
	}
	for _, href := range []string{"/objects/x", "https://example.org/x", "http://x", "?q=1", "#x", "objects/x"} {
		h := Bars("t", []Bar{{Label: "a", Value: 1, Href: href}})
		if !strings.Contains(string(h), "<a href=") {
			t.Errorf("href %q not drawn as a link", href)
		}
	}
}

// TestNotXML checks that characters XML forbids, even escaped, and
// invalid UTF-8 do not make the drawing malformed.
func TestNotXML(t *testing.T) {
	bad := "a\x00b\x1bc\xff\xfed\uFFFEe\tf"
	parse(t, Bars(bad, []Bar{{Label: bad, Value: 1, Detail: bad}}))
	parse(t, Graph(Node{ID: "c", Label: bad}, []Node{{ID: bad, Label: bad, Type: bad, Marking: bad}}, []Edge{{From: "c", To: bad, Label: bad}}))
	if got, want := clean(bad), "abc\uFFFDde\tf"; got != want {
		t.Errorf("clean(%q) = %q, want %q", bad, got, want)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 24, "short"},
		{"exactly-twenty-four-rune", 24, "exactly-twenty-four-rune"},
		{"a label longer than twenty-four runes", 24, "a label longer than twe…"},
		{"ünïcödé ünïcödé ünïcödé ünïcödé", 10, "ünïcödé ü…"},
		{"word end here", 6, "word…"},
	} {
		if got := truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// FuzzLabels checks that any label gives well-formed XML with no markup
// of its own.
func FuzzLabels(f *testing.F) {
	f.Add(evil, "/x")
	f.Add("\x00\xff", "javascript:x")
	f.Add("]]>", "//x")
	f.Fuzz(func(t *testing.T, label, href string) {
		for _, h := range []template.HTML{
			Bars(label, []Bar{{Label: label, Value: 2, Href: href, Detail: label}, {Label: label}}),
			Graph(Node{ID: label, Label: label, Type: label, Href: href, Marking: label},
				[]Node{{ID: "x", Label: label, Type: label, Href: href, Marking: label}},
				[]Edge{{From: label, To: "x", Label: label}}),
			Europe(map[string]int{label: 3, "DE": 1}, func(string) string { return href }, Title(label)),
		} {
			d := xml.NewDecoder(strings.NewReader(string(h)))
			depth := 0
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed: %v\n%s", err, h)
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					depth++
					if tok.Name.Local == "script" || tok.Name.Local == "foreignObject" {
						t.Fatalf("a label made a <%s>", tok.Name.Local)
					}
				case xml.EndElement:
					depth--
				}
			}
			if depth != 0 {
				t.Fatalf("unbalanced elements")
			}
		}
	})
}
