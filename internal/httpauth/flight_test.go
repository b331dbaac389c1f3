package httpauth

import (
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestSharedCheck: concurrent logins with the same credentials share one
// password check, from one address or several, also once a remembered
// login has expired under load.
func TestSharedCheck(t *testing.T) {
	s := newStore()
	a, clk := newAuth(s, Limits{MaxChecks: 1, QueueWait: time.Hour})
	const n = 20
	pw := "correct horse battery"
	for round := range 2 {
		if round == 1 {
			clk.add(CacheTTL) // what was remembered expires
		}
		before := s.numChecks()
		release := s.holdChecks(pw)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, err := login(a, "192.0.2."+strconv.Itoa(1+i%3), "analyst", pw); err != nil {
					t.Errorf("login: %v", err)
				}
			})
		}
		key := a.keyOf("login", "analyst", pw)
		waitFor(t, "every login waiting for the one check", func() bool { return a.flight.joined(key) == n-1 })
		release()
		wg.Wait()
		if got := s.numChecks() - before; got != 1 {
			t.Errorf("round %d: %d concurrent logins made %d password checks, want 1", round, n, got)
		}
		s.unhold(pw)
	}
	before := s.numChecks()
	clk.add(CacheTTL)
	login(a, "192.0.2.1", "analyst", pw)
	login(a, "192.0.2.2", "analyst", pw)
	if got := s.numChecks() - before; got != 1 {
		t.Errorf("%d checks for two addresses one after the other, want 1 (the second from the cache)", got)
	}
}

// TestSharedCheckRefused: when the request that was to run a shared check
// is refused for its own address's failures, the others sharing it are
// not: they run the check themselves.
func TestSharedCheckRefused(t *testing.T) {
	s := newStore()
	a, clk := newAuth(s, Limits{MaxChecks: 1, QueueWait: time.Hour})
	const attacker, user, pw = "192.0.2.1", "198.51.100.7", "correct horse battery"
	release := s.holdChecks("held")
	var wg sync.WaitGroup
	wg.Go(func() { login(a, "203.0.113.1", "analyst", "held") })
	s.waitStarted("held")
	var attackerErr error
	wg.Go(func() { _, attackerErr = login(a, attacker, "analyst", pw) })
	waitFor(t, "the attacker's login queued", func() bool { return a.gate.waiting() == 1 })
	key := a.keyOf("login", "analyst", pw)
	wg.Go(func() {
		if _, err := login(a, user, "analyst", pw); err != nil {
			t.Errorf("the user sharing the check: %v", err)
		}
	})
	waitFor(t, "the user's login sharing the check", func() bool { return a.flight.joined(key) == 1 })
	// Meanwhile the attacker's address reaches its limit.
	for i := range DefaultAddressFailures {
		a.throttle.fail(clk.now(), prefixOf(netipAddr(attacker)), a.keyOf("pair", attacker+"/32", "x"+strconv.Itoa(i)))
	}
	release()
	wg.Wait()
	wantCode(t, "the attacker's login", attackerErr, rampart.ETOOMANY, DefaultAddressRefill)
}
