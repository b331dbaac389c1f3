package node

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart"
)

// ReservedRoots are the path segments the node serves itself, which no
// TAXII API root may take.
var ReservedRoots = []string{"taxii2", "api", "healthz", "metrics"}

// AddAPIRoot adds a TAXII API root named name, titled title (name when
// empty). It refuses a name the node's own endpoints take
// (ReservedRoots, in any case).
func (n *Node) AddAPIRoot(ctx context.Context, name, title, description string) error {
	if slices.ContainsFunc(ReservedRoots, func(r string) bool { return strings.EqualFold(name, r) }) {
		return fmt.Errorf("API root name %q is taken by the node's own endpoints (%s); choose another", name, strings.Join(ReservedRoots, ", "))
	}
	if title == "" {
		title = name
	}
	return n.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: name, Title: title, Description: description})
}

// AmberAudienceText says, in a sentence, where the node's own TLP:AMBER
// in the collection c goes: to every member state of the trust registry
// when to is empty, else to the organisations to alone, named as
// OrganizationNames names them.
func (n *Node) AmberAudienceText(ctx context.Context, c *rampart.Collection, to []string) string {
	label := c.ID
	if c.Alias != "" {
		label = c.Alias + " (" + c.ID + ")"
	}
	if len(to) == 0 {
		return fmt.Sprintf("TLP:AMBER of %s goes to every member state of the trust registry", label)
	}
	name := n.OrganizationNames(ctx)
	names := make([]string, len(to))
	for i, id := range to {
		names[i] = id
		if name(id) != id {
			names[i] = name(id) + " (" + id + ")"
		}
	}
	return fmt.Sprintf("TLP:AMBER of %s goes to %s alone", label, strings.Join(names, ", "))
}
