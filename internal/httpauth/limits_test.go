package httpauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// store is an account store whose password checks can be held until the
// test releases them, and which records every check in order.
type store struct {
	rampart.AccountService

	mu        sync.Mutex
	passwords map[string]string // account name → password
	stamps    map[string]string // account name → password stamp
	checks    []string          // the passwords checked, in order
	hold      map[string]chan struct{}
	started   chan string // the password of each check as it starts
}

func newStore() *store {
	return &store{
		passwords: map[string]string{"analyst": "correct horse battery", "soc": "another long password"},
		stamps:    map[string]string{"analyst": "stamp-1", "soc": "stamp-s"},
		hold:      map[string]chan struct{}{},
		started:   make(chan string, 1000),
	}
}

// holdChecks makes checks of password wait until the returned function is
// called.
func (s *store) holdChecks(password string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold[password] = ch
	s.mu.Unlock()
	return sync.OnceFunc(func() { close(ch) })
}

// unhold lets checks of password run at once again.
func (s *store) unhold(password string) {
	s.mu.Lock()
	delete(s.hold, password)
	s.mu.Unlock()
}

// waitStarted waits until a check of password has started.
func (s *store) waitStarted(password string) {
	for pw := range s.started {
		if pw == password {
			return
		}
	}
}

func (s *store) Authenticate(_ context.Context, name, password string) (*rampart.Account, error) {
	s.mu.Lock()
	s.checks = append(s.checks, password)
	ch := s.hold[password]
	s.mu.Unlock()
	s.started <- password
	if ch != nil {
		<-ch
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pw, ok := s.passwords[name]; ok && pw == password {
		return &rampart.Account{Name: name, PasswordStamp: s.stamps[name]}, nil
	}
	return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password")
}

func (s *store) FindAccountByName(_ context.Context, name string) (*rampart.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.passwords[name]; ok {
		return &rampart.Account{Name: name, PasswordStamp: s.stamps[name]}, nil
	}
	return nil, rampart.Errorf(rampart.ENOTFOUND, "account %q not found", name)
}

func (s *store) AuthenticateToken(_ context.Context, token string) (*rampart.Account, error) {
	if token == "rmp_good" {
		return &rampart.Account{Name: "feed"}, nil
	}
	return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "invalid or revoked token")
}

func (s *store) numChecks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.checks)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newAuth(s *store, l Limits) (*Authenticator, *clock) {
	clk := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	a := New(s, clk.now)
	a.Limits = l
	a.init()
	return a, clk
}

// login authenticates user and password from addr (an IP address).
func login(a *Authenticator, addr, user, password string) (*rampart.Account, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = addr + ":40000"
	r.SetBasicAuth(user, password)
	return a.Authenticate(r)
}

// wantCode fails unless err has the code (and, for ETOOMANY and
// EUNAVAILABLE, a Retry-After of retry).
func wantCode(t *testing.T, what string, err error, code string, retry time.Duration) {
	t.Helper()
	if got := rampart.ErrorCode(err); got != code {
		t.Fatalf("%s: %v (code %q), want code %q", what, err, got, code)
	}
	if got := rampart.ErrorRetryAfter(err); got != retry {
		t.Fatalf("%s: Retry-After %s, want %s", what, got, retry)
	}
}

// waitFor waits until cond holds: how the tests know that requests are
// queued, without assuming how long that takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i == 100_000 {
			t.Fatalf("never: %s", what)
		}
		runtime.Gosched()
		time.Sleep(10 * time.Microsecond)
	}
}

