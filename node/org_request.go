package node

import (
	"context"
	"strings"

	"github.com/rampart-cti/rampart"
)

// OrgRequest is an organisation "rampart org" makes: the node's own
// (Op init, OrgInit) or one whose accounts use the node (Op add, with its
// Relation to the node).
type OrgRequest struct {
	Op string
	OrgInit
	Relation rampart.Relation
}

// Check refuses a request without the name its Op needs, or, for add,
// without a relation the node knows, with a ConfigError naming the flag;
// it puts the country code in upper case.
func (r *OrgRequest) Check() error {
	r.Country = strings.ToUpper(r.Country)
	if (r.Op == "init" || r.Op == "add") && r.Name == "" {
		return configErrorf("org %s needs --name NAME", r.Op)
	}
	if rel := r.Relation; r.Op == "add" && rel != rampart.RelationConstituent && rel != rampart.RelationPartner {
		return configErrorf("org add needs --relation constituent or --relation partner (got %q)", rel)
	}
	return nil
}

// AddOrganization records the organisation r names, as a constituent or
// partner of the node (OrganizationService.CreateOrganization), and
// returns it.
func (n *Node) AddOrganization(ctx context.Context, r OrgRequest) (*rampart.Organization, error) {
	o := &rampart.Organization{ID: r.ID, Name: r.Name, Relation: r.Relation, Country: r.Country}
	if err := n.Organizations.CreateOrganization(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}
