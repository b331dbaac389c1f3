package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/endpoint"
)

// ConsolePath is where the console is served.
const ConsolePath = "/console/"

//go:embed templates static
var consoleFiles embed.FS

// contentSecurityPolicy allows the console's own scripts, styles and
// images only: no inline script or style, no frame, no form posted
// elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// visit is one request of a signed-in account.
type visit struct {
	account *rampart.Account
	session *session
	now     time.Time
}

type pageFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// page is what every template receives.
type page struct {
	Title   string
	Section string
	Account *rampart.Account
	CSRF    string
	Now     time.Time
	// Notice is a message shown above the page (a change saved).
	Notice string
	Data   any
}

// console serves the analyst console: server-rendered pages over the same
// services and access decisions as the JSON API.
type console struct {
	s         *Server
	sessions  *sessions
	templates map[string]*template.Template
	charts    *chartCache
	static    http.Handler
	mux       *http.ServeMux
}

func newConsole(s *Server) (*console, error) {
	c := &console{s: s, sessions: newSessions(s.Now), charts: newChartCache()}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(consoleFiles, "static")
	if err != nil {
		return nil, err
	}
	c.static = http.StripPrefix(ConsolePath+"static/", http.FileServerFS(sub))
	c.routes()
	return c, nil
}

// parseTemplates parses each page with the layout.
func (c *console) parseTemplates() error {
	layout, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(consoleFiles, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return err
	}
	pages, err := fs.Glob(consoleFiles, "templates/pages/*.html")
	if err != nil {
		return err
	}
	c.templates = make(map[string]*template.Template, len(pages))
	for _, p := range pages {
		t, err := template.Must(layout.Clone()).ParseFS(consoleFiles, p)
		if err != nil {
			return err
		}
		c.templates[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return nil
}

func (c *console) routes() {
	mux := http.NewServeMux()
	mux.Handle("GET "+ConsolePath+"static/", c.static)
	mux.HandleFunc("GET "+ConsolePath+"static/draw.css", drawCSS)
	mux.HandleFunc("GET "+ConsolePath+"login", c.loginForm)
	mux.HandleFunc("POST "+ConsolePath+"login", c.login)
	page := func(pattern string, h pageFunc) { mux.Handle(pattern, c.signedIn(h)) }
	page("POST "+ConsolePath+"logout", c.logout)
	page("GET "+ConsolePath+"{$}", c.situation)
	c.alertPages(page)
	c.incidentPages(page)
	c.objectPages(page)
	c.searchPages(page)
	c.attributionPages(page)
	c.statementPages(page)
	c.adminPages(page)
	mux.Handle(ConsolePath, c.signedIn(func(w http.ResponseWriter, r *http.Request, v *visit) error {
		return rampart.Errorf(rampart.ENOTFOUND, "there is no page at %s", r.URL.Path)
	}))
	c.mux = mux
}

// ServeHTTP sets the console's security headers and serves its pages.
func (c *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if secureRequest(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	defer endpoint.Recover(r, func(err error) { c.fail(w, r, nil, err) })
	if err := endpoint.CheckURL(r); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// signedIn runs h for the request's session, or sends the browser to the
// sign-in page. Every POST must carry the session's CSRF token and come
// from the console itself.
func (c *console) signedIn(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid := cookieValue(r, cookieName(r, sessionCookie, secureSessionCookie))
		sess := c.sessions.find(sid)
		var a *rampart.Account
		if sess != nil {
			var err error
			a, err = c.s.Accounts.FindAccountByName(r.Context(), sess.account)
			switch {
			case rampart.ErrorCode(err) == rampart.ENOTFOUND:
				c.sessions.end(sid)
				sess = nil
			case err != nil:
				c.fail(w, r, nil, err)
				return
			case a.PasswordStamp != sess.stamp:
				// A new password ends every session of the account.
				c.sessions.endAccount(sess.account)
				sess = nil
			}
		}
		if sess == nil {
			c.toLogin(w, r)
			return
		}
		v := &visit{account: a, session: sess, now: c.s.Now()}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := checkForm(r, sess.csrf); err != nil {
				c.fail(w, r, v, err)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, v); err != nil {
			c.fail(w, r, v, err)
		}
	})
}

// maxFormBytes bounds a console form.
const maxFormBytes = 64 << 10

// checkForm reads a posted form and checks that it comes from a page of
// this console: same origin, and the CSRF token given to the session.
func checkForm(r *http.Request, token string) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return rampart.Errorf(rampart.EFORBIDDEN, "this form was sent from another site (%s): reload the page and send it again from the console", site)
	}
	if r.ContentLength > maxFormBytes {
		return rampart.Errorf(rampart.ETOOLARGE, "the form is larger than %d bytes", maxFormBytes)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return rampart.Errorf(rampart.EINVALID, "the form could not be read: %v", err)
	}
	if !sameToken(r.PostForm.Get("csrf"), token) {
		return rampart.Errorf(rampart.EFORBIDDEN, "the form's security token is missing or out of date: reload the page and send it again")
	}
	return nil
}

