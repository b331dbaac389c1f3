package main

// End-to-end test of the analyst console in a real browser: a node set up
// with the documented commands only, objects posted over TAXII, then
// Chromium signs in, reads, triages, records, and an account of another
// organisation finds no trace of what it may not read.

import (
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rampart-cti/rampart/stix"
)

const (
	consolePartnerOrg = "identity--5d2c1a7e-9b3f-4c61-8e0a-4f7b2d9c6e11"
	consoleRedID      = "indicator--7a3e5c1d-2b4f-4e6a-9c8d-0f1e2d3c4b5a"
	consoleRedName    = "Operation Nightjar secret loader"
	consoleRedValue   = "203.0.113.99"
)

// consoleObjects are what the node holds for the browser test: two
// organisations located in France and Germany, an intrusion set and its
// indicator sighted in both states (all TLP:CLEAR), and a TLP:RED
// indicator of the node's own, sighted once.
func consoleObjects(now time.Time) []string {
	ts := e2eTS(now.Add(-2 * time.Hour))
	clear := stix.TLPClear.MarkingID()
	red := stix.TLPRed.MarkingID()
	common := func(marking string) string {
		return fmt.Sprintf(`"spec_version":"2.1","created":%q,"modified":%q,"object_marking_refs":[%q]`, ts, ts, marking)
	}
	var objs []string
	for i, cc := range []string{"FR", "DE"} {
		objs = append(objs,
			fmt.Sprintf(`{"type":"identity",%s,"id":%q,"name":"Grid operator %s","identity_class":"organization","sectors":["energy"]}`, common(clear), orgE2E[cc], cc),
			fmt.Sprintf(`{"type":"location",%s,"id":"location--00000000-0000-4000-8000-00000000000%d","country":%q}`, common(clear), i+1, cc),
			fmt.Sprintf(`{"type":"relationship",%s,"id":"relationship--00000000-0000-4000-8000-00000000001%d","relationship_type":"located-at","source_ref":%q,"target_ref":"location--00000000-0000-4000-8000-00000000000%d"}`, common(clear), i+1, orgE2E[cc], i+1),
		)
	}
	sighting := func(n int, cc, indicator, marking string) string {
		at := e2eTS(now.Add(-time.Duration(n) * time.Hour / 4))
		return fmt.Sprintf(`{"type":"sighting",%s,"id":"sighting--00000000-0000-4000-8000-0000000000a%d","sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q}`,
			common(marking), n, indicator, orgE2E[cc], at, at)
	}
	return append(objs,
		`{"type":"intrusion-set",`+common(clear)+`,"id":"intrusion-set--00000000-0000-4000-8000-0000000000e1","name":"APT-Console","aliases":["Console Bear"]}`,
		`{"type":"indicator",`+common(clear)+`,"id":"indicator--00000000-0000-4000-8000-0000000000d1","name":"loader c2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"`+ts+`"}`,
		`{"type":"relationship",`+common(clear)+`,"id":"relationship--00000000-0000-4000-8000-0000000000c1","relationship_type":"indicates","source_ref":"indicator--00000000-0000-4000-8000-0000000000d1","target_ref":"intrusion-set--00000000-0000-4000-8000-0000000000e1"}`,
		`{"type":"indicator",`+common(red)+`,"id":"`+consoleRedID+`","name":"`+consoleRedName+`","pattern":"[ipv4-addr:value = '`+consoleRedValue+`']","pattern_type":"stix","valid_from":"`+ts+`"}`,
		`{"type":"relationship",`+common(red)+`,"id":"relationship--00000000-0000-4000-8000-0000000000c2","relationship_type":"indicates","source_ref":"`+consoleRedID+`","target_ref":"intrusion-set--00000000-0000-4000-8000-0000000000e1"}`,
		sighting(1, "FR", "indicator--00000000-0000-4000-8000-0000000000d1", clear),
		sighting(2, "DE", "indicator--00000000-0000-4000-8000-0000000000d1", clear),
		sighting(3, "FR", consoleRedID, red),
	)
}

