package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
	"github.com/rampart-cti/rampart/trust"
)

// browserless is a signed-in console session driven without a browser:
// every form carries the session's CSRF token, and redirects are not
// followed.
type browserless struct {
	t       *testing.T
	srv     *httptest.Server
	cookie  string
	csrf    string
	account string
}

// consoleAs signs the account in to the node's console.
func (n *node) consoleAs(t *testing.T, name string) *browserless {
	t.Helper()
	if n.api.Organizations == nil {
		n.api.Organizations = n.orgs
	}
	a, err := n.api.Accounts.FindAccountByName(ctx, name)
	must(t, err)
	sid, s := n.api.console.sessions.create(a.Name, a.PasswordStamp)
	srv := httptest.NewServer(n.api.Console())
	t.Cleanup(srv.Close)
	return &browserless{t: t, srv: srv, cookie: sid, csrf: s.csrf, account: name}
}

type shown struct {
	status   int
	location string
	body     string
}

func (b *browserless) do(method, path string, form url.Values) shown {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf", b.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	must(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.cookie})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	must(b.t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return shown{resp.StatusCode, resp.Header.Get("Location"), string(data)}
}

func (b *browserless) get(path string) shown { return b.do("GET", path, nil) }

func (b *browserless) post(path string, kv ...string) shown {
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return b.do("POST", path, form)
}

// want checks a page's status and that it shows each string.
func (p shown) want(t *testing.T, what string, status int, shows ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, p.status, status, p.body)
	}
	for _, s := range shows {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: the page does not show %q", what, s)
		}
	}
}

func (p shown) lacks(t *testing.T, what string, hidden ...string) {
	t.Helper()
	for _, s := range hidden {
		if strings.Contains(p.body, s) || strings.Contains(p.location, s) {
			t.Errorf("%s: the page shows %q", what, s)
		}
	}
}

func TestAdminPagesForAdministratorsOnly(t *testing.T) {
	n := newNode(t)
	analyst := n.consoleAs(t, "analyst")
	for _, path := range []string{"/console/admin", "/console/admin/accounts", "/console/admin/accounts/admin", "/console/admin/webhooks", "/console/admin/registry"} {
		analyst.get(path).want(t, "GET "+path+" as an analyst", http.StatusForbidden, "administrators only")
	}
	analyst.post("/console/admin/accounts", "name", "mallory", "admin", "on").want(t, "an analyst making an administrator", http.StatusForbidden, "administrators only")
	if _, err := n.api.Accounts.FindAccountByName(ctx, "mallory"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("an analyst made an account: %v", err)
	}
	admin := n.consoleAs(t, "admin")
	admin.get("/console/admin").want(t, "overview", http.StatusOK, "Accounts and tokens", "Trust registry")
	// The layout names the section an administrator is in.
	if !strings.Contains(admin.get("/console/admin/accounts").body, `href="/console/admin" aria-current="page"`) {
		t.Errorf("the navigation does not mark Administration as the current section")
	}
}

