// Package httpauth authenticates HTTP requests against the node's accounts,
// with HTTP Basic (TAXII 2.1 §8.2.2) or a bearer token, for every HTTP
// surface of a node (TAXII and the JSON API), so that both accept the same
// credentials under the same rules and limits.
//
// Reach for Authenticator: one per node, shared by every surface.
//
// What it guarantees, for HTTP Basic: password checks (argon2id, slow on
// purpose) run at most Limits.MaxChecks at once; a request waits for one
// at most Limits.QueueWait, behind at most Limits.MaxQueue others, and is
// answered 503 with Retry-After otherwise; concurrent requests with the
// same credentials share one check; failed logins
// are limited per source address and per (address, account), answered 429
// with Retry-After, so that guesses from some addresses neither slow down
// nor lock out users at others; a verified password is remembered, and
// every use of what is remembered compares the account's password stamp
// with the store's, so that a new password, or an account deleted, takes
// effect at the next request, whichever process on the store made the
// change.
//
// What it does not do: count failures of one account across addresses (a
// guesser with many addresses gets each address's allowance; the bound on
// concurrent checks still holds), tell users behind one address (a NAT, a
// reverse proxy not named in TrustedProxies) apart, or limit bearer
// tokens, which are looked up, not checked (a guess is as hard as a
// 256-bit key), and are the credential to give tools.
package httpauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/endpoint"
)

// Authenticator authenticates requests with HTTP Basic or a bearer token.
// Set its fields before the first request; it is then safe for concurrent
// use.
type Authenticator struct {
	// Limits bound password checks (DefaultLimits when zero).
	Limits Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For says
	// where a request comes from. From any other peer the header is
	// ignored, and the peer's address is the source.
	TrustedProxies []netip.Prefix
	// Logger is told when a source reaches a failure limit (never a
	// password nor an account name); discarded when nil.
	Logger *slog.Logger

	accounts rampart.AccountService
	now      func() time.Time
	// salt keys the cache and the throttle so that memory never holds a
	// fast, unkeyed hash of a password.
	salt []byte

	once     sync.Once
	gate     *gate
	throttle *throttle
	flight   *flight
	cache    *cache
}

// New returns an Authenticator over accounts; now is the clock of the
// cache and the failure limits (time.Now when nil).
func New(accounts rampart.AccountService, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{
		accounts: accounts,
		now:      now,
		salt:     []byte(rand.Text() + rand.Text()),
	}
}

func (c *Authenticator) init() {
	c.once.Do(func() {
		c.Limits = c.Limits.withDefaults()
		c.gate = newGate(c.Limits.MaxChecks, c.Limits.MaxQueue)
		c.throttle = newThrottle(c.Limits)
		c.flight = newFlight()
		c.cache = newCache(c.Limits.CacheTTL, c.Limits.MaxCacheEntries)
		if c.Logger == nil {
			c.Logger = slog.New(slog.DiscardHandler)
		}
	})
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

// Authenticate returns the request's account, or an error: EUNAUTHORIZED
// that says which schemes are accepted, ETOOMANY when the request's source
// has failed too often, EUNAVAILABLE when no password check was free in
// time (both with RetryAfter). Credentials that are not valid UTF-8 or
// hold control characters are refused without asking the store, which
// could not hold them: no account has such a name.
func (c *Authenticator) Authenticate(r *http.Request) (*rampart.Account, error) {
	c.init()
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
	return c.basic(r.Context(), sourceOf(r, c.TrustedProxies), name, password)
}

// Login checks a name and password typed into a form, as Authenticate
// checks HTTP Basic credentials: the same failure limits per source and
// account, the same shared checks and cache, the same errors.
func (c *Authenticator) Login(r *http.Request, name, password string) (*rampart.Account, error) {
	c.init()
	if name == "" || password == "" {
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "give a user name and a password")
	}
	if !endpoint.CleanText(name) {
		return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password")
	}
	return c.basic(r.Context(), sourceOf(r, c.TrustedProxies), name, password)
}

