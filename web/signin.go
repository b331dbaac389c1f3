package web

import (
	"net/http"
	"time"

	"github.com/rampart-cti/rampart"
)

type loginData struct {
	Name  string
	Next  string
	Error string
}

// loginForm shows the sign-in page; a browser with a live session goes
// straight on.
func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localTarget(r.URL.Query().Get("next"))
	if sid := cookieValue(r, cookieName(r, sessionCookie, secureSessionCookie)); c.sessions.find(sid) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, http.StatusOK, "login", page{Title: "Sign in", CSRF: loginToken(w, r), Data: loginData{Next: next}})
}

// login checks the form's credentials with the node's authenticator (the
// same failure limits as HTTP Basic) and starts a session.
func (c *console) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token := cookieValue(r, cookieName(r, loginCookie, secureLoginCookie))
	if err := checkForm(r, token); err != nil {
		c.render(w, r, http.StatusForbidden, "login", page{Title: "Sign in", CSRF: loginToken(w, r),
			Data: loginData{Next: ConsolePath, Error: rampart.ErrorMessage(err)}})
		return
	}
	name, next := r.PostForm.Get("name"), localTarget(r.PostForm.Get("next"))
	a, err := c.s.auth.Login(r, name, r.PostForm.Get("password"))
	if err != nil {
		status := rampart.HTTPStatus(rampart.ErrorCode(err))
		msg := rampart.ErrorMessage(err)
		if status == http.StatusInternalServerError {
			c.s.logger().Error("console: sign-in", "err", err)
			msg = "The node could not check the password; the error is in its log."
		}
		rampart.SetRetryAfter(w.Header(), err)
		c.render(w, r, status, "login", page{Title: "Sign in", CSRF: loginToken(w, r),
			Data: loginData{Name: name, Next: next, Error: msg}})
		return
	}
	sid, _ := c.sessions.create(a.Name, a.PasswordStamp)
	setCookie(w, r, cookieName(r, sessionCookie, secureSessionCookie), sid, int(SessionMax/time.Second))
	setCookie(w, r, cookieName(r, loginCookie, secureLoginCookie), "", -1)
	c.s.logger().Info("console: signed in", "account", a.Name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session.
func (c *console) logout(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := cookieName(r, sessionCookie, secureSessionCookie)
	c.sessions.end(cookieValue(r, name))
	setCookie(w, r, name, "", -1)
	http.Redirect(w, r, ConsolePath+"login", http.StatusSeeOther)
	return nil
}
