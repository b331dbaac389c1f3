package httpauth

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// TestQueueWait: a login that gets no check slot within QueueWait is
// answered 503 with Retry-After, not kept waiting.
func TestQueueWait(t *testing.T) {
	s := newStore()
	a, _ := newAuth(s, Limits{MaxChecks: 1, QueueWait: time.Millisecond})
	release := s.holdChecks("held")
	defer release()
	done := make(chan error)
	go func() { _, err := login(a, "192.0.2.9", "analyst", "held"); done <- err }()
	s.waitStarted("held") // the slot is taken, and stays taken
	_, err := login(a, "198.51.100.7", "analyst", "correct horse battery")
	wantCode(t, "a login with no slot free", err, rampart.EUNAVAILABLE, time.Millisecond)
	release()
	wantCode(t, "the held login", <-done, rampart.EUNAUTHORIZED, 0)
	if _, err := login(a, "198.51.100.7", "analyst", "correct horse battery"); err != nil {
		t.Errorf("once the slot is free: %v", err)
	}
}

// TestMaxQueue: a login that finds MaxQueue others waiting is answered 503
// at once.
func TestMaxQueue(t *testing.T) {
	s := newStore()
	a, _ := newAuth(s, Limits{MaxChecks: 1, MaxQueue: 1, QueueWait: time.Hour})
	release := s.holdChecks("held")
	var wg sync.WaitGroup
	wg.Go(func() { login(a, "192.0.2.9", "analyst", "held") })
	s.waitStarted("held")
	wg.Go(func() {
		if _, err := login(a, "192.0.2.10", "analyst", "correct horse battery"); err != nil {
			t.Errorf("the queued login: %v", err)
		}
	})
	waitFor(t, "one login queued", func() bool { return a.gate.waiting() == 1 })
	_, err := login(a, "198.51.100.7", "soc", "another long password")
	wantCode(t, "a login past MaxQueue", err, rampart.EUNAVAILABLE, time.Hour)
	release()
	wg.Wait()
}

// TestQueueOrder: waiting logins from an address without failures go
// before those from an address that has failed, however long those have
// waited; then those from an address with fewer checks in progress.
func TestQueueOrder(t *testing.T) {
	s := newStore()
	a, _ := newAuth(s, Limits{MaxChecks: 1, QueueWait: time.Hour})
	const attacker, user = "192.0.2.1", "198.51.100.7"
	for range 3 {
		login(a, attacker, "x", "failure")
	}
	release := s.holdChecks("held")
	var wg sync.WaitGroup
	wg.Go(func() { login(a, "203.0.113.1", "analyst", "held") })
	s.waitStarted("held")
	// Two guesses from the attacker wait, then the user's login.
	for i, pw := range []string{"guess 1", "guess 2"} {
		wg.Go(func() { login(a, attacker, "analyst", pw) })
		waitFor(t, "the attacker's guesses queued", func() bool { return a.gate.waiting() == i+1 })
	}
	wg.Go(func() {
		if _, err := login(a, user, "analyst", "correct horse battery"); err != nil {
			t.Errorf("the user: %v", err)
		}
	})
	waitFor(t, "the user's login queued", func() bool { return a.gate.waiting() == 3 })
	release()
	wg.Wait()
	got := s.checks[4:]
	want := []string{"correct horse battery", "guess 1", "guess 2"}
	if !slices.Equal(got, want) {
		t.Errorf("checked in the order %q, want %q", got, want)
	}
}

// TestQueueNewestFirst: among waiting logins of equal standing, the newest
// goes first, so that a login arriving during a backlog is not answered
// 503 after waiting behind requests that will time out anyway.
func TestQueueNewestFirst(t *testing.T) {
	s := newStore()
	a, _ := newAuth(s, Limits{MaxChecks: 1, QueueWait: time.Hour})
	release := s.holdChecks("held")
	var wg sync.WaitGroup
	wg.Go(func() { login(a, "203.0.113.1", "analyst", "held") })
	s.waitStarted("held")
	for i, addr := range []string{"192.0.2.1", "192.0.2.2", "198.51.100.7"} {
		wg.Go(func() { login(a, addr, "analyst", "from "+addr) })
		waitFor(t, "the logins queued", func() bool { return a.gate.waiting() == i+1 })
	}
	release()
	wg.Wait()
	got := s.checks[1:]
	want := []string{"from 198.51.100.7", "from 192.0.2.2", "from 192.0.2.1"}
	if !slices.Equal(got, want) {
		t.Errorf("checked in the order %q, want %q", got, want)
	}
}
