package web

import (
	"context"
	"html/template"

	"github.com/rampart-cti/rampart/stix"
)

// relatedData is an object's neighbourhood: the objects that refer to it
// and that it refers to, drawn as a graph, and for an indicator its
// sightings over time and by country.
type relatedData struct {
	Graph     template.HTML
	Links     []link
	Sightings template.HTML
	ByCountry template.HTML
	Sighted   int
}

// link is one relationship of the neighbourhood.
type link struct {
	Type  string
	Other string
	Name  string
	Out   bool
}

func (c *console) related(ctx context.Context, v *visit, o *stix.Object) (relatedData, error) {
	return relatedData{}, nil
}