func TestAdminAccounts(t *testing.T) {
	n := newNode(t)
	admin := n.consoleAs(t, "admin")
	list := admin.get("/console/admin/accounts")
	list.want(t, "accounts", http.StatusOK, "analyst", "coordination: read and write", "intel: read", "administrator")
	list.lacks(t, "accounts", n.coordID)

	// The password is in the answer to the form, once, and nowhere else.
	made := admin.post("/console/admin/accounts", "name", "newcomer", "organization", "")
	made.want(t, "create an account", http.StatusOK, "Password of newcomer", "shown only this once")
	password := between(made.body, `<code id="secret" data-copy>`, `</code>`)
	if len(password) < 20 {
		t.Fatalf("no password on the page:\n%s", made.body)
	}
	if _, err := n.api.Accounts.Authenticate(ctx, "newcomer", password); err != nil {
		t.Errorf("the password shown does not sign in: %v", err)
	}
	admin.get("/console/admin/accounts/newcomer").lacks(t, "the account's page", password)
	admin.post("/console/admin/accounts", "name", "newcomer").want(t, "the same name twice", http.StatusConflict, "already exists", `value="newcomer"`)

	// Grants by collection; none is a revocation.
	admin.post("/console/admin/accounts/newcomer/grants", "collection", n.intelID, "access", "read").want(t, "grant", http.StatusSeeOther)
	a, _ := n.api.Accounts.FindAccountByName(ctx, "newcomer")
	if !a.CanRead(n.intelID) || a.CanWrite(n.intelID) {
		t.Errorf("after granting read: %+v", a.Grants)
	}
	admin.get("/console/admin/accounts/newcomer").want(t, "account", http.StatusOK, `<option value="read" selected>`)
	admin.post("/console/admin/accounts/newcomer/grants", "collection", n.intelID, "access", "none").want(t, "revoke", http.StatusSeeOther)
	admin.post("/console/admin/accounts/newcomer/grants", "collection", n.intelID, "access", "none").want(t, "revoke again", http.StatusSeeOther)
	if a, _ := n.api.Accounts.FindAccountByName(ctx, "newcomer"); a.CanSee(n.intelID) {
		t.Errorf("after revoking: %+v", a.Grants)
	}
	admin.post("/console/admin/accounts/newcomer/grants", "collection", n.intelID, "access", "all").want(t, "a bad access", http.StatusBadRequest, "access must be")
	admin.post("/console/admin/accounts/nobody/grants", "collection", n.intelID, "access", "read").want(t, "grant to nobody", http.StatusNotFound)

	// A new password ends the account's sessions.
	newcomer := n.consoleAs(t, "newcomer")
	newcomer.get("/console/").want(t, "the newcomer's situation", http.StatusOK)
	reset := admin.post("/console/admin/accounts/newcomer/password")
	reset.want(t, "reset the password", http.StatusOK, "Every session of newcomer has ended")
	if p := newcomer.get("/console/"); p.status != http.StatusSeeOther || !strings.Contains(p.location, "/console/login") {
		t.Errorf("after a new password the old session still works: %d %s", p.status, p.location)
	}
	if _, err := n.api.Accounts.Authenticate(ctx, "newcomer", between(reset.body, `<code id="secret" data-copy>`, `</code>`)); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}

	// The last administrator stays, with the reason on its page.
	admin.post("/console/admin/accounts/admin/delete").want(t, "delete the last administrator", http.StatusConflict,
		"cannot delete the last administrator", "create another administrator first", "<h1>admin</h1>")
	admin.post("/console/admin/accounts", "name", "admin2", "admin", "on").want(t, "a second administrator", http.StatusOK)
	admin2 := n.consoleAs(t, "admin2")
	admin2.post("/console/admin/accounts/admin/delete").want(t, "delete the first administrator", http.StatusSeeOther)
	if p := admin.get("/console/admin"); p.status != http.StatusSeeOther {
		t.Errorf("the deleted administrator's session still works: %d", p.status)
	}
	admin2.post("/console/admin/accounts/admin2/delete").want(t, "delete the administrator left", http.StatusConflict, "last administrator")
	admin2.post("/console/admin/accounts/newcomer/delete").want(t, "delete an analyst", http.StatusSeeOther)
	admin2.get("/console/admin/accounts/newcomer").want(t, "a deleted account", http.StatusNotFound)

	// A name that is no plain path segment has its page all the same.
	admin2.post("/console/admin/accounts", "name", "team/soc é").want(t, "an account with a slash", http.StatusOK)
	admin2.get("/console/admin/accounts").want(t, "its link", http.StatusOK, `href="/console/admin/accounts/team%2Fsoc%20%C3%A9"`)
	admin2.get("/console/admin/accounts/team%2Fsoc%20%C3%A9").want(t, "its page", http.StatusOK, "<h1>team/soc é</h1>", `action="/console/admin/accounts/team%2Fsoc%20%C3%A9/delete"`)
	admin2.post("/console/admin/accounts/team%2Fsoc%20%C3%A9/delete").want(t, "its deletion", http.StatusSeeOther)
}

