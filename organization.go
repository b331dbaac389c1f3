package rampart

import (
	"context"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Relation is how an organisation stands to this node, which decides what
// its accounts may read here (Policy).
type Relation string

// Relations.
const (
	// RelationOwn is the node's own organisation: the national CSIRT or
	// the hub that runs it.
	RelationOwn Relation = "own"
	// RelationConstituent is an organisation the node's organisation
	// serves (an operator of essential services, a ministry): it reads
	// TLP:AMBER as the node's organisation does, since TLP 2.0 lets a
	// recipient share AMBER with its clients.
	RelationConstituent Relation = "constituent"
	// RelationPartner is any other organisation with accounts on the
	// node: it reads TLP:CLEAR and TLP:GREEN, and what names it.
	RelationPartner Relation = "partner"
	// RelationPeer is another node's organisation reading over the node
	// link: in clear it receives TLP:CLEAR and TLP:GREEN only; everything
	// else travels sealed to named organisations.
	RelationPeer Relation = "peer"
)

// Valid reports whether r is one of the relations an Organization may have
// (RelationPeer is for readers over the node link, not for organisations
// recorded here).
func (r Relation) Valid() bool {
	return r == RelationOwn || r == RelationConstituent || r == RelationPartner
}

// Organization is an organisation this node knows: its own, and those its
// accounts belong to. Organisations of the federation (other member
// states, hubs) are in the trust registry, not here.
type Organization struct {
	// ID is the organisation's STIX identity id.
	ID       string
	Name     string
	Relation Relation
	// Country is the ISO 3166-1 alpha-2 code of the organisation's
	// member state ("" when unknown): where its sightings count for
	// early warning.
	Country   string
	CreatedAt time.Time
}

// Validate checks an organisation before it is stored and returns EINVALID
// naming the field.
func (o *Organization) Validate() error {
	if typ, _, err := stix.ParseID(o.ID); err != nil || typ != "identity" {
		return Errorf(EINVALID, "organisation id must be a STIX identity id, identity--UUID (got %q)", o.ID)
	}
	if o.Name == "" {
		return Errorf(EINVALID, "organisation %s: a name is required", o.ID)
	}
	if !o.Relation.Valid() {
		return Errorf(EINVALID, "organisation %s: relation must be %q, %q or %q (got %q)", o.ID, RelationOwn, RelationConstituent, RelationPartner, o.Relation)
	}
	if o.Country != "" && !validCountry(o.Country) {
		return Errorf(EINVALID, "organisation %s: country must be an ISO 3166-1 alpha-2 code in upper case, like \"FR\" (got %q)", o.ID, o.Country)
	}
	return nil
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// OrganizationService stores the organisations a node knows.
// Implementations are safe for concurrent use.
type OrganizationService interface {
	// FindOrganizations returns every organisation, the node's own first,
	// then by name.
	FindOrganizations(ctx context.Context) ([]*Organization, error)
	// FindOrganizationByID returns ENOTFOUND when there is none.
	FindOrganizationByID(ctx context.Context, id string) (*Organization, error)
	// CreateOrganization stores o (EINVALID as Validate says, ECONFLICT
	// when the id is taken or when o is a second RelationOwn).
	CreateOrganization(ctx context.Context, o *Organization) error
	// UpdateOrganization replaces the name, relation and country of an
	// organisation (ENOTFOUND when there is none; ECONFLICT when it would
	// make a second RelationOwn).
	UpdateOrganization(ctx context.Context, o *Organization) error
	// DeleteOrganization removes an organisation (ENOTFOUND when there is
	// none; ECONFLICT while accounts belong to it).
	DeleteOrganization(ctx context.Context, id string) error
}
