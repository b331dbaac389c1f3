package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// OrgKeyFile is where InitOrganization writes the organisation's private
// keys in the data directory (mode 0600); the public keys go to
// OrgKeyFile + ".pub", for the registry authority.
const OrgKeyFile = "org.key"

// OrgInit is what an organisation is made with.
type OrgInit struct {
	// ID is the organisation's STIX identity id; a new one when empty.
	ID      string
	Name    string
	Country string // ISO 3166-1 alpha-2, or "EU"
	Sectors []string
	Profile trust.Profile // trust.EUPQBase when empty
}

// InitOrganization makes the node's organisation: its keys (OrgKeyFile in
// the data directory), recorded as the node's keys; its STIX identity,
// located in its member state (an identity, a location and a located-at
// relationship, TLP:GREEN, signed), stored in the default collection, so
// that early warning places its sightings and peers know it; and the
// record of the node's own organisation. A node has one organisation:
// ECONFLICT when it has one already.
func (n *Node) InitOrganization(ctx context.Context, in OrgInit) (*rampart.Organization, string, error) {
	if own := n.Organization(ctx); own != "" {
		return nil, "", rampart.Errorf(rampart.ECONFLICT, "this node's organisation is %s already: a node belongs to one organisation", own)
	}
	if in.ID == "" {
		in.ID = stix.NewID("identity")
	}
	if in.Profile == "" {
		in.Profile = trust.EUPQBase
	}
	org := &rampart.Organization{ID: in.ID, Name: in.Name, Relation: rampart.RelationOwn, Country: in.Country}
	if err := org.Validate(); err != nil {
		return nil, "", err
	}
	keyPath := filepath.Join(n.Config.DataDir, OrgKeyFile)
	for _, p := range []string{keyPath, keyPath + ".pub"} {
		if _, err := os.Stat(p); err == nil {
			return nil, "", rampart.Errorf(rampart.ECONFLICT, "%s exists already: keys are never overwritten; move it away to make new ones", p)
		}
	}
	id, err := trust.GenerateIdentity(in.Profile, in.ID)
	if err != nil {
		return nil, "", err
	}
	if err := trust.WriteKeyFiles(keyPath, id); err != nil {
		return nil, "", err
	}
	objs, err := identityObjects(id, in)
	if err != nil {
		return nil, "", err
	}
	n.Log.useIdentity(id)
	c, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		return nil, "", err
	}
	if _, err := n.Objects.CreateObjects(ctx, c.ID, objs); err != nil {
		return nil, "", err
	}
	if err := n.Organizations.CreateOrganization(ctx, org); err != nil {
		return nil, "", err
	}
	b, _ := json.Marshal(keyPath)
	if _, err := n.Settings.SetSetting(ctx, settingIdentity, b, -1); err != nil {
		return nil, "", err
	}
	n.Identity = id
	return org, keyPath, nil
}

// identityObjects returns the organisation's STIX identity, and, with a
// country, its location and the located-at relationship between them, all
// TLP:GREEN and signed by the organisation.
func identityObjects(id *trust.Identity, in OrgInit) ([]*stix.Object, error) {
	ts := stix.NewTimestamp(time.Now()).String()
	common := map[string]any{"spec_version": "2.1", "created": ts, "modified": ts, "created_by_ref": in.ID,
		"object_marking_refs": []string{stix.TLPGreen.MarkingID()}}
	with := func(m map[string]any) map[string]any {
		for k, v := range common {
			m[k] = v
		}
		return m
	}
	ident := with(map[string]any{"type": "identity", "id": in.ID, "name": in.Name, "identity_class": "organization"})
	if len(in.Sectors) > 0 {
		ident["sectors"] = in.Sectors
	}
	maps := []map[string]any{ident}
	if in.Country != "" && in.Country != "EU" {
		loc := stix.NewID("location")
		maps = append(maps,
			with(map[string]any{"type": "location", "id": loc, "country": in.Country}),
			with(map[string]any{"type": "relationship", "id": stix.NewID("relationship"), "relationship_type": "located-at", "source_ref": in.ID, "target_ref": loc}))
	}
	var out []*stix.Object
	for _, m := range maps {
		raw, err := json.Marshal(m, json.Deterministic(true))
		if err != nil {
			return nil, err
		}
		o, err := stix.ParseObject(raw)
		if err != nil {
			return nil, err
		}
		if err := Validate(o); err != nil {
			return nil, fmt.Errorf("the organisation's %s: %v", o.Type, err)
		}
		if o, err = id.Sign(o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// RegistryOrganization returns the trust registry's entry for the
// organisation id: nil when the node has no registry or the registry does
// not list id.
func (n *Node) RegistryOrganization(id string) *trust.Organization {
	if reg := n.Registry(); reg != nil {
		return reg.Organization(id)
	}
	return nil
}

// OrganizationNames returns a function that names an organisation as the
// trust registry does, else as the node's records do, else by its id.
// Each id is looked up once; the function is not safe for concurrent use.
func (n *Node) OrganizationNames(ctx context.Context) func(id string) string {
	names := map[string]string{}
	return func(id string) string {
		if name, ok := names[id]; ok {
			return name
		}
		name := id
		if o := n.RegistryOrganization(id); o != nil {
			name = o.Name
		} else if o, err := n.Organizations.FindOrganizationByID(ctx, id); err == nil {
			name = o.Name
		}
		names[id] = name
		return name
	}
}
