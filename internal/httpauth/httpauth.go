// Package httpauth authenticates HTTP requests against the node's accounts,
// with HTTP Basic (TAXII 2.1 §8.2.2) or a bearer token, for every HTTP
// surface of a node (TAXII and the JSON API), so that both accept the same
// credentials under the same rules.
package httpauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/endpoint"
)

// CacheTTL is how long a verified password is remembered. Password hashes
// are deliberately slow (argon2id), so verifying one on every request of a
// busy client would cost more than serving it; a password changed on another
// replica stops working here within this time.
const CacheTTL = 2 * time.Minute

// Authenticator authenticates requests with HTTP Basic or a bearer token,
// remembering verified passwords for CacheTTL and bounding how many slow
// password checks run at once, so wrong passwords cannot exhaust memory or
// CPU. It is safe for concurrent use.
type Authenticator struct {
	accounts rampart.AccountService
	now      func() time.Time
	slow     chan struct{}
	// salt keys the cache so that memory never holds a fast, unkeyed hash
	// of a password.
	salt []byte

	mu      sync.Mutex
	entries map[[32]byte]authEntry
}

type authEntry struct {
	name    string
	expires time.Time
}

// New returns an Authenticator over accounts; now is the clock of the
// password cache (time.Now when nil).
func New(accounts rampart.AccountService, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{
		accounts: accounts,
		now:      now,
		slow:     make(chan struct{}, runtime.GOMAXPROCS(0)),
		salt:     []byte(rand.Text() + rand.Text()),
		entries:  make(map[[32]byte]authEntry),
	}
}

// tokenOf returns the token of an Authorization header of the Bearer or
// Token scheme.
func tokenOf(h string) (string, bool) {
	for _, scheme := range []string{"Bearer ", "Token "} {
		if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
			return strings.TrimSpace(h[len(scheme):]), true
		}
	}
	return "", false
}

// Authenticate returns the request's account, or an EUNAUTHORIZED error
// that says which schemes are accepted. Credentials that are not valid
// UTF-8 or hold control characters are refused without asking the store,
// which could not hold them: no account has such a name.
func (c *Authenticator) Authenticate(r *http.Request) (*rampart.Account, error) {
	h := r.Header.Get("Authorization")
	// Authentication schemes are case-insensitive (RFC 9110 §11.1).
	// "Token" is what some TAXII clients send (the OASIS taxii2-client's
	// token login): a synonym of Bearer.
	if token, ok := tokenOf(h); ok {
		if !endpoint.CleanText(token) {
			return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "invalid or revoked token")
		}
		return c.accounts.AuthenticateToken(r.Context(), token)
	}
	name, password, ok := r.BasicAuth()
	if !ok {
		if h == "" {
			return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "authentication required: use HTTP Basic or a bearer token")
		}
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "unsupported Authorization scheme: use HTTP Basic or a bearer token")
	}
	if !endpoint.CleanText(name) {
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password")
	}
	return c.basic(r.Context(), name, password)
}

// Challenge adds the WWW-Authenticate headers of a 401 answer: the schemes
// Authenticate accepts, in the realm given.
func Challenge(h http.Header, realm string) {
	h.Add("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
	h.Add("WWW-Authenticate", `Bearer realm="`+realm+`"`)
}

func (c *Authenticator) basic(ctx context.Context, name, password string) (*rampart.Account, error) {
	mac := hmac.New(sha256.New, c.salt)
	mac.Write([]byte(name + "\x00" + password))
	var key [32]byte
	mac.Sum(key[:0])
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		a, err := c.accounts.FindAccountByName(ctx, e.name)
		if err == nil {
			return a, nil
		}
		if rampart.ErrorCode(err) != rampart.ENOTFOUND {
			return nil, err
		}
		c.forget(key)
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password")
	}
	select {
	case c.slow <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	a, err := c.accounts.Authenticate(ctx, name, password)
	<-c.slow
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.entries) > 10000 {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = authEntry{name: a.Name, expires: now.Add(CacheTTL)}
	c.mu.Unlock()
	return a, nil
}

func (c *Authenticator) forget(key [32]byte) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}
