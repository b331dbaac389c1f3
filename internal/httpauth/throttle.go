package httpauth

import (
	"fmt"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
)

// throttle counts failed logins per source address and per (source,
// account name) pair, each as a debt that one failure raises by one and
// time pays back at one per refill interval. A source whose debt has
// reached its limit is refused until it has paid one back. It also counts
// the checks each address has in progress, for the order of the queue. It
// is safe for concurrent use.
type throttle struct {
	limits Limits

	mu      sync.Mutex
	addrs   map[netip.Prefix]*debt
	pairs   map[[32]byte]*debt
	pending map[netip.Prefix]int
}

// debt is a count of failures at a time; the zero value is no debt.
type debt struct {
	n  float64
	at time.Time
}

// value returns the debt at now, paid back at one per refill.
func (d *debt) value(now time.Time, refill time.Duration) float64 {
	if d == nil {
		return 0
	}
	return max(0, d.n-float64(now.Sub(d.at))/float64(refill))
}

func newThrottle(l Limits) *throttle {
	return &throttle{
		limits:  l,
		addrs:   make(map[netip.Prefix]*debt),
		pairs:   make(map[[32]byte]*debt),
		pending: make(map[netip.Prefix]int),
	}
}

// admit returns nil when the source may try a password now, else an
// ETOOMANY error with the time until it may.
func (t *throttle) admit(now time.Time, src netip.Prefix, pair [32]byte) error {
	l := t.limits
	t.mu.Lock()
	da := t.addrs[src].value(now, l.AddressRefill)
	dp := t.pairs[pair].value(now, l.AccountRefill)
	t.mu.Unlock()
	if over := da - float64(l.AddressFailures-1); over > 0 {
		return &rampart.Error{
			Code: rampart.ETOOMANY,
			Message: fmt.Sprintf("too many failed logins from %s (more than %d): try again later, or use a bearer token",
				sourceName(src), l.AddressFailures),
			RetryAfter: wait(over, l.AddressRefill),
		}
	}
	if over := dp - float64(l.AccountFailures-1); over > 0 {
		return &rampart.Error{
			Code: rampart.ETOOMANY,
			Message: fmt.Sprintf("too many failed logins to this account from %s (more than %d): try again later",
				sourceName(src), l.AccountFailures),
			RetryAfter: wait(over, l.AccountRefill),
		}
	}
	return nil
}

// wait returns the time to pay back over failures, at least a second.
func wait(over float64, refill time.Duration) time.Duration {
	return max(time.Second, time.Duration(math.Ceil(over*float64(refill))))
}

// fail counts a failed login; it reports whether the source has just
// reached one of its limits.
func (t *throttle) fail(now time.Time, src netip.Prefix, pair [32]byte) (reached bool) {
	l := t.limits
	t.mu.Lock()
	defer t.mu.Unlock()
	reached = raise(t, now, &t.addrs, src, l.AddressRefill, l.AddressFailures)
	if raise(t, now, &t.pairs, pair, l.AccountRefill, l.AccountFailures) {
		reached = true
	}
	return reached
}

// raise adds one failure to the debt of k in m, making room first when m
// is full; it reports whether the debt has just reached limit.
func raise[K comparable](t *throttle, now time.Time, m *map[K]*debt, k K, refill time.Duration, limit int) bool {
	d := (*m)[k]
	if d == nil {
		t.makeRoom(now)
		d = &debt{}
		(*m)[k] = d
	}
	before := d.value(now, refill)
	d.n, d.at = before+1, now
	return before < float64(limit) && d.n >= float64(limit)
}

// makeRoom forgets, when the throttle holds MaxSources debts, those paid
// back, and then any until a quarter of the room is free. Forgetting any
// favours a guesser only once more sources have failed at once than
// MaxSources, when per-source limits cannot hold anyway; the bound on
// concurrent checks still holds. t.mu is held.
func (t *throttle) makeRoom(now time.Time) {
	l := t.limits
	if len(t.addrs)+len(t.pairs) < l.MaxSources {
		return
	}
	for k, d := range t.addrs {
		if d.value(now, l.AddressRefill) == 0 {
			delete(t.addrs, k)
		}
	}
	for k, d := range t.pairs {
		if d.value(now, l.AccountRefill) == 0 {
			delete(t.pairs, k)
		}
	}
	for k := range t.pairs {
		if len(t.addrs)+len(t.pairs) <= l.MaxSources*3/4 {
			return
		}
		delete(t.pairs, k)
	}
	for k := range t.addrs {
		if len(t.addrs)+len(t.pairs) <= l.MaxSources*3/4 {
			return
		}
		delete(t.addrs, k)
	}
}

// succeed forgives the pair's failures: whoever gave the right password
// needs no more guesses. The address's failures stay, or a guesser with
// one account of its own could clear them between guesses at others.
func (t *throttle) succeed(pair [32]byte) {
	t.mu.Lock()
	delete(t.pairs, pair)
	t.mu.Unlock()
}

// begin counts a check from src as in progress and returns its priority
// in the queue: what is left of the address's allowance of failures, less
// its checks in progress. end counts it done.
func (t *throttle) begin(now time.Time, src netip.Prefix) float64 {
	l := t.limits
	t.mu.Lock()
	defer t.mu.Unlock()
	prio := float64(l.AddressFailures) - t.addrs[src].value(now, l.AddressRefill) - float64(t.pending[src])
	t.pending[src]++
	return prio
}

func (t *throttle) end(src netip.Prefix) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending[src]--; t.pending[src] <= 0 {
		delete(t.pending, src)
	}
}
