package main

// End-to-end test of the console's administration pages in a real
// browser: a node with its organisation, keys and a trust registry set up
// with the documented commands only; an administrator makes an account,
// gives it access and a token, keeps watchlists and webhooks, adds a peer
// of the registry, and is refused the deletion of the last administrator;
// the new account signs in and finds administration closed to it.

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/rampart-cti/rampart/taxii"
)

// acceptDialogs answers every confirmation a page asks (the forms marked
// data-confirm) with OK, and returns what was asked so far.
func (b *browser) acceptDialogs() func() []string {
	var (
		mu    sync.Mutex
		asked []string
	)
	dialogs := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			asked = append(asked, ev.Message)
			mu.Unlock()
			if _, err := chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// bearer sends a TAXII request with a bearer token and returns the status
// and body.
func bearer(t *testing.T, base, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/cti/collections/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndToEndConsoleAdministration(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	data := p("node")
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, "", env, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	// The node's organisation and keys, and a registry that admits it and
	// CERT-Bund, signed by an authority of one.
	fr, de := orgE2E["FR"], orgE2E["DE"]
	cli("org", "init", "--id", fr, "--name", "CERT-FR", "--country", "FR", "--data", data)
	cli("keys", "generate", "-o", p("a1.key"))
	cli("keys", "generate", "--org", de, "-o", p("de.key"))
	cli("registry", "init", "--threshold", "1", "--authority", "a1="+p("a1.key.pub"), p("registry.json"))
	cli("registry", "add", "--org", fr, "--name", "CERT-FR", "--country", "FR", "--role", "national-csirt",
		"--keys", filepath.Join(data, "org.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	cli("registry", "add", "--org", de, "--name", "CERT-Bund", "--country", "DE", "--role", "national-csirt",
		"--keys", p("de.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	cli("registry", "sign", "--key", p("a1.key"), p("registry.json"))
	n := &e2eNode{t: t, proc: startNode(t, data, env, "--registry", p("registry.json"))}
	n.coll = defaultCollection(t, n)
	base := n.proc.base

	b := newBrowser(t, 1280, 800)
	asked := b.acceptDialogs()
	b.signIn(base, "admin", e2ePassword)
	b.open(base + "/console/admin")
	b.contains("overview", "CERT-FR", "Accounts and tokens", "version 1")
	b.shot("admin-01-overview")

	// An account: its password is on the answer to the form, once.
	b.open(base + "/console/admin/accounts")
	b.shot("admin-02-accounts")
	b.do("fill the account form", chromedp.SendKeys(chromedp.CSS("#a-name"), "soc-feed"))
	if st := b.submit("create an account", chromedp.Click(chromedp.CSS("#create-account"))); st != 200 {
		t.Fatalf("create an account: %d", st)
	}
	password := strings.TrimSpace(b.text("#secret"))
	if len(password) < 20 {
		t.Fatalf("no password shown after creating an account: %q", password)
	}
	if loc := b.location(); strings.Contains(loc, password) {
		t.Errorf("the password is in the URL %s", loc)
	}
	b.contains("account created", "Password of soc-feed", "shown only this once")
	b.shot("admin-03-account-created")

	// Read access to the default collection.
	b.open(base + "/console/admin/accounts/soc-feed")
	b.do("choose read", chromedp.SetValue(chromedp.CSS("#grant-"+n.coll), "read"))
	if st := b.submit("grant read", chromedp.Click(chromedp.CSS("#save-grant-"+n.coll))); st != 200 {
		t.Errorf("grant read: %d", st)
	}
	b.contains("after granting", "Access saved.", `<option value="read" selected="">read</option>`)
	if strings.Contains(b.html(), password) {
		t.Errorf("the account's page shows its password")
	}
	b.shot("admin-04-account")

	// A token, shown once, works until it is revoked.
	b.do("label the token", chromedp.SendKeys(chromedp.CSS("#t-label"), "SIEM pull"))
	if st := b.submit("create a token", chromedp.Click(chromedp.CSS("#create-token"))); st != 200 {
		t.Fatalf("create a token: %d", st)
	}
	token, tokenID := strings.TrimSpace(b.text("#secret")), strings.TrimSpace(b.text("#token-id"))
	b.shot("admin-05-token")
	if st, body := bearer(t, base, token); st != 200 || !strings.Contains(body, n.coll) {
		t.Errorf("TAXII with the new token: %d %s", st, body)
	}
	b.open(base + "/console/admin/accounts/soc-feed")
	b.contains("the account's tokens", tokenID, "SIEM pull")
	if strings.Contains(b.html(), token) {
		t.Errorf("the account's page shows the token")
	}
	b.shot("admin-06-account-tokens")
	if st := b.submit("revoke the token", chromedp.Click(chromedp.CSS("#revoke-"+tokenID))); st != 200 {
		t.Errorf("revoke: %d", st)
	}
	b.contains("after revoking", "Token "+tokenID+" revoked", "No token.")
	if st, _ := bearer(t, base, token); st != http.StatusUnauthorized {
		t.Errorf("TAXII with the revoked token: %d, want 401", st)
	}

	// The last administrator cannot be deleted, and the page says why.
	b.open(base + "/console/admin/accounts/admin")
	if st := b.submit("delete the last administrator", chromedp.Click(chromedp.CSS("#delete-account"))); st != http.StatusConflict {
		t.Errorf("delete the last administrator: %d, want 409", st)
	}
	if msg := b.text("#refusal"); !strings.Contains(msg, "cannot delete the last administrator") || !strings.Contains(msg, "create another administrator first") {
		t.Errorf("refusal: %q", msg)
	}
	b.shot("admin-07-last-admin-refused")

	// Organisations: the node's own, and a constituent recorded here.
	b.open(base + "/console/admin/organisations")
	b.do("fill the organisation form",
		chromedp.SendKeys(chromedp.CSS("#g-name"), "Grid operator"),
		chromedp.SendKeys(chromedp.CSS("#g-country"), "FR"))
	b.submit("record an organisation", chromedp.Click(chromedp.CSS("#add-organisation")))
	b.contains("organisations", "Grid operator recorded as a constituent", fr, "member as CERT-FR")
	b.shot("admin-08-organisations")

	// A watchlist, made and removed.
	b.open(base + "/console/admin/watchlists")
	b.do("fill the watchlist form",
		chromedp.Click(chromedp.CSS("#new-watchlist")),
		chromedp.SendKeys(chromedp.CSS("#w-name"), "fr-assets"),
		chromedp.SendKeys(chromedp.CSS("#w-networks"), "192.0.2.0/24\n198.51.100.7"),
		chromedp.SendKeys(chromedp.CSS("#w-domains"), "gouv.example"),
		chromedp.SendKeys(chromedp.CSS("#w-brands"), "acmebank"))
	b.shot("admin-09-watchlist-new")
	if st := b.submit("create the watchlist", chromedp.Click(chromedp.CSS("#save-watchlist"))); st != 200 {
		t.Errorf("create the watchlist: %d", st)
	}
	b.contains("watchlist", "Watchlist saved", "198.51.100.7/32", "gouv.example")
	b.shot("admin-10-watchlist")
	if st, body := n.request("GET", "/api/v1/watchlists/fr-assets", "", nil); st != 200 || !strings.Contains(string(body), `"member_state":"FR"`) {
		t.Errorf("the API after the console saved: %d %s", st, body)
	}
	b.open(base + "/console/admin/watchlists")
	b.contains("watchlists", "fr-assets")
	b.shot("admin-11-watchlists")
	b.open(base + "/console/admin/watchlists/fr-assets")
	b.submit("remove the watchlist", chromedp.Click(chromedp.CSS("#delete-watchlist")))
	b.contains("after removal", "Watchlist fr-assets removed", "No watchlist.")
	if st, _ := n.request("GET", "/api/v1/watchlists/fr-assets", "", nil); st != 404 {
		t.Errorf("the API after the console removed: %d", st)
	}

	// A webhook: its secret, and the token in its URL, are never shown.
	const hookSecret, urlToken = "console-webhook-secret-0123", "t0ken-in-the-url"
	b.open(base + "/console/admin/webhooks")
	b.do("fill the webhook form",
		chromedp.SendKeys(chromedp.CSS("#h-url"), "https://soc.example/rampart?key="+urlToken),
		chromedp.SendKeys(chromedp.CSS("#h-secret"), hookSecret))
	if st := b.submit("add a webhook", chromedp.Click(chromedp.CSS("#add-webhook"))); st != 200 {
		t.Errorf("add a webhook: %d", st)
	}
	b.contains("webhooks", "saved; alerts go to it", "https://soc.example/…", "alert.raised")
	b.shot("admin-12-webhooks")

	// A peer from the registry: its name and node link come from it.
	b.open(base + "/console/admin/peers")
	b.do("name the peer", chromedp.SendKeys(chromedp.CSS("#p-id"), de))
	if st := b.submit("add a peer", chromedp.Click(chromedp.CSS("#add-peer"))); st != 200 {
		t.Errorf("add a peer: %d", st)
	}
	b.contains("peers", "Peer CERT-Bund added", de)
	b.shot("admin-13-peers")

	b.open(base + "/console/admin/registry")
	b.contains("registry", "SHA256:", "member as CERT-FR", "CERT-Bund", "listed, ")
	b.shot("admin-14-registry")

	for _, path := range []string{"", "/accounts", "/accounts/soc-feed", "/accounts/admin", "/organisations", "/watchlists", "/webhooks", "/peers", "/registry"} {
		b.open(base + "/console/admin" + path)
		h := b.html()
		for _, secret := range []string{password, token, hookSecret, urlToken} {
			if strings.Contains(h, secret) {
				t.Errorf("/console/admin%s shows a secret shown once, or never: %q", path, secret)
			}
		}
	}
	if got := asked(); len(got) != 3 {
		t.Errorf("confirmations asked: %q, want three (revoke, delete, remove)", got)
	}
	b.checkClean()
	b.signOut()

	// The new account signs in with the password shown, and finds the
	// administration closed.
	b.signIn(base, "soc-feed", password)
	if h := b.text("h1"); h != "Situation" {
		t.Fatalf("soc-feed after signing in: %q", h)
	}
	if strings.Contains(b.html(), `href="/console/admin"`) {
		t.Errorf("a non-administrator is shown the Administration link")
	}
	if st := b.submit("open administration as soc-feed", chromedp.Navigate(base+"/console/admin")); st != http.StatusForbidden {
		t.Errorf("/console/admin as soc-feed: %d, want 403", st)
	}
	b.contains("administration as soc-feed", "administrators only")
	b.shot("admin-15-forbidden")
	b.checkClean()

	// The pages at a tablet's size.
	tb := newBrowser(t, 820, 1180)
	tb.signIn(base, "admin", e2ePassword)
	for _, pg := range []struct{ path, name string }{{"", "overview"}, {"/accounts", "accounts"}, {"/accounts/soc-feed", "account"}, {"/peers", "peers"}, {"/registry", "registry"}} {
		tb.open(base + "/console/admin" + pg.path)
		tb.shot("admin-tablet-" + pg.name)
	}
	tb.checkClean()
}
