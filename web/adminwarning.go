package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
)

// watchlistRow is a watchlist as the list shows it.
type watchlistRow struct {
	*warning.Watchlist
	Path      string
	OwnerName string
	Entries   int
}

func (c *console) settings() (rampart.SettingService, error) {
	if c.s.Settings == nil {
		return nil, rampart.Errorf(rampart.EUNAVAILABLE, "early warning is not running on this node")
	}
	return c.s.Settings, nil
}

type watchlistsData struct {
	Rows []watchlistRow
	// Form makes a new watchlist.
	Form watchlistForm
}

func (c *console) adminWatchlists(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := watchlistForm{New: true, MemberState: c.s.Coord.MemberState, Owner: c.s.Coord.Organization, Editable: true}
	return c.showWatchlists(w, r, v, f)
}

// showWatchlists lists the watchlists, with the form that makes one as f
// holds it (with why it was refused, if it was).
func (c *console) showWatchlists(w http.ResponseWriter, r *http.Request, v *visit, f watchlistForm) error {
	lists, err := c.s.watchlists(r.Context())
	if err != nil {
		return err
	}
	orgs, err := c.organisations(r.Context())
	if err != nil {
		return err
	}
	name := c.orgNamer(orgs)
	f.CSRF = v.session.csrf
	d := watchlistsData{Form: f}
	for _, wl := range lists {
		row := watchlistRow{Watchlist: wl, Path: adminPath("watchlists", wl.Name), Entries: len(wl.Networks) + len(wl.ASNs) + len(wl.Domains) + len(wl.Brands)}
		if wl.Owner != "" {
			row.OwnerName = name(wl.Owner)
		}
		d.Rows = append(d.Rows, row)
	}
	return c.showAdmin(w, r, v, f.Refusal.status(), "admin_watchlists", "Watchlists", d)
}

// watchlistForm is a watchlist as its form holds it: entries one per
// line, as text, so that a form refused comes back as it was sent.
type watchlistForm struct {
	New                             bool
	Name, MemberState, Owner        string
	Networks, ASNs, Domains, Brands string
	Version                         int64
	Path                            string
	OwnerName                       string
	Entries                         int
	// Editable is false for a watchlist too large to send back in a
	// form; the API and the CLI change those.
	Editable bool
	Refusal  *refusal
	// CSRF is the session's token, for the form's partial template.
	CSRF string
}

// maxWatchlistFormText is the most entry text a watchlist form holds:
// what fits in a form, with room for the rest of it.
const maxWatchlistFormText = maxFormBytes - 4<<10

func formOf(wl *warning.Watchlist, version int64) watchlistForm {
	f := watchlistForm{Name: wl.Name, MemberState: wl.MemberState, Owner: wl.Owner, Version: version, Path: adminPath("watchlists", wl.Name),
		Domains: strings.Join(wl.Domains, "\n"), Brands: strings.Join(wl.Brands, "\n"),
		Entries: len(wl.Networks) + len(wl.ASNs) + len(wl.Domains) + len(wl.Brands)}
	var b strings.Builder
	for _, p := range wl.Networks {
		b.WriteString(p.String() + "\n")
	}
	f.Networks = strings.TrimSuffix(b.String(), "\n")
	b.Reset()
	for _, a := range wl.ASNs {
		b.WriteString(strconv.FormatInt(a, 10) + "\n")
	}
	f.ASNs = strings.TrimSuffix(b.String(), "\n")
	f.Editable = len(f.Networks)+len(f.ASNs)+len(f.Domains)+len(f.Brands) <= maxWatchlistFormText
	return f
}

// watchlistFromForm reads a watchlist form: entries separated by lines,
// commas or spaces.
func watchlistFromForm(r *http.Request, name string) (watchlistForm, *warning.Watchlist, error) {
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	f := watchlistForm{Name: name, MemberState: strings.ToUpper(get("member_state")), Owner: get("owner"),
		Networks: get("networks"), ASNs: get("asns"), Domains: get("domains"), Brands: get("brands"), Editable: true}
	var err error
	if f.Version, err = strconv.ParseInt(r.PostForm.Get("version"), 10, 64); err != nil || f.Version < 0 {
		return f, nil, rampart.Errorf(rampart.EINVALID, "the form's version is missing or malformed: reload the page and make the change again")
	}
	wl := &warning.Watchlist{Name: name, MemberState: f.MemberState, Owner: f.Owner, Domains: list(f.Domains), Brands: list(f.Brands)}
	f.Entries = len(list(f.Networks)) + len(list(f.ASNs)) + len(wl.Domains) + len(wl.Brands)
	for _, s := range list(f.Networks) {
		p, err := warning.ParseNetwork(s)
		if err != nil {
			return f, nil, rampart.Errorf(rampart.EINVALID, "networks: %v", err)
		}
		wl.Networks = append(wl.Networks, p)
	}
	for _, s := range list(f.ASNs) {
		n, err := warning.ParseASN(s)
		if err != nil {
			return f, nil, rampart.Errorf(rampart.EINVALID, "AS numbers: %v", err)
		}
		wl.ASNs = append(wl.ASNs, n)
	}
	return f, wl, nil
}

