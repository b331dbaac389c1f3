package httpauth

import (
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// TestCacheNeverStale: a remembered password stops working as soon as the
// store has a new one or no longer has the account, with no wait for the
// cache to expire (the regression: up to CacheTTL, two minutes).
func TestCacheNeverStale(t *testing.T) {
	s := newStore()
	a, clk := newAuth(s, Limits{})
	const user = "198.51.100.7"
	for range 3 {
		if _, err := login(a, user, "analyst", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.numChecks(); n != 1 {
		t.Fatalf("%d checks for three logins, want 1 (then the cache)", n)
	}
	// Another process changes the password: the store's stamp changes.
	s.mu.Lock()
	s.passwords["analyst"], s.stamps["analyst"] = "a brand new password", "stamp-2"
	s.mu.Unlock()
	clk.add(time.Second)
	_, err := login(a, user, "analyst", "correct horse battery")
	wantCode(t, "the old password after a change", err, rampart.EUNAUTHORIZED, 0)
	if _, err := login(a, user, "analyst", "a brand new password"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	// Another process deletes the account.
	s.mu.Lock()
	delete(s.passwords, "analyst")
	s.mu.Unlock()
	_, err = login(a, user, "analyst", "a brand new password")
	wantCode(t, "the password of a deleted account", err, rampart.EUNAUTHORIZED, 0)
}

// TestCacheIdle: a remembered password in use stays remembered (its
// stamp is checked on every use); unused for CacheTTL, it is checked
// again.
func TestCacheIdle(t *testing.T) {
	s := newStore()
	a, clk := newAuth(s, Limits{})
	for range 5 {
		if _, err := login(a, "198.51.100.7", "analyst", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		clk.add(CacheTTL - time.Second)
	}
	if n := s.numChecks(); n != 1 {
		t.Errorf("%d checks for five logins, each within CacheTTL of the last, want 1", n)
	}
	clk.add(time.Second)
	login(a, "198.51.100.7", "analyst", "correct horse battery")
	if n := s.numChecks(); n != 2 {
		t.Errorf("%d checks once unused for CacheTTL, want 2", n)
	}
}

// TestCacheBound: the cache holds at most MaxCacheEntries.
func TestCacheBound(t *testing.T) {
	c := newCache(time.Hour, 3)
	now := time.Now()
	for i := range 10 {
		c.put([32]byte{byte(i)}, "a", "s", now)
	}
	if n := len(c.entries); n != 3 {
		t.Errorf("%d entries, want MaxCacheEntries (3)", n)
	}
	if _, _, ok := c.get([32]byte{9}, now); !ok {
		t.Errorf("the newest entry was dropped")
	}
}
