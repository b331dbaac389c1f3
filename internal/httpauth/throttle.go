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
// reached its limit is refused until it has paid one back.
//
// It also ranks addresses for the queue of password checks: first those
// whose last login succeeded recently (known), then the others, each by
// what is left of its allowance of failures less its checks in progress
// and the checks it was recently refused for want of time (shed). An
// address whose guesses time out in the queue is thus no longer a
// newcomer's equal. It is safe for concurrent use.
type throttle struct {
	limits Limits

	mu    sync.Mutex
	addrs map[netip.Prefix]*address
	pairs map[[32]byte]*debt
}

// debt is a count at a time, paid back at one per refill interval; the
// zero value is no debt.
type debt struct {
	n  float64
	at time.Time
}

// value returns the debt at now.
func (d *debt) value(now time.Time, refill time.Duration) float64 {
	return max(0, d.n-float64(now.Sub(d.at))/float64(refill))
}

// raise adds one to the debt at now and reports whether it has just
// reached limit.
func (d *debt) raise(now time.Time, refill time.Duration, limit int) bool {
	before := d.value(now, refill)
	d.n, d.at = before+1, now
	return before < float64(limit) && d.n >= float64(limit)
}

// address is what the throttle knows of a source address.
type address struct {
	failures debt
	shed     debt // checks refused for want of time
	pending  int  // checks queued or running
	// succeeded and failed are the times of its last successful and last
	// failed login.
	succeeded, failed time.Time
}

// known reports whether the address's last login succeeded within d.
func (a *address) known(now time.Time, d time.Duration) bool {
	return !a.succeeded.IsZero() && a.succeeded.After(a.failed) && now.Sub(a.succeeded) < d
}

// idle reports whether nothing of the address needs remembering at now.
func (a *address) idle(now time.Time, l Limits) bool {
	return a.pending == 0 && a.failures.value(now, l.AddressRefill) == 0 &&
		a.shed.value(now, l.AddressRefill) == 0 && !a.known(now, l.KnownFor)
}

func newThrottle(l Limits) *throttle {
	return &throttle{
		limits: l,
		addrs:  make(map[netip.Prefix]*address),
		pairs:  make(map[[32]byte]*debt),
	}
}

// admit returns nil when the source may try a password now, else an
// ETOOMANY error with the time until it may.
func (t *throttle) admit(now time.Time, src netip.Prefix, pair [32]byte) error {
	l := t.limits
	var da, dp float64
	t.mu.Lock()
	if a := t.addrs[src]; a != nil {
		da = a.failures.value(now, l.AddressRefill)
	}
	if d := t.pairs[pair]; d != nil {
		dp = d.value(now, l.AccountRefill)
	}
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

// addr returns the address's record, made when there is none. t.mu is
// held.
func (t *throttle) addr(now time.Time, src netip.Prefix) *address {
	a := t.addrs[src]
	if a == nil {
		t.makeRoom(now)
		a = &address{}
		t.addrs[src] = a
	}
	return a
}

// fail counts a failed login; it reports whether the source has just
// reached one of its limits.
func (t *throttle) fail(now time.Time, src netip.Prefix, pair [32]byte) (reached bool) {
	l := t.limits
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.addr(now, src)
	a.failed = now
	reached = a.failures.raise(now, l.AddressRefill, l.AddressFailures)
	d := t.pairs[pair]
	if d == nil {
		t.makeRoom(now)
		d = &debt{}
		t.pairs[pair] = d
	}
	if d.raise(now, l.AccountRefill, l.AccountFailures) {
		reached = true
	}
	return reached
}

// succeed forgives the pair's failures, since whoever gave the right
// password needs no more guesses, and makes the address known. The
// address's failures stay, or a guesser with one account of its own could
// clear them between guesses at others.
func (t *throttle) succeed(now time.Time, src netip.Prefix, pair [32]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, pair)
	t.addr(now, src).succeeded = now
}

// begin counts a check from src as in progress and returns its rank in
// the queue. end counts it done; shed, that it was refused for want of
// time.
func (t *throttle) begin(now time.Time, src netip.Prefix) float64 {
	l := t.limits
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.addr(now, src)
	rank := float64(l.AddressFailures) - a.failures.value(now, l.AddressRefill) -
		a.shed.value(now, l.AddressRefill) - float64(a.pending)
	if a.known(now, l.KnownFor) {
		rank += float64(l.AddressFailures)
	}
	a.pending++
	return rank
}

func (t *throttle) end(src netip.Prefix) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.addrs[src]; a != nil {
		a.pending--
	}
}

func (t *throttle) shed(now time.Time, src netip.Prefix) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addr(now, src).shed.raise(now, t.limits.AddressRefill, math.MaxInt)
}

// makeRoom forgets, when the throttle holds MaxSources records, those
// with nothing to remember, and then any until a quarter of the room is
// free (but the addresses with checks in progress). Forgetting any favours
// a guesser only once more sources have failed at once than MaxSources,
// when per-source limits cannot hold anyway; the bound on concurrent
// checks still holds. t.mu is held.
func (t *throttle) makeRoom(now time.Time) {
	l := t.limits
	if len(t.addrs)+len(t.pairs) < l.MaxSources {
		return
	}
	for k, a := range t.addrs {
		if a.idle(now, l) {
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
	for k, a := range t.addrs {
		if len(t.addrs)+len(t.pairs) <= l.MaxSources*3/4 {
			return
		}
		if a.pending == 0 {
			delete(t.addrs, k)
		}
	}
}
