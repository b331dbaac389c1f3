package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// orgRow is an organisation with the number of its accounts.
type orgRow struct {
	*rampart.Organization
	Accounts int
	// Member is the organisation's entry in the trust registry, if any.
	Member *trust.Organization
}

// orgForm is what the form that records an organisation was sent with.
type orgForm struct {
	ID, Name, Relation, Country string
}

type organisationsData struct {
	Own       *orgRow
	Others    []orgRow
	Relations []rampart.Relation
	Form      orgForm
	Refusal   *refusal
}

func (c *console) adminOrganisations(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showOrganisations(w, r, v, orgForm{Relation: string(rampart.RelationConstituent)}, nil)
}

func (c *console) showOrganisations(w http.ResponseWriter, r *http.Request, v *visit, form orgForm, f *refusal) error {
	ctx := r.Context()
	if c.s.Organizations == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node's organisations cannot be managed from the console")
	}
	orgs, err := c.organisations(ctx)
	if err != nil {
		return err
	}
	accts, err := c.s.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	d := organisationsData{Relations: []rampart.Relation{rampart.RelationConstituent, rampart.RelationPartner}, Form: form, Refusal: f}
	for _, o := range orgs {
		row := orgRow{Organization: o}
		for _, a := range accts {
			if a.Organization == o.ID || (a.Organization == "" && o.Relation == rampart.RelationOwn) {
				row.Accounts++
			}
		}
		if c.s.Verifier != nil {
			row.Member = c.s.Verifier.Registry().Organization(o.ID)
		}
		if o.Relation == rampart.RelationOwn {
			d.Own = &row
		} else {
			d.Others = append(d.Others, row)
		}
	}
	return c.showAdmin(w, r, v, f.status(), "admin_organisations", "Organisations", d)
}

func (c *console) addOrganisation(w http.ResponseWriter, r *http.Request, v *visit) error {
	form := orgForm{ID: strings.TrimSpace(r.PostForm.Get("id")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Relation: r.PostForm.Get("relation"), Country: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("country")))}
	o := &rampart.Organization{ID: form.ID, Name: form.Name, Relation: rampart.Relation(form.Relation), Country: form.Country}
	err := func() error {
		if c.s.Organizations == nil {
			return rampart.Errorf(rampart.EUNAVAILABLE, "this node's organisations cannot be managed from the console")
		}
		// The node's own organisation is made with its keys ("rampart
		// org init"), never here.
		if o.Relation != rampart.RelationConstituent && o.Relation != rampart.RelationPartner {
			return rampart.Errorf(rampart.EINVALID, "relation must be constituent or partner (got %q)", form.Relation)
		}
		if o.ID == "" {
			o.ID = stix.NewID("identity")
		}
		return c.s.Organizations.CreateOrganization(r.Context(), o)
	}()
	if err != nil {
		if f := refused(err); f != nil {
			return c.showOrganisations(w, r, v, form, f)
		}
		return err
	}
	c.s.logger().Info("console: organisation recorded", "organization", o.ID, "relation", o.Relation, "by", v.account.Name)
	return done(w, r, adminPath("organisations"), o.Name+" recorded as a "+string(o.Relation)+" of this node.")
}

func (c *console) removeOrganisation(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	err := func() error {
		if c.s.Organizations == nil {
			return rampart.Errorf(rampart.EUNAVAILABLE, "this node's organisations cannot be managed from the console")
		}
		o, err := c.s.Organizations.FindOrganizationByID(r.Context(), id)
		if err != nil {
			return err
		}
		if o.Relation == rampart.RelationOwn {
			return rampart.Errorf(rampart.ECONFLICT, "%s is this node's own organisation, which its keys and every object it signs name: it cannot be removed", o.Name)
		}
		// Refused while accounts belong to it, by the organisation
		// service itself, as "rampart org remove" is.
		return c.s.Organizations.DeleteOrganization(r.Context(), id)
	}()
	if err != nil {
		if f := refused(err); f != nil {
			return c.showOrganisations(w, r, v, orgForm{Relation: string(rampart.RelationConstituent)}, f)
		}
		return err
	}
	c.s.logger().Info("console: organisation removed", "organization", id, "by", v.account.Name)
	return done(w, r, adminPath("organisations"), "Organisation "+id+" removed.")
}

// peerForm is what the form that adds a peer was sent with.
type peerForm struct {
	ID, URL, Name, APIRoot string
}

type peersData struct {
	Peers         []PeerHealth
	FederationErr string
	// CanChange says peers can be added and removed here.
	CanChange bool
	// Members are the registry's members that could be added as peers.
	Members  []*trust.Organization
	Registry *trust.Registry
	Form     peerForm
	Refusal  *refusal
}

func (c *console) adminPeers(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showPeers(w, r, v, peerForm{}, nil)
}

