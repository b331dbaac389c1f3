// Package draw draws the analyst console's pictures as inline SVG on the
// server: a map of Europe by EU member state (Europe), a bar chart (Bars)
// and the relationship graph of a STIX object (Graph). Each returns a
// whole <svg> element as template.HTML, to be put in a page by
// html/template as it is.
//
// The drawings are made for a strict Content-Security-Policy: no script,
// no inline style. Their look comes from classes that CSS (draw.css,
// embedded) defines, which the console serves as a style sheet of its own;
// the layout is in the SVG's coordinates and presentation attributes. The
// interaction is plain links: a member state, a bar or a node can be an
// <a href>, which the keyboard reaches like any other link, and every
// element carries a <title> that browsers show as a tooltip.
//
// Every piece of text in a drawing may come from STIX content someone else
// wrote, and is escaped; characters XML does not allow are dropped, so the
// output is well-formed XML as well as HTML. A link is drawn only to a
// relative, http or https URL.
//
// A drawing with links is a group (role="group") rather than an image
// (role="img"), whose children assistive technology would hide; both carry
// an aria-label and a <title> naming the drawing.
//
// The map's outlines come from Natural Earth through world-atlas (see
// atlas/SOURCE.md) and are projected, simplified and written into
// europe_data.go by go generate (internal/mkatlas): nothing is decoded at
// run time.
package draw