func (c *console) showWatchlist(w http.ResponseWriter, r *http.Request, v *visit, f watchlistForm, problem *refusal) error {
	f.Refusal, f.CSRF = problem, v.session.csrf
	if f.Owner != "" {
		orgs, err := c.organisations(r.Context())
		if err != nil {
			return err
		}
		f.OwnerName = c.orgNamer(orgs)(f.Owner)
	}
	return c.showAdmin(w, r, v, problem.status(), "admin_watchlist", "Watchlist "+f.Name, f)
}

func (c *console) createWatchlist(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	f, wl, err := watchlistFromForm(r, name)
	f.New = true
	if err == nil {
		// Version 0: a new watchlist never replaces one of the same name.
		err = c.s.saveWatchlist(r.Context(), name, wl, 0)
	}
	if err != nil {
		if f.Refusal = refused(err); f.Refusal != nil {
			return c.showWatchlists(w, r, v, f)
		}
		return err
	}
	c.s.logger().Info("console: watchlist saved", "watchlist", name, "by", v.account.Name)
	return done(w, r, adminPath("watchlists", name), "Watchlist saved; the node applies it at once.")
}

func (c *console) adminWatchlist(w http.ResponseWriter, r *http.Request, v *visit) error {
	svc, err := c.settings()
	if err != nil {
		return err
	}
	wl, version, err := warning.FindWatchlist(r.Context(), svc, r.PathValue("name"))
	if err != nil {
		return err
	}
	return c.showWatchlist(w, r, v, formOf(wl, version), nil)
}

// editWatchlist saves the form on the version it was read at, through
// the same path as PUT /api/v1/watchlists/{name}: a change someone made
// meanwhile is never undone unseen.
func (c *console) editWatchlist(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	f, wl, err := watchlistFromForm(r, name)
	f.Path = adminPath("watchlists", name)
	if err == nil {
		err = c.s.saveWatchlist(r.Context(), name, wl, f.Version)
	}
	if err != nil {
		if p := refused(err); p != nil {
			return c.showWatchlist(w, r, v, f, p)
		}
		return err
	}
	c.s.logger().Info("console: watchlist saved", "watchlist", name, "by", v.account.Name)
	return done(w, r, adminPath("watchlists", name), "Watchlist saved; the node applies it at once.")
}

func (c *console) deleteWatchlist(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	if err := c.s.deleteWatchlist(r.Context(), name); err != nil {
		return err
	}
	c.s.logger().Info("console: watchlist removed", "watchlist", name, "by", v.account.Name)
	return done(w, r, adminPath("watchlists"), "Watchlist "+name+" removed.")
}

// webhookRow is a webhook as the console shows it: never its secret,
// and its URL only as RedactURL gives it, since receivers often put a
// token of theirs in the URL.
type webhookRow struct {
	ID, Where string
}

type webhooksData struct {
	Hooks   []webhookRow
	Events  []string
	URL     string
	Refusal *refusal
}

func (c *console) adminWebhooks(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showWebhooks(w, r, v, "", nil)
}

func (c *console) showWebhooks(w http.ResponseWriter, r *http.Request, v *visit, url string, f *refusal) error {
	svc, err := c.settings()
	if err != nil {
		return err
	}
	set, err := warning.LoadSettings(r.Context(), svc)
	if err != nil {
		return err
	}
	d := webhooksData{Events: []string{webhook.EventAlertRaised, webhook.EventAlertUpdated}, URL: url, Refusal: f}
	for _, h := range set.Webhooks {
		d.Hooks = append(d.Hooks, webhookRow{ID: h.ID(), Where: webhook.RedactURL(h.URL)})
	}
	return c.showAdmin(w, r, v, f.status(), "admin_webhooks", "Webhooks", d)
}

func (c *console) addWebhook(w http.ResponseWriter, r *http.Request, v *visit) error {
	h := webhook.Hook{URL: strings.TrimSpace(r.PostForm.Get("url")), Secret: r.PostForm.Get("secret")}
	svc, err := c.settings()
	if err == nil {
		err = webhook.Save(r.Context(), svc, h)
	}
	if err != nil {
		// The form comes back with its URL, never its secret.
		if f := refused(err); f != nil {
			return c.showWebhooks(w, r, v, h.URL, f)
		}
		return err
	}
	c.s.logger().Info("console: webhook saved", "webhook", h.ID(), "url", webhook.RedactURL(h.URL), "by", v.account.Name)
	return done(w, r, adminPath("webhooks"), "Webhook "+h.ID()+" saved; alerts go to it from now on. Its secret is not shown again.")
}

func (c *console) removeWebhook(w http.ResponseWriter, r *http.Request, v *visit) error {
	svc, err := c.settings()
	if err != nil {
		return err
	}
	set, err := warning.LoadSettings(r.Context(), svc)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	for _, h := range set.Webhooks {
		if h.ID() == id {
			if err := webhook.Delete(r.Context(), svc, h.URL); err != nil {
				return err
			}
			c.s.logger().Info("console: webhook removed", "webhook", id, "by", v.account.Name)
			return done(w, r, adminPath("webhooks"), "Webhook "+id+" removed.")
		}
	}
	return rampart.Errorf(rampart.ENOTFOUND, "no webhook %s: it was removed already, or never added", id)
}
