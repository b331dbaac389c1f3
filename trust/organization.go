package trust

import (
	"fmt"
	"slices"
	"strings"
)

// Clone returns a copy of o whose Keys and Nodes may be changed without
// changing o: the way to edit an organisation of a RegistryDocument before
// SetOrganization.
func (o *Organization) Clone() *Organization {
	c := *o
	c.Keys, c.Nodes = slices.Clone(o.Keys), slices.Clone(o.Nodes)
	return &c
}

// AddNodes adds the node URLs o does not list yet, in order.
func (o *Organization) AddNodes(urls ...string) {
	for _, u := range urls {
		if !slices.Contains(o.Nodes, u) {
			o.Nodes = append(o.Nodes, u)
		}
	}
}

// AddKeys adds the keys o does not list yet (by key id), in order, and
// returns how many it added. A key listed already keeps its validity.
func (o *Organization) AddKeys(keys ...*PublicKey) int {
	added := 0
	for _, k := range keys {
		if !slices.ContainsFunc(o.Keys, func(x *PublicKey) bool { return x.ID() == k.ID() }) {
			o.Keys = append(o.Keys, k)
			added++
		}
	}
	return added
}

// ResolveOrganization returns the member a person names: by its STIX
// identity id, by the ISO 3166-1 code of a member state (its national
// CSIRT; any case), or by its name. The error says whether the registry
// lists none or more than one.
func (r *Registry) ResolveOrganization(name string) (*Organization, error) {
	if strings.HasPrefix(name, "identity--") {
		if o := r.Organization(name); o != nil {
			return o, nil
		}
		return nil, fmt.Errorf("%s is not in registry version %d", name, r.Version())
	}
	var found []*Organization
	for _, o := range r.doc.Organizations {
		if (strings.EqualFold(o.Country, name) && o.Role == RoleNationalCSIRT) || o.Name == name {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("registry version %d has no national CSIRT of %q, nor an organisation of that name", r.Version(), name)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("registry version %d has %d organisations for %q; give the identity id", r.Version(), len(found), name)
}

// ResolveOrganizations returns the identity ids of the members names
// names, in order, as ResolveOrganization finds them; with role set, each
// must have that role. The error names the first that fails.
func (r *Registry) ResolveOrganizations(names []string, role Role) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, name := range names {
		o, err := r.ResolveOrganization(name)
		if err != nil {
			return nil, err
		}
		if role != "" && o.Role != role {
			return nil, fmt.Errorf("%s (%s) is a %s, not a %s", o.Name, o.ID, o.Role, role)
		}
		out = append(out, o.ID)
	}
	return out, nil
}