func TestEndToEndConsole(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(stdin string, args ...string) {
		t.Helper()
		if out, errs, code := runCLI(t, stdin, env, append(args, "--data", dir)...); code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	// The node, its analyst and a partner organisation's account, with
	// the documented commands.
	cli("", "init")
	cli("analyst password 1\n", "user", "add", "analyst", "--password-stdin")
	cli("", "user", "grant", "analyst", "default", "--read", "--write")
	cli("", "org", "add", consolePartnerOrg, "--name", "Partner CSIRT", "--relation", "partner", "--country", "DE")
	cli("outsider password 1\n", "user", "add", "outsider", "--org", consolePartnerOrg, "--password-stdin")
	cli("", "user", "grant", "outsider", "default", "--read")
	n := &e2eNode{t: t, proc: startNode(t, dir, env)}
	n.coll = defaultCollection(t, n)
	now := time.Now().UTC()
	n.post(consoleObjects(now)...)
	alertID := waitForAlert(t, n)

	checkRootRedirect(t, n.proc.base)

	b := newBrowser(t, 1280, 800)
	base := n.proc.base
	// Without a session every page sends the browser to sign in.
	b.open(base + "/console/alerts")
	if loc := b.location(); !strings.Contains(loc, "/console/login?next=") {
		t.Errorf("a page without a session went to %s, not the sign-in page", loc)
	}
	b.shot("01-sign-in")
	b.signIn(base, "analyst", "wrong password")
	b.contains("a wrong password", "invalid account name or password")
	b.signIn(base, "analyst", "analyst password 1")
	if h := b.text("h1"); h != "Situation" {
		t.Fatalf("after signing in: %q, want the situation page", h)
	}
	b.contains("situation", "FR", "DE", "Sightings per day", "3 sightings", "Germany (DE): 2 alerts")
	b.shot("02-situation")

	// Alerts: the list, the evidence, and triage.
	b.open(base + "/console/alerts")
	b.contains("alerts", alertID, "same-indicator")
	b.shot("03-alerts")
	b.open(base + "/console/alerts/" + alertID)
	b.contains("alert", "indicator--00000000", "Why this severity")
	b.do("fill the triage form",
		chromedp.SetValue(chromedp.CSS("#t-status"), "acknowledged"),
		chromedp.SetValue(chromedp.CSS("#t-assignee"), "analyst"),
		chromedp.SendKeys(chromedp.CSS("#t-comment"), "taking it"))
	if st := b.submit("acknowledge the alert", chromedp.Click(chromedp.CSS("#triage-submit"))); st != 200 {
		t.Errorf("acknowledge: %d", st)
	}
	if st := b.text("#triage-status"); st != "acknowledged" {
		t.Errorf("after acknowledging: triage %q", st)
	}
	b.contains("triaged alert", "taking it", "assigned to <strong>analyst</strong>")
	b.shot("04-alert")

	// Search: by value, by name, by alias; then pivot to the object.
	b.open(base + "/console/search")
	b.do("search a value", chromedp.SendKeys(chromedp.CSS("#q"), "198.51.100.7"))
	b.submit("search", chromedp.Click(chromedp.CSS("#search-submit")))
	b.contains("search by value", "loader c2")
	b.shot("05-search")
	for q, want := range map[string]string{"APT-Console": "intrusion-set--00000000-0000-4000-8000-0000000000e1", "Console Bear": "APT-Console",
		consoleRedValue: consoleRedName} {
		b.open(base + "/console/search?q=" + url.QueryEscape(q))
		b.contains("search "+q, want)
	}
	b.open(base + "/console/search?q=" + url.QueryEscape(`"unclosed`))
	b.contains("a malformed search", "quote")
	b.open(base + "/console/objects/intrusion-set--00000000-0000-4000-8000-0000000000e1")
	b.contains("the group's neighbourhood", "Neighbourhood", "loader c2", "indicates")
	b.shot("05-object-graph")
	b.submit("pivot from the graph", chromedp.Click(chromedp.CSS(`svg a[href$="indicator--00000000-0000-4000-8000-0000000000d1"]`)))

	// An object: its properties, versions and marking, its sightings.
	b.open(base + "/console/objects/indicator--00000000-0000-4000-8000-0000000000d1")
	if !strings.HasSuffix(b.location(), "/console/objects/indicator--00000000-0000-4000-8000-0000000000d1") {
		t.Errorf("the graph's node led to %s", b.location())
	}
	b.contains("object", "loader c2", "198.51.100.7", "TLP:CLEAR", "Versions (1)", "Not signed", "Sightings (2)", "Sighted by country")
	b.shot("05-object")

	// Incidents: record one from the board, then read its NIS2 clock.
	b.open(base + "/console/incidents")
	b.submit("open the incident form", chromedp.Click(chromedp.CSS("#new-incident")))
	b.do("fill the incident form",
		chromedp.SendKeys(chromedp.CSS("#i-name"), "Grid intrusions FR-DE"),
		chromedp.SendKeys(chromedp.CSS("#i-ms"), "FR"),
		chromedp.SendKeys(chromedp.CSS("#i-alerts"), alertID),
		chromedp.Click(chromedp.CSS("#i-sig")))
	if st := b.submit("record an incident", chromedp.Click(chromedp.CSS("#create-incident"))); st != 200 {
		t.Errorf("record an incident: %d", st)
	}
	b.contains("incident", "Grid intrusions FR-DE", "early-warning", "notification", "final-report", "left")
	b.shot("06-incident")
	b.open(base + "/console/incidents")
	b.contains("incident board", "Grid intrusions FR-DE")
	b.shot("07-incidents")
	// The keyboard reaches the page: the first Tab lands on the link that
	// skips to the content, the next ones on the sections.
	b.open(base + "/console/")
	b.do("tab", chromedp.KeyEvent(kb.Tab))
	if got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.activeElement.textContent")); got != "Skip to content" {
		t.Errorf("the first Tab focuses %q, want the skip link", got)
	}
	b.do("tab", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
	if got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.activeElement.textContent")); got != "Situation" {
		t.Errorf("the third Tab focuses %q, want the first section", got)
	}
	// A tablet held upright.
	b.do("tablet", chromedp.EmulateViewport(820, 1180))
	b.open(base + "/console/")
	b.shot("09-tablet-situation")
	b.open(base + "/console/incidents")
	b.shot("10-tablet-incidents")
	if w, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64]("document.documentElement.scrollWidth")); w > 820 {
		t.Errorf("on a tablet the incident board is %v px wide, wider than the screen", w)
	}
	b.do("desktop", chromedp.EmulateViewport(1280, 800))
	b.checkClean()
	b.signOut()

	// The partner's account: nothing of the TLP:RED indicator anywhere.
	b.signIn(base, "outsider", "outsider password 1")
	for _, path := range []string{"/console/", "/console/alerts", "/console/alerts/" + alertID, "/console/incidents"} {
		b.open(base + path)
		h := b.html()
		for _, secret := range []string{consoleRedID, consoleRedName, consoleRedValue, "sighting--00000000-0000-4000-8000-0000000000a3"} {
			if strings.Contains(h, secret) {
				t.Errorf("%s shows the partner %q, which is TLP:RED", path, secret)
			}
		}
	}
	// Nor in a search, by value, name or id, nor in the group's graph.
	for _, q := range []string{consoleRedValue, "Nightjar", consoleRedID} {
		b.open(base + "/console/search?q=" + url.QueryEscape(q))
		h := b.html()
		if strings.Contains(h, consoleRedName) || strings.Contains(h, "/console/objects/"+consoleRedID) || strings.Contains(h, "objects match") {
			t.Errorf("a search for %q tells the partner of the TLP:RED indicator", q)
		}
	}
	b.open(base + "/console/objects/intrusion-set--00000000-0000-4000-8000-0000000000e1")
	if h := b.html(); strings.Contains(h, consoleRedName) || strings.Contains(h, consoleRedID) || !strings.Contains(h, "loader c2") {
		t.Errorf("the group's page shows the partner the TLP:RED indicator, or not the CLEAR one")
	}
	b.shot("08-partner-graph")
	// The chart counts the sightings the partner may read: not the RED one.
	b.open(base + "/console/")
	b.contains("the partner's situation", "2 sightings")
	b.open(base + "/console/objects/" + consoleRedID)
	b.contains("another organisation's object", "Not Found")
	b.shot("08-partner-red-object")
	b.checkClean()

	checkForms(t, base, alertID)
}