// Challenge adds the WWW-Authenticate headers of a 401 answer: the schemes
// Authenticate accepts, in the realm given.
func Challenge(h http.Header, realm string) {
	h.Add("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
	h.Add("WWW-Authenticate", `Bearer realm="`+realm+`"`)
}

// keyOf returns the keyed hash of the parts, each ended by a NUL. Only a
// password, always the last part, may hold one (CleanText refused it in
// names), so two lists of parts never give one key.
func (c *Authenticator) keyOf(parts ...string) [32]byte {
	mac := hmac.New(sha256.New, c.salt)
	for _, p := range parts {
		mac.Write([]byte(p))
		mac.Write([]byte{0})
	}
	var key [32]byte
	mac.Sum(key[:0])
	return key
}

// basic authenticates name and password from src: from the cache when
// the account's password stamp is the one remembered, else by a check
// shared with every concurrent request with the same credentials.
func (c *Authenticator) basic(ctx context.Context, src netip.Prefix, name, password string) (*rampart.Account, error) {
	key := c.keyOf("login", name, password)
	pair := c.keyOf("pair", src.String(), name)
	if err := c.throttle.admit(c.now(), src, pair); err != nil {
		return nil, err
	}
	if cachedName, stamp, ok := c.cache.get(key, c.now()); ok {
		a, err := c.accounts.FindAccountByName(ctx, cachedName)
		switch {
		case err == nil && a.PasswordStamp == stamp:
			c.throttle.succeed(c.now(), src, pair)
			return a, nil
		case err == nil, rampart.ErrorCode(err) == rampart.ENOTFOUND:
			// A new password, or the account deleted (and perhaps
			// made again): what is remembered no longer says anything.
			c.cache.forget(key)
		default:
			return nil, err
		}
	}
	for range maxJoins {
		a, ran, err := c.flight.do(ctx, key, func() (*rampart.Account, error) {
			return c.check(context.WithoutCancel(ctx), src, pair, key, name, password)
		})
		var r *refused
		if !ran && errors.As(err, &r) {
			// The request that ran the check was refused for its own
			// source's failures: this one's may allow it.
			continue
		}
		if err == nil {
			c.throttle.succeed(c.now(), src, pair)
		}
		return a, err
	}
	return nil, busy("the password check was refused for other requests' sources "+strconv.Itoa(maxJoins)+" times", c.Limits.QueueWait)
}

// maxJoins is how many checks run for others a request waits for before it
// gives up.
const maxJoins = 3

// refused is the ETOOMANY error of a check refused for its source's
// failures once it had waited for a slot: an answer for that source alone.
type refused struct{ error }

func (r *refused) Unwrap() error { return r.error }

// check verifies a password when a check slot is free, and counts the
// answer: a success is remembered, a failure counted against src (once,
// however many requests share the check).
func (c *Authenticator) check(ctx context.Context, src netip.Prefix, pair, key [32]byte, name, password string) (*rampart.Account, error) {
	rank := c.throttle.begin(c.now(), src)
	defer c.throttle.end(src)
	if err := c.gate.acquire(ctx, rank, c.Limits.QueueWait); err != nil {
		if rampart.ErrorCode(err) == rampart.EUNAVAILABLE {
			c.throttle.shed(c.now(), src)
		}
		return nil, err
	}
	defer c.gate.release()
	// Failures from src while this one waited count too.
	if err := c.throttle.admit(c.now(), src, pair); err != nil {
		return nil, &refused{err}
	}
	a, err := c.accounts.Authenticate(ctx, name, password)
	switch {
	case err == nil:
		c.cache.put(key, a.Name, a.PasswordStamp, c.now())
	case rampart.ErrorCode(err) == rampart.EUNAUTHORIZED:
		if c.throttle.fail(c.now(), src, pair) {
			c.Logger.Warn("failed logins throttled", "source", sourceName(src),
				"address_limit", c.Limits.AddressFailures, "account_limit", c.Limits.AccountFailures)
		}
	}
	return a, err
}