func TestAdminTokens(t *testing.T) {
	n := newNode(t)
	admin := n.consoleAs(t, "admin")
	made := admin.post("/console/admin/accounts/reader/tokens", "label", "SIEM pull")
	made.want(t, "create a token", http.StatusOK, "Bearer token for reader (SIEM pull)", "shown only this once")
	tok := between(made.body, `<code id="secret" data-copy>`, `</code>`)
	id := between(made.body, `<code id="token-id">`, `</code>`)
	if a, err := n.api.Accounts.AuthenticateToken(ctx, tok); err != nil || a.Name != "reader" {
		t.Fatalf("the token shown does not authenticate reader: %v %v", a, err)
	}
	page := admin.get("/console/admin/accounts/reader")
	page.want(t, "the account's tokens", http.StatusOK, id, "SIEM pull")
	page.lacks(t, "the account's tokens", tok)
	admin.get("/console/admin/accounts").want(t, "accounts with their tokens", http.StatusOK, `<a href="/console/admin/accounts/reader#h-tokens">1</a>`)
	admin.post("/console/admin/accounts/reader/tokens/"+id+"/revoke").want(t, "revoke", http.StatusSeeOther)
	if _, err := n.api.Accounts.AuthenticateToken(ctx, tok); rampart.ErrorCode(err) != rampart.EUNAUTHORIZED {
		t.Errorf("a revoked token authenticates: %v", err)
	}
	admin.post("/console/admin/accounts/reader/tokens/"+id+"/revoke").want(t, "revoke twice", http.StatusNotFound, "<h1>reader</h1>")
}

func TestAdminOrganisations(t *testing.T) {
	n := newNode(t)
	must(t, n.orgs.CreateOrganization(ctx, &rampart.Organization{ID: orgFR, Name: "CERT-FR", Relation: rampart.RelationOwn, Country: "FR"}))
	admin := n.consoleAs(t, "admin")
	const grid = "identity--6b0c2f3e-0d7a-4a4e-9a51-3c5d7e8f9a10"
	admin.post("/console/admin/organisations", "id", grid, "name", "Grid operator", "relation", "constituent", "country", "fr").want(t, "record", http.StatusSeeOther)
	admin.post("/console/admin/organisations", "name", "Own again", "relation", "own").want(t, "a second own", http.StatusBadRequest, "relation must be constituent or partner")
	admin.post("/console/admin/accounts", "name", "grid-soc", "organization", grid).want(t, "an account of the grid operator", http.StatusOK)
	admin.get("/console/admin/accounts").want(t, "accounts", http.StatusOK, "Grid operator", "CERT-FR")
	orgs := admin.get("/console/admin/organisations")
	orgs.want(t, "organisations", http.StatusOK, "CERT-FR", "Grid operator", "constituent", grid)
	admin.post("/console/admin/organisations/"+grid+"/delete").want(t, "remove while an account belongs to it", http.StatusConflict, "still has 1 account", "grid-soc")
	admin.post("/console/admin/organisations/"+orgFR+"/delete").want(t, "remove the node's own", http.StatusConflict, "own organisation")
	admin.post("/console/admin/accounts/grid-soc/organisation", "organization", "").want(t, "move to the node's own", http.StatusSeeOther)
	admin.post("/console/admin/organisations/"+grid+"/delete").want(t, "remove", http.StatusSeeOther)
	if _, err := n.orgs.FindOrganizationByID(ctx, grid); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("after removal: %v", err)
	}
}