// defaultCollection returns the id of the node's default collection.
func defaultCollection(t *testing.T, n *e2eNode) string {
	t.Helper()
	status, body := n.request("GET", "/cti/collections/", "", nil)
	var cs struct {
		Collections []struct {
			ID    string `json:"id"`
			Alias string `json:"alias"`
		} `json:"collections"`
	}
	if err := json.Unmarshal(body, &cs); status != 200 || err != nil {
		t.Fatalf("collections: %d %v %s", status, err, body)
	}
	for _, c := range cs.Collections {
		if c.Alias == "default" {
			return c.ID
		}
	}
	t.Fatalf("no default collection in %s", body)
	return ""
}

// waitForAlert waits until the node raised an alert and returns its id.
func waitForAlert(t *testing.T, n *e2eNode) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		status, body := n.request("GET", "/api/v1/alerts", "", nil)
		var as struct {
			Alerts []struct {
				ID string `json:"id"`
			} `json:"alerts"`
		}
		if status == 200 && json.Unmarshal(body, &as) == nil && len(as.Alerts) > 0 {
			return as.Alerts[0].ID
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no alert raised\n%s", n.proc.stderr.String())
	return ""
}

// checkRootRedirect: a browser opening / is sent to the console; a TAXII
// client still gets TAXII's answer.
func checkRootRedirect(t *testing.T, base string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET / as a browser: %d to %q, want 303 to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/taxii+json") {
		t.Errorf("GET / as a TAXII client: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// checkForms sends what a browser would not: a forged CSRF token, a form
// after the session ended, a malformed list page. Each gets a clear page,
// never a 500.
func checkForms(t *testing.T, base, alertID string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path string, form url.Values) (int, string) {
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, page := get("/console/login")
	token := between(page, `name="csrf" value="`, `"`)
	if status, _ := post("/console/login", url.Values{"csrf": {token}, "name": {"analyst"}, "password": {"analyst password 1"}, "next": {"https://evil.example/"}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", status)
	}
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "rampart_session" && ck.Value == "" {
			t.Errorf("empty session cookie")
		}
	}
	cases := []struct {
		name, path string
		form       url.Values
		status     int
		says       string
	}{
		{"forged CSRF token", "/console/alerts/" + alertID + "/triage", url.Values{"csrf": {"forged"}, "status": {"closed"}}, 403, "security token"},
		{"no CSRF token", "/console/incidents", url.Values{"name": {"x"}}, 403, "security token"},
	}
	for _, tc := range cases {
		status, body := post(tc.path, tc.form)
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d, want %d with %q\n%s", tc.name, status, tc.status, tc.says, body)
		}
	}
	for path, want := range map[string]int{
		"/console/alerts?page=abc":                                              400,
		"/console/alerts?severity=bogus":                                        400,
		"/console/alerts/x-rampart-alert--00000000-0000-4000-8000-000000000000": 404,
		"/console/incidents/not-an-id":                                          404,
		"/console/no-such-page":                                                 404,
	} {
		status, body := get(path)
		if status != want || strings.Contains(body, "goroutine") || !strings.Contains(body, "<h1>") {
			t.Errorf("GET %s: %d, want %d and an error page\n%s", path, status, want, body)
		}
	}
	// The sign-in page never sends a browser to another site.
	if loc := localTargetOf(t, c, base); loc != "/console/" {
		t.Errorf("sign-in with next=https://evil.example/ went to %q", loc)
	}
	// After sign-out, a form is refused and the browser asked to sign in.
	_, page = get("/console/")
	token = between(page, `name="csrf" value="`, `"`)
	if status, _ := post("/console/logout", url.Values{"csrf": {token}}); status != http.StatusSeeOther {
		t.Errorf("sign out: %d", status)
	}
	if status, body := post("/console/incidents", url.Values{"csrf": {token}, "name": {"late"}}); status != http.StatusUnauthorized || !strings.Contains(body, "session has ended") {
		t.Errorf("a form after sign-out: %d\n%s", status, body)
	}
}

// localTargetOf signs in again with a foreign next and returns where the
// node sent the browser.
func localTargetOf(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, err := c.Get(base + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther {
		return resp.Header.Get("Location")
	}
	token := between(string(b), `name="csrf" value="`, `"`)
	resp, err = c.PostForm(base+"/console/login", url.Values{"csrf": {token}, "name": {"analyst"}, "password": {"analyst password 1"}, "next": {"//evil.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}