// toLogin sends a browser without a session to the sign-in page, back to
// where it was going afterwards.
func (c *console) toLogin(w http.ResponseWriter, r *http.Request) {
	target := ConsolePath + "login"
	if r.Method == http.MethodGet && r.URL.Path != ConsolePath {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		c.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Notice: "Your session has ended: sign in again, then send the form again.",
			CSRF: loginToken(w, r), Data: loginData{Next: ConsolePath}})
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localTarget returns next when it is a path of this console, else the
// console's home: the sign-in page never sends a browser elsewhere.
func localTarget(next string) string {
	if !strings.HasPrefix(next, ConsolePath) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ConsolePath
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ConsolePath
	}
	return next
}

// render executes a page template into a buffer, so that a template
// failure gives an error page rather than half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := c.templates[name]
	if t == nil {
		c.s.logger().Error("console: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if p.Now.IsZero() {
		p.Now = c.s.Now()
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		c.s.logger().Error("console: render", "page", name, "err", err)
		if name != "error" {
			c.render(w, r, http.StatusInternalServerError, "error", page{Title: "Error", Account: p.Account, CSRF: p.CSRF,
				Data: errorData{Status: http.StatusInternalServerError, Message: "This page could not be shown. The error is in the node's log."}})
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// show renders a page for a visit.
func (c *console) show(w http.ResponseWriter, r *http.Request, v *visit, name, title, section string, data any) error {
	c.render(w, r, http.StatusOK, name, page{Title: title, Section: section, Account: v.account, CSRF: v.session.csrf,
		Now: v.now, Notice: noticeOf(r), Data: data})
	return nil
}

// noticeOf returns the notice a redirect after a change carries.
func noticeOf(r *http.Request) string {
	n := r.URL.Query().Get("notice")
	if len(n) > 200 || !endpoint.CleanText(n) {
		return ""
	}
	return n
}

// done sends the browser on after a change (POST, then GET), with a
// notice to show.
func done(w http.ResponseWriter, r *http.Request, target, notice string) error {
	if notice != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "notice=" + url.QueryEscape(notice)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

type errorData struct {
	Status  int
	Code    string
	Message string
}

// fail shows an error page: what was wrong, in words, and nothing of the
// node's inside. Internal errors are logged and shown as such.
func (c *console) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	status := rampart.HTTPStatus(rampart.ErrorCode(err))
	msg := rampart.ErrorMessage(err)
	var se *endpoint.StatusError
	if errors.As(err, &se) {
		status, msg = se.Status, se.Message
	}
	if status == http.StatusInternalServerError {
		if endpoint.ClientGone(r, err) {
			return
		}
		c.s.logger().Error("console: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "Something went wrong on the node; the error is in its log."
	}
	if status == http.StatusUnauthorized && v == nil {
		c.toLogin(w, r)
		return
	}
	rampart.SetRetryAfter(w.Header(), err)
	p := page{Title: http.StatusText(status), Data: errorData{Status: status, Code: rampart.ErrorCode(err), Message: msg}}
	if v != nil {
		p.Account, p.CSRF, p.Now = v.account, v.session.csrf, v.now
	}
	c.render(w, r, status, "error", p)
}

// WantsHTML reports whether a request for / comes from a browser, which
// the console should answer, rather than a TAXII client.
func WantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(mt), "text/html") {
			return true
		}
	}
	return false
}
