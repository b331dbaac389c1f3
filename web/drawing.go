package web

import (
	"html/template"
	"time"
)

// drawings are the pictures of a page, as inline SVG.
type drawings struct {
	Map       template.HTML
	Sightings template.HTML
}

func (c *console) situationDrawings(d *situationData, now time.Time) drawings {
	return drawings{}
}
