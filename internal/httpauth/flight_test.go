package httpauth

import (
	"sync"
	"testing"
	"time"
)

// TestSharedCheck: concurrent logins with the same credentials from one
// address share one password check, also once a remembered login has
// expired under load; from another address they have their own.
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
		for range n {
			wg.Go(func() {
				if _, err := login(a, "192.0.2.1", "analyst", pw); err != nil {
					t.Errorf("login: %v", err)
				}
			})
		}
		key := a.keyOf("check", "192.0.2.1/32", "analyst", pw)
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