// The console changes watchlists through the API's own path, and an edit
// made on an old reading is refused rather than undoing a newer change.
func TestAdminWatchlists(t *testing.T) {
	n := newNode(t)
	admin := n.consoleAs(t, "admin")
	admin.get("/console/admin/watchlists").want(t, "no watchlist", http.StatusOK, "No watchlist.", `id="w-state" name="member_state" required maxlength="2" size="3" value="FR"`, orgFR)
	admin.post("/console/admin/watchlists", "name", "fr-assets", "version", "0", "member_state", "fr",
		"networks", "192.0.2.0/24\n198.51.100.7", "asns", "AS64500", "domains", "Gouv.Example", "brands", "acmebank").want(t, "create", http.StatusSeeOther)
	n.want(n.do("admin", "GET", "/api/v1/watchlists/fr-assets", ""), 200, `"member_state":"FR"`, "198.51.100.7/32", "gouv.example", "64500")
	if got := len(n.ew.CurrentWatchlists()); got != 1 {
		t.Errorf("the engine has %d watchlists, want the one saved", got)
	}
	admin.post("/console/admin/watchlists", "name", "fr-assets", "version", "0", "member_state", "FR", "domains", "x.example").want(t, "the same name twice", http.StatusConflict, "exists already")
	admin.post("/console/admin/watchlists", "name", "bad", "version", "0", "member_state", "FR", "networks", "not-a-network").want(t, "a bad network", http.StatusBadRequest, "not an IP prefix", "not-a-network", "<details class=\"admin-new\" open>")

	view := admin.get("/console/admin/watchlists/fr-assets")
	view.want(t, "view", http.StatusOK, "192.0.2.0/24", "acmebank")
	version := between(view.body, `name="version" value="`, `"`)
	// Someone changes it through the API meanwhile.
	n.want(n.do("admin", "PUT", "/api/v1/watchlists/fr-assets", `{"member_state":"FR","domains":["api.example"]}`), 200)
	admin.post("/console/admin/watchlists/fr-assets", "version", version, "member_state", "FR", "domains", "console.example").want(t, "an edit on an old reading", http.StatusConflict, "changed since it was read", "console.example")
	fresh := between(admin.get("/console/admin/watchlists/fr-assets").body, `name="version" value="`, `"`)
	admin.post("/console/admin/watchlists/fr-assets", "version", fresh, "member_state", "FR", "domains", "api.example console.example").want(t, "an edit on the latest", http.StatusSeeOther)
	n.want(n.do("admin", "GET", "/api/v1/watchlists/fr-assets", ""), 200, "api.example", "console.example")

	admin.get("/console/admin/watchlists").want(t, "list", http.StatusOK, "fr-assets")
	admin.post("/console/admin/watchlists/fr-assets/delete").want(t, "delete", http.StatusSeeOther)
	n.want(n.do("admin", "GET", "/api/v1/watchlists/fr-assets", ""), 404)
	admin.post("/console/admin/watchlists/fr-assets/delete").want(t, "delete twice", http.StatusNotFound)
}

func TestAdminWebhooks(t *testing.T) {
	n := newNode(t)
	admin := n.consoleAs(t, "admin")
	const (
		hookURL = "https://soc.example/rampart?token=receiver-token-42"
		secret  = "webhook-secret-never-shown"
	)
	added := admin.post("/console/admin/webhooks", "url", hookURL, "secret", secret)
	added.want(t, "add", http.StatusSeeOther)
	added.lacks(t, "add", secret, "receiver-token-42")
	list := admin.get("/console/admin/webhooks")
	id := webhook.Hook{URL: hookURL}.ID()
	list.want(t, "list", http.StatusOK, "https://soc.example/…", id, webhook.EventAlertRaised)
	list.lacks(t, "list", secret, "receiver-token-42")
	short := admin.post("/console/admin/webhooks", "url", "https://other.example/hook", "secret", "short")
	short.want(t, "a short secret", http.StatusBadRequest, "at least 16 bytes", "https://other.example/hook")
	short.lacks(t, "a short secret", `value="short"`)
	admin.post("/console/admin/webhooks/"+id+"/delete").want(t, "remove", http.StatusSeeOther)
	set, err := warning.LoadSettings(ctx, n.settings)
	if err != nil || len(set.Webhooks) != 0 {
		t.Errorf("after removal: %v %v", set, err)
	}
	admin.post("/console/admin/webhooks/"+id+"/delete").want(t, "remove twice", http.StatusNotFound)
}

// fakeAdmin is the node's side of the administration pages.
type fakeAdmin struct {
	keys  *trust.KeySet
	peers []*rampart.Peer
}

func (f *fakeAdmin) PublicKeys() *trust.KeySet { return f.keys }

func (f *fakeAdmin) AddPeer(_ context.Context, p *rampart.Peer) error {
	if p.URL == "" {
		return rampart.Errorf(rampart.EINVALID, "a peer needs the https URL of its node link")
	}
	f.peers = append(f.peers, p)
	return nil
}