func TestAddressFailures(t *testing.T) {
	s := newStore()
	a, clk := newAuth(s, Limits{})
	const attacker, user = "192.0.2.1", "198.51.100.7"
	if _, err := login(a, attacker, "analyst", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	// Guesses at many names, so that only the address's limit applies.
	for i := range DefaultAddressFailures {
		_, err := login(a, attacker, "name"+string(rune('a'+i)), "guess")
		wantCode(t, "guess", err, rampart.EUNAUTHORIZED, 0)
	}
	checks := s.numChecks()
	_, err := login(a, attacker, "analyst", "guess")
	wantCode(t, "a guess past the limit", err, rampart.ETOOMANY, DefaultAddressRefill)
	if msg := rampart.ErrorMessage(err); !strings.Contains(msg, attacker) || !strings.Contains(msg, "bearer token") {
		t.Errorf("message %q does not say which address, nor what to use instead", msg)
	}
	// Even the right password, remembered, is refused from that address:
	// else a remembered password would answer guesses unthrottled.
	_, err = login(a, attacker, "analyst", "correct horse battery")
	wantCode(t, "the right password from the throttled address", err, rampart.ETOOMANY, DefaultAddressRefill)
	if n := s.numChecks(); n != checks {
		t.Errorf("%d passwords checked for a throttled address, want none", n-checks)
	}
	// The user at another address is not slowed down.
	if _, err := login(a, user, "analyst", "correct horse battery"); err != nil {
		t.Errorf("the user at another address: %v", err)
	}
	if _, err := a.Authenticate(bearer(attacker, "rmp_good")); err != nil {
		t.Errorf("a token from the throttled address: %v (tokens are not throttled)", err)
	}
	// Time pays one failure back: one more guess, then refused again,
	// for less time.
	clk.add(DefaultAddressRefill)
	_, err = login(a, attacker, "analyst", "guess")
	wantCode(t, "a guess once the address paid one back", err, rampart.EUNAUTHORIZED, 0)
	clk.add(DefaultAddressRefill / 3)
	_, err = login(a, attacker, "analyst", "guess")
	wantCode(t, "the next guess", err, rampart.ETOOMANY, DefaultAddressRefill*2/3)
}

// bearer returns a request with a bearer token from addr.
func bearer(addr, token string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = addr + ":40000"
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestAccountFailures(t *testing.T) {
	s := newStore()
	a, clk := newAuth(s, Limits{})
	const attacker, user = "192.0.2.1", "198.51.100.7"
	for range DefaultAccountFailures {
		_, err := login(a, attacker, "analyst", "guess")
		wantCode(t, "guess", err, rampart.EUNAUTHORIZED, 0)
	}
	_, err := login(a, attacker, "analyst", "guess")
	wantCode(t, "a guess at analyst past the limit", err, rampart.ETOOMANY, DefaultAccountRefill)
	// The address may still try other accounts (up to its own limit).
	_, err = login(a, attacker, "soc", "guess")
	wantCode(t, "a guess at another account", err, rampart.EUNAUTHORIZED, 0)
	// No global lock: the user logs in from its own address, first try.
	if _, err := login(a, user, "analyst", "correct horse battery"); err != nil {
		t.Errorf("the user at its own address: %v", err)
	}
	// A success forgives the pair's failures, not the address's: the
	// address owes 6 - 2 = 4 a minute later, and may fail 6 more times.
	clk.add(DefaultAccountRefill)
	if _, err := login(a, attacker, "analyst", "correct horse battery"); err != nil {
		t.Fatalf("the right password once the pair paid one back: %v", err)
	}
	for range DefaultAccountFailures {
		_, err := login(a, attacker, "analyst", "guess")
		wantCode(t, "a guess after a success", err, rampart.EUNAUTHORIZED, 0)
	}
	_, err = login(a, attacker, "analyst", "guess")
	wantCode(t, "the pair's limit again", err, rampart.ETOOMANY, DefaultAccountRefill)
	_, err = login(a, attacker, "soc", "guess")
	wantCode(t, "the address's last failure", err, rampart.EUNAUTHORIZED, 0)
	_, err = login(a, attacker, "soc", "guess")
	wantCode(t, "the address's own limit", err, rampart.ETOOMANY, DefaultAddressRefill)
}

// TestMaxSources: failures from more sources than MaxSources do not grow
// the throttle past it.
func TestMaxSources(t *testing.T) {
	s := newStore()
	a, _ := newAuth(s, Limits{MaxSources: 8})
	for i := range 50 {
		login(a, "192.0.2."+strconv.Itoa(i), "analyst", "guess")
	}
	if n := len(a.throttle.addrs) + len(a.throttle.pairs); n > 8 {
		t.Errorf("the throttle remembers %d sources, want at most MaxSources (8)", n)
	}
}
