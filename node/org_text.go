package node

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteOrganizations writes, for people, the node's keys, the trust
// registry it trusts (and whether its organisation is a member), and a
// table of the organisations it records.
func (n *Node) WriteOrganizations(ctx context.Context, w io.Writer) error {
	orgs, err := n.Organizations.FindOrganizations(ctx)
	if err != nil {
		return err
	}
	if n.Identity != nil {
		fmt.Fprintf(w, "keys:      %s (%s)\n", n.Identity.Organization(), n.Identity.Profile())
	}
	if reg := n.Registry(); reg != nil {
		fmt.Fprintf(w, "registry:  version %d, authority %s\n", reg.Version(), reg.AuthorityFingerprint())
		if n.Identity != nil && reg.Organization(n.Identity.Organization()) == nil {
			fmt.Fprintf(w, "           this node's organisation is not a member yet\n")
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRELATION\tCOUNTRY\tNAME")
	for _, o := range orgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Relation, dashText(o.Country), o.Name)
	}
	return tw.Flush()
}
