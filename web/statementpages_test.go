package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// consoleVisit is one account's console session over HTTP, as a browser
// without scripts keeps it.
type consoleVisit struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

// visitConsole signs the account in to the node's console.
func (n *node) visitConsole(t *testing.T, user string) *consoleVisit {
	t.Helper()
	srv := httptest.NewServer(n.api.Console())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	v := &consoleVisit{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, body := v.get("/console/login")
	status, _ := v.postForm("/console/login", url.Values{"csrf": {formToken(body)}, "name": {user}, "password": {password}})
	if status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", user, status)
	}
	// Every page of a session carries its token, the error page too.
	_, body = v.get("/console/no-such-page")
	if v.csrf = formToken(body); v.csrf == "" {
		t.Fatalf("no CSRF token for %s", user)
	}
	return v
}

func formToken(page string) string {
	_, after, _ := strings.Cut(page, `name="csrf" value="`)
	tok, _, _ := strings.Cut(after, `"`)
	return tok
}

func (v *consoleVisit) get(path string) (int, string) {
	v.t.Helper()
	resp, err := v.c.Get(v.base + path)
	must(v.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (v *consoleVisit) postForm(path string, form url.Values) (int, string) {
	v.t.Helper()
	resp, err := v.c.PostForm(v.base+path, form)
	must(v.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

// post sends a form of the session, its CSRF token added.
func (v *consoleVisit) post(path string, form url.Values) (int, string) {
	v.t.Helper()
	form.Set("csrf", v.csrf)
	return v.postForm(path, form)
}

func wantPage(t *testing.T, what string, status int, body string, wantStatus int, contains ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d\n%s", what, status, wantStatus, body)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("%s: the page lacks %q", what, c)
		}
	}
}

// TestConsoleSignStatement: only an account of the node's organisation
// that may write to the coordination collection signs, and only with the
// confirmation ticked and the terms it read; the endorsement then counts.
func TestConsoleSignStatement(t *testing.T) {
	m := newMatrix(t)
	fr := m.signers[orgFR]
	st := &coord.Statement{Name: "Sign me", Text: "Attributed to the green set.", Markings: marking(stix.TLPGreen),
		IncidentRefs: []string{m.ids["incident green"]}, IntrusionSetRef: m.ids["set green"], Confidence: 60,
		Invited: []string{orgFR, orgDE}, Threshold: 2}
	m.svc.Sign = fr.Sign
	_, err := m.svc.CreateStatement(ctx, st)
	must(t, err)
	unsigned := &coord.Statement{Name: "Unsigned", Text: "Stored by anyone.", IncidentRefs: st.IncidentRefs,
		IntrusionSetRef: st.IntrusionSetRef, Confidence: 60, Invited: []string{orgFR, orgDE}, Threshold: 1}
	m.svc.Sign = nil
	_, err = m.svc.CreateStatement(ctx, unsigned)
	must(t, err)
	path := "/console/statements/" + st.ID

	// Without the node's keys: shown, not signed.
	own := m.visitConsole(t, "own")
	status, body := own.get(path)
	wantPage(t, "without keys", status, body, 200, "Sign me", "MARK-set-green", "has no keys", "missing")
	status, body = own.post(path+"/sign", url.Values{"terms": {st.TermsDigest()}, "endorse": {"yes"}})
	wantPage(t, "sign without keys", status, body, 503, "rampart org init")

	m.api.Identity = fr
	status, body = own.get(path)
	wantPage(t, "with keys", status, body, 200, "I endorse these terms on behalf of CERT-FR (FR)", `name="terms" value="`+st.TermsDigest()+`"`,
		"verified", "signed by CERT-FR (FR)")
	for _, tc := range []struct {
		name   string
		user   string
		path   string
		form   url.Values
		status int
		says   string
	}{
		{"a constituent", "constituent", path, url.Values{"terms": {st.TermsDigest()}, "endorse": {"yes"}}, 403, "belongs to another organisation"},
		{"a partner", "partner", path, url.Values{"terms": {st.TermsDigest()}, "endorse": {"yes"}}, 403, "belongs to another organisation"},
		{"not confirmed", "own", path, url.Values{"terms": {st.TermsDigest()}}, 400, "tick “I endorse these terms on behalf of CERT-FR (FR)”"},
		{"confirmed otherwise", "own", path, url.Values{"terms": {st.TermsDigest()}, "endorse": {"on"}}, 400, "tick"},
		{"no terms", "own", path, url.Values{"endorse": {"yes"}}, 400, "does not say which terms you read"},
		{"other terms", "own", path, url.Values{"terms": {"an-older-digest"}, "endorse": {"yes"}}, 409, "the terms changed since you read them"},
		{"unsigned statement", "own", "/console/statements/" + unsigned.ID, url.Values{"terms": {unsigned.TermsDigest()}, "endorse": {"yes"}}, 400, "own signature does not check"},
		{"unknown statement", "own", "/console/statements/x-rampart-statement--0c000000-0000-4000-8000-00000000ffff", url.Values{"terms": {"x"}, "endorse": {"yes"}}, 404, "no statement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := own
			if tc.user != "own" {
				v = m.visitConsole(t, tc.user)
			}
			status, body := v.post(tc.path+"/sign", tc.form)
			wantPage(t, tc.name, status, body, tc.status, tc.says)
		})
	}
	objs, err := m.svc.StatementObjects(ctx, st.ID)
	must(t, err)
	if len(objs) != 1 {
		t.Fatalf("refused signatures stored %d objects", len(objs)-1)
	}

	// Confirmed, with the terms read: France's endorsement counts.
	status, loc := own.post(path+"/sign", url.Values{"terms": {st.TermsDigest()}, "endorse": {"yes"}, "explanation": {"CERT-FR agrees."}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/statements/"+st.ID+"?notice=") {
		t.Fatalf("sign: %d %s", status, loc)
	}
	status, body = own.get(loc)
	wantPage(t, "signed", status, body, 200, "Endorsed on behalf of CERT-FR (FR)", "1 of 2 required endorsements count", "counted", "has endorsed these terms already")
	status, body = own.post(path+"/sign", url.Values{"terms": {st.TermsDigest()}, "endorse": {"yes"}})
	wantPage(t, "twice", status, body, 409, "has endorsed these terms already")
	objs, err = m.svc.StatementObjects(ctx, st.ID)
	must(t, err)
	q := coord.CountEndorsements(st, objs, m.api.Verifier)
	if len(objs) != 2 || len(q.Counted) != 1 || q.Counted[0].Organization != orgFR || !strings.Contains(string(objs[1].Raw), "CERT-FR agrees.") {
		t.Errorf("after signing: %d objects, counted %+v", len(objs), q.Counted)
	}

	// An account that may only read the coordination collection.
	n := newNode(t)
	n.api.Identity, n.api.Verifier = fr, m.api.Verifier
	n.svc.Sign = fr.Sign
	_, err = n.svc.CreateStatement(ctx, &coord.Statement{Name: "Read only", Text: "x", IncidentRefs: st.IncidentRefs,
		IntrusionSetRef: st.IntrusionSetRef, Confidence: 1, Invited: []string{orgFR}, Threshold: 1})
	must(t, err)
	reader := n.visitConsole(t, "reader")
	status, body = reader.get("/console/statements")
	wantPage(t, "list as a reader", status, body, 200, "Read only", "0 of 1 needed")
	list, _ := n.svc.FindStatements(ctx)
	status, body = reader.get("/console/statements/" + list[0].ID)
	wantPage(t, "a reader's page", status, body, 200, "yours may only read it")
	status, body = reader.post("/console/statements/"+list[0].ID+"/sign", url.Values{"terms": {list[0].TermsDigest()}, "endorse": {"yes"}})
	wantPage(t, "a reader signs", status, body, 403, "may not write to the coordination collection")
	outsider := n.visitConsole(t, "outsider")
	status, body = outsider.get("/console/statements")
	wantPage(t, "an account without the coordination collection", status, body, 403, "may not read the coordination collection")
}

// TestConsoleStatementsTLP: the statement pages show each account the
// statements, endorsements and objects it may read, and nothing of the
// others.
func TestConsoleStatementsTLP(t *testing.T) {
	m := newMatrix(t)
	m.api.Identity = m.signers[orgFR]
	for _, acct := range matrixAccounts {
		t.Run(acct.name, func(t *testing.T) {
			v := m.visitConsole(t, acct.name)
			var rs []reply
			get := func(path, named string) (int, string) {
				status, body := v.get(path)
				rs = append(rs, reply{user: acct.name, what: "GET " + path, named: named, answer: answer{status: status, body: body}})
				return status, body
			}
			_, list := get("/console/statements", "")
			for _, name := range []string{"statement green", "statement red"} {
				id := m.ids[name]
				status, _ := get("/console/statements/"+id, id)
				may := strings.Contains(m.readers[name], acct.letter)
				if may != (status == 200) || may != strings.Contains(list, id) {
					t.Errorf("%s: %s answered %d, listed %v; may read it: %v", acct.name, name, status, strings.Contains(list, id), may)
				}
			}
			m.checkLeaks(t, acct.letter, rs)
		})
	}
}