func (f *fakeAdmin) RemovePeer(_ context.Context, id string) error {
	for i, p := range f.peers {
		if p.ID == id {
			f.peers = append(f.peers[:i], f.peers[i+1:]...)
			return nil
		}
	}
	return rampart.Errorf(rampart.ENOTFOUND, "%q is not a peer of this node", id)
}

func (f *fakeAdmin) FederationHealth(context.Context) (*FederationHealth, error) {
	h := &FederationHealth{}
	for _, p := range f.peers {
		h.Peers = append(h.Peers, PeerHealth{ID: p.ID, Name: p.Name, URL: p.URL, LastError: "connection refused"})
	}
	return h, nil
}

func TestAdminPeersAndRegistry(t *testing.T) {
	n := newNode(t)
	admin := n.consoleAs(t, "admin")
	admin.get("/console/admin/registry").want(t, "registry without one", http.StatusOK, "trusts no registry", "rampart org init")
	admin.get("/console/admin/peers").want(t, "peers without a node", http.StatusOK)
	admin.post("/console/admin/peers", "id", orgDE, "url", "https://cti.de.example:8443").want(t, "add without a node", http.StatusServiceUnavailable, "cannot be managed")

	fr, err := trust.GenerateIdentity(trust.EUPQBase, orgFR)
	must(t, err)
	de, err := trust.GenerateIdentity(trust.EUPQBase, orgDE)
	must(t, err)
	authority, err := trust.GenerateIdentity(trust.EUPQBase, "")
	must(t, err)
	since := n.now.AddDate(-1, 0, 0)
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "a1", Keys: authority.KeySet().SigningKeys()}}, since)
	must(t, err)
	for _, o := range []struct {
		id, name, country string
		keys              *trust.KeySet
	}{{orgFR, "CERT-FR", "FR", fr.KeySet()}, {orgDE, "CERT-Bund", "DE", de.KeySet()}} {
		must(t, doc.SetOrganization(&trust.Organization{ID: o.id, Name: o.name, Country: o.country, Role: trust.RoleNationalCSIRT,
			Nodes: []string{"https://cti." + strings.ToLower(o.country) + ".example:8443/"}, Keys: o.keys.WithValidity(since, time.Time{})}, since))
	}
	must(t, doc.Sign(authority))
	data, err := doc.Marshal()
	must(t, err)
	reg, err := trust.ParseRegistry(data)
	must(t, err)
	must(t, n.orgs.CreateOrganization(ctx, &rampart.Organization{ID: orgFR, Name: "CERT-FR", Relation: rampart.RelationOwn, Country: "FR"}))
	fake := &fakeAdmin{keys: fr.KeySet()}
	n.api.Verifier, n.api.Admin, n.api.Federation = trust.NewVerifier(reg, trust.DefaultPolicy()), fake, fake

	page := admin.get("/console/admin/registry")
	page.want(t, "registry", http.StatusOK, reg.AuthorityFingerprint(), "CERT-Bund", "member as CERT-FR", fr.KeyIDs()[0], "listed, ", "a1")
	page.lacks(t, "registry", "not listed")
	admin.get("/console/admin/peers").want(t, "peers", http.StatusOK, "This node has no peers", orgDE, `<datalist id="members">`)
	admin.post("/console/admin/peers", "id", orgDE).want(t, "a peer without a URL", http.StatusBadRequest, "node link", orgDE)
	admin.post("/console/admin/peers", "id", orgDE, "url", "https://cti.de.example:8443", "name", "CERT-Bund").want(t, "add", http.StatusSeeOther)
	admin.get("/console/admin/peers").want(t, "peers", http.StatusOK, "CERT-Bund", "https://cti.de.example:8443", "connection refused", "/console/admin/peers/"+orgDE+"/delete")
	admin.post("/console/admin/peers/"+orgDE+"/delete").want(t, "remove", http.StatusSeeOther)
	admin.post("/console/admin/peers/"+orgDE+"/delete").want(t, "remove twice", http.StatusNotFound, "is not a peer")
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}
