package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/trust"
)

// Administration is what the console's administration pages need of the
// node itself, beyond the services a Server holds: the public keys of its
// organisation, and its peers, which the node checks against the trust
// registry it trusts as "rampart peer add" does. Implementations are safe
// for concurrent use.
type Administration interface {
	// PublicKeys returns the public keys of the node's organisation, nil
	// when it has none.
	PublicKeys() *trust.KeySet
	// AddPeer completes p from the trust registry (its name and node
	// link, when not given) and stores it: EINVALID naming the field,
	// ECONFLICT when the organisation is a peer already.
	AddPeer(ctx context.Context, p *rampart.Peer) error
	// RemovePeer removes a peer (ENOTFOUND when there is none).
	RemovePeer(ctx context.Context, id string) error
}

// The administration pages: accounts with their grants and tokens, the
// organisations, watchlists, webhooks, peers and the trust registry. Each
// is for administrators only; each change is made through the same
// services, with the same rules, as the CLI's.
func (c *console) adminPages(page func(string, pageFunc)) {
	admin := func(pattern string, h pageFunc) {
		page(pattern, func(w http.ResponseWriter, r *http.Request, v *visit) error {
			if !v.account.Admin {
				return rampart.Errorf(rampart.EFORBIDDEN, "the administration pages are for administrators only, and account %q is not one", v.account.Name)
			}
			return h(w, r, v)
		})
	}
	const p = ConsolePath + "admin"
	admin("GET "+p, c.adminOverview)
	admin("GET "+p+"/accounts", c.adminAccounts)
	admin("POST "+p+"/accounts", c.createAccount)
	admin("GET "+p+"/accounts/{name}", c.adminAccount)
	admin("POST "+p+"/accounts/{name}/delete", c.deleteAccount)
	admin("POST "+p+"/accounts/{name}/organisation", c.moveAccount)
	admin("POST "+p+"/accounts/{name}/grants", c.grantAccount)
	admin("POST "+p+"/accounts/{name}/password", c.resetPassword)
	admin("POST "+p+"/accounts/{name}/tokens", c.createToken)
	admin("POST "+p+"/accounts/{name}/tokens/{id}/revoke", c.revokeToken)
	admin("GET "+p+"/organisations", c.adminOrganisations)
	admin("POST "+p+"/organisations", c.addOrganisation)
	admin("POST "+p+"/organisations/{id}/delete", c.removeOrganisation)
	admin("GET "+p+"/watchlists", c.adminWatchlists)
	admin("POST "+p+"/watchlists", c.createWatchlist)
	admin("GET "+p+"/watchlists/{name}", c.adminWatchlist)
	admin("POST "+p+"/watchlists/{name}", c.editWatchlist)
	admin("POST "+p+"/watchlists/{name}/delete", c.deleteWatchlist)
	admin("GET "+p+"/webhooks", c.adminWebhooks)
	admin("POST "+p+"/webhooks", c.addWebhook)
	admin("POST "+p+"/webhooks/{id}/delete", c.removeWebhook)
	admin("GET "+p+"/peers", c.adminPeers)
	admin("POST "+p+"/peers", c.addPeer)
	admin("POST "+p+"/peers/{id}/delete", c.removePeer)
	admin("GET "+p+"/registry", c.adminRegistry)
	admin("GET "+p+"/feeds", c.adminFeeds)
	admin("GET "+p+"/feeds/{name}", c.adminFeed)
}

// adminPath is the path of an administration page; parts are escaped
// one path segment each.
func adminPath(parts ...string) string {
	p := ConsolePath + "admin"
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// showAdmin renders an administration page with a status: 200, or the
// status of a refused change shown on the page it was made from.
func (c *console) showAdmin(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) error {
	notice := ""
	if status == http.StatusOK {
		notice = noticeOf(r)
	}
	c.render(w, r, status, name, page{Title: title, Section: "admin", Account: v.account, CSRF: v.session.csrf,
		Now: v.now, Notice: notice, Data: data})
	return nil
}

// refusal is why a change was refused, shown on the page the change was
// made from, with the status of the refusal.
type refusal struct {
	Status  int
	Message string
}

// refused returns the refusal of err when an administrator can act on it
// from the page (a bad field, a conflict, something gone meanwhile); nil
// for other errors, which go to the error page.
func refused(err error) *refusal {
	switch code := rampart.ErrorCode(err); code {
	case rampart.EINVALID, rampart.ECONFLICT, rampart.ENOTFOUND, rampart.EUNAVAILABLE:
		return &refusal{Status: rampart.HTTPStatus(code), Message: rampart.ErrorMessage(err)}
	}
	return nil
}

// status is the status of a page shown with a refusal, 200 without one.
func (f *refusal) status() int {
	if f == nil {
		return http.StatusOK
	}
	return f.Status
}

// adminOverview is what the administration holds, at a glance.
type adminOverview struct {
	Accounts, Admins, Organisations, Watchlists, Webhooks, Peers int
	OwnOrg                                                       *rampart.Organization
	Registry                                                     *trust.Registry
	FederationErr                                                string
	SettingsErr                                                  string
}

func (c *console) adminOverview(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	var d adminOverview
	accts, err := c.s.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	d.Accounts = len(accts)
	for _, a := range accts {
		if a.Admin {
			d.Admins++
		}
	}
	orgs, err := c.organisations(ctx)
	if err != nil {
		return err
	}
	d.Organisations = len(orgs)
	d.OwnOrg = ownOrganisation(orgs)
	if c.s.Settings != nil {
		set, err := warning.LoadSettings(ctx, c.s.Settings)
		if err != nil {
			c.s.logger().Warn("console: settings", "err", err)
			d.SettingsErr = "The node's coordination settings could not be read; the error is in the node's log."
		} else {
			d.Watchlists, d.Webhooks = len(set.Watchlists), len(set.Webhooks)
		}
	}
	if c.s.Federation != nil {
		fh, err := c.s.Federation.FederationHealth(ctx)
		if err != nil {
			c.s.logger().Warn("console: federation health", "err", err)
			d.FederationErr = "The peers could not be read; the error is in the node's log."
		} else {
			d.Peers = len(fh.Peers)
		}
	}
	if c.s.Verifier != nil {
		d.Registry = c.s.Verifier.Registry()
	}
	return c.showAdmin(w, r, v, http.StatusOK, "admin", "Administration", d)
}

// organisations returns the organisations the node records, its own
// first; none without an organisation service.
func (c *console) organisations(ctx context.Context) ([]*rampart.Organization, error) {
	if c.s.Organizations == nil {
		return nil, nil
	}
	return c.s.Organizations.FindOrganizations(ctx)
}

// ownOrganisation returns the node's own organisation among orgs, nil
// when it has none.
func ownOrganisation(orgs []*rampart.Organization) *rampart.Organization {
	for _, o := range orgs {
		if o.Relation == rampart.RelationOwn {
			return o
		}
	}
	return nil
}

// orgNamer names organisations as the trust registry does, else as the
// node records them, else by their id; "" is the node's own.
func (c *console) orgNamer(orgs []*rampart.Organization) func(id string) string {
	own := ownOrganisation(orgs)
	return func(id string) string {
		if id == "" {
			if own == nil {
				return "this node's organisation"
			}
			id = own.ID
		}
		if c.s.Verifier != nil {
			if o := c.s.Verifier.Registry().Organization(id); o != nil {
				return o.Name
			}
		}
		for _, o := range orgs {
			if o.ID == id {
				return o.Name
			}
		}
		return id
	}
}