func (c *console) showPeers(w http.ResponseWriter, r *http.Request, v *visit, form peerForm, f *refusal) error {
	d := peersData{CanChange: c.s.Admin != nil, Form: form, Refusal: f}
	if c.s.Federation != nil {
		fh, err := c.s.Federation.FederationHealth(r.Context())
		if err != nil {
			c.s.logger().Warn("console: federation health", "err", err)
			d.FederationErr = "The peers could not be read; the error is in the node's log."
		} else {
			d.Peers = fh.Peers
		}
	}
	if c.s.Verifier != nil {
		d.Registry = c.s.Verifier.Registry()
		self := ""
		if keys := c.publicKeys(); keys != nil {
			self = keys.Organization
		}
		for _, o := range d.Registry.Organizations() {
			if o.ID != self && !slices.ContainsFunc(d.Peers, func(p PeerHealth) bool { return p.ID == o.ID }) {
				d.Members = append(d.Members, o)
			}
		}
	}
	return c.showAdmin(w, r, v, f.status(), "admin_peers", "Peers", d)
}

func (c *console) publicKeys() *trust.KeySet {
	if c.s.Admin == nil {
		return nil
	}
	return c.s.Admin.PublicKeys()
}

func (c *console) addPeer(w http.ResponseWriter, r *http.Request, v *visit) error {
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	form := peerForm{ID: get("id"), URL: get("url"), Name: get("name"), APIRoot: get("api_root")}
	p := &rampart.Peer{ID: form.ID, URL: form.URL, Name: form.Name, APIRoot: form.APIRoot}
	var err error = rampart.Errorf(rampart.EUNAVAILABLE, "peers cannot be managed from the console of this node")
	if c.s.Admin != nil {
		err = c.s.Admin.AddPeer(r.Context(), p)
	}
	if err != nil {
		if f := refused(err); f != nil {
			return c.showPeers(w, r, v, form, f)
		}
		return err
	}
	c.s.logger().Info("console: peer added", "peer", p.ID, "url", p.URL, "by", v.account.Name)
	return done(w, r, adminPath("peers"), "Peer "+p.Name+" added; the node pulls from it within seconds.")
}

func (c *console) removePeer(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	var err error = rampart.Errorf(rampart.EUNAVAILABLE, "peers cannot be managed from the console of this node")
	if c.s.Admin != nil {
		err = c.s.Admin.RemovePeer(r.Context(), id)
	}
	if err != nil {
		if f := refused(err); f != nil {
			return c.showPeers(w, r, v, peerForm{}, f)
		}
		return err
	}
	c.s.logger().Info("console: peer removed", "peer", id, "by", v.account.Name)
	return done(w, r, adminPath("peers"), "Peer "+id+" removed; it has lost access.")
}

// keyRow is one of the node's keys and whether the registry lists it.
type keyRow struct {
	Algorithm, ID, Use string
	// Listed says the registry lists the key for the organisation;
	// Revoked, that it revoked it.
	Listed, Revoked bool
	Validity        string
}

type registryData struct {
	Registry    *trust.Registry
	Expired     bool
	Own         *rampart.Organization
	OwnMember   *trust.Organization
	Keys        *trust.KeySet
	KeyRows     []keyRow
	Authorities []*trust.AuthorityMember
	Members     []*trust.Organization
	Revocations []*trust.Revocation
}

func (c *console) adminRegistry(w http.ResponseWriter, r *http.Request, v *visit) error {
	orgs, err := c.organisations(r.Context())
	if err != nil {
		return err
	}
	d := registryData{Own: ownOrganisation(orgs), Keys: c.publicKeys()}
	if c.s.Verifier != nil {
		reg := c.s.Verifier.Registry()
		d.Registry, d.Expired = reg, reg.Expired(v.now)
		d.Authorities, d.Members, d.Revocations = reg.Authorities(), reg.Organizations(), reg.Revocations()
		if d.Own != nil {
			d.OwnMember = reg.Organization(d.Own.ID)
		}
	}
	if d.Keys != nil {
		for _, k := range d.Keys.Keys {
			row := keyRow{Algorithm: k.Algorithm(), ID: k.ID(), Use: k.Use(), Validity: "-"}
			if d.Registry != nil {
				if listed, owner := d.Registry.Key(k.ID()); listed != nil && owner != nil && owner.ID == d.Keys.Organization {
					row.Listed, row.Validity = true, validity(listed)
				}
				row.Revoked = d.Registry.Revocation(k.ID()) != nil
			}
			d.KeyRows = append(d.KeyRows, row)
		}
	}
	return c.showAdmin(w, r, v, http.StatusOK, "admin_registry", "Trust registry", d)
}

// validity says when a registry key may be used.
func validity(k *trust.PublicKey) string {
	from, to := "always", "no end"
	if !k.NotBefore.IsZero() {
		from = k.NotBefore.UTC().Format(time.DateOnly)
	}
	if !k.NotAfter.IsZero() {
		to = k.NotAfter.UTC().Format(time.DateOnly)
	}
	return from + " to " + to
}
