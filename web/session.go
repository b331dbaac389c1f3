package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Session lifetimes of the console.
const (
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 30 * time.Minute
	// SessionMax ends every session this long after sign-in.
	SessionMax = 12 * time.Hour
	// maxSessions bounds the sessions held; the oldest go first.
	maxSessions = 10000
)

// session is one signed-in browser. Only a digest of its id is kept, so
// that memory never holds a usable cookie.
type session struct {
	account string
	// stamp is the account's password stamp at sign-in: a new password
	// (or the account deleted and made again) ends the session.
	stamp   string
	csrf    string
	created time.Time
	seen    time.Time
}

// sessions holds the console's sessions in memory: a node restarted signs
// everyone out.
type sessions struct {
	now func() time.Time

	mu sync.Mutex
	m  map[[32]byte]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: make(map[[32]byte]*session)}
}

func sessionKey(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// create starts a session for an account and returns its cookie value.
func (ss *sessions) create(account, stamp string) (id string, s *session) {
	id = rand.Text() + rand.Text()
	now := ss.now()
	s = &session{account: account, stamp: stamp, csrf: rand.Text(), created: now, seen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.m) >= maxSessions {
		ss.expireLocked(now)
	}
	for len(ss.m) >= maxSessions {
		ss.dropOldestLocked()
	}
	ss.m[sessionKey(id)] = s
	return id, s
}

// find returns the live session of a cookie value, nil when there is
// none or it expired; a found session is marked as used.
func (ss *sessions) find(id string) *session {
	if id == "" {
		return nil
	}
	now := ss.now()
	k := sessionKey(id)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[k]
	if s == nil {
		return nil
	}
	if now.Sub(s.seen) > SessionIdle || now.Sub(s.created) > SessionMax {
		delete(ss.m, k)
		return nil
	}
	s.seen = now
	c := *s
	return &c
}

// end forgets a session.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, sessionKey(id))
}

// endAccount forgets every session of an account.
func (ss *sessions) endAccount(name string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, s := range ss.m {
		if s.account == name {
			delete(ss.m, k)
		}
	}
}

func (ss *sessions) expireLocked(now time.Time) {
	for k, s := range ss.m {
		if now.Sub(s.seen) > SessionIdle || now.Sub(s.created) > SessionMax {
			delete(ss.m, k)
		}
	}
}

func (ss *sessions) dropOldestLocked() {
	var oldest [32]byte
	var at time.Time
	first := true
	for k, s := range ss.m {
		if first || s.seen.Before(at) {
			oldest, at, first = k, s.seen, false
		}
	}
	delete(ss.m, oldest)
}

// sameToken compares a form's CSRF token with the expected one in
// constant time.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// Cookie names. Under TLS the session cookie takes the __Host- prefix, so
// that the browser keeps it only when Secure, from this host, for every
// path.
const (
	sessionCookie       = "rampart_session"
	secureSessionCookie = "__Host-rampart_session"
	loginCookie         = "rampart_login"
	secureLoginCookie   = "__Host-rampart_login"
)

func secureRequest(r *http.Request) bool { return r.TLS != nil }

func cookieName(r *http.Request, plain, secure string) string {
	if secureRequest(r) {
		return secure
	}
	return plain
}

// setCookie sets an HttpOnly, SameSite=Strict cookie for the whole
// console, Secure under TLS; maxAge < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// loginToken is the CSRF token of the sign-in form: a random value kept in
// a cookie and repeated in the form (a session does not exist yet).
func loginToken(w http.ResponseWriter, r *http.Request) string {
	name := cookieName(r, loginCookie, secureLoginCookie)
	if v := cookieValue(r, name); len(v) == 32 {
		return v
	}
	b := make([]byte, 16)
	rand.Read(b)
	v := hex.EncodeToString(b)
	setCookie(w, r, name, v, int(SessionIdle/time.Second))
	return v
}
