package trust

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// admission decides which connections a Listener authenticates at once:
// at most max in all and perHost from one address. When all max are
// taken, a connection from an address holding fewer than the address
// holding the most takes the place of the oldest of that address's
// connections, preferring one that has not yet sent its ClientHello:
// addresses that open connections and say nothing can then slow each
// other down, never keep out an address that holds few. It is safe for
// concurrent use.
type admission struct {
	max, perHost int

	mu      sync.Mutex
	pending map[net.Conn]*pendingConn
	hosts   map[string]int
}

// pendingConn is a connection being authenticated.
type pendingConn struct {
	conn  net.Conn
	host  string
	start time.Time
	// deadline ends the handshake and the node proof exchange.
	deadline time.Time
	// hello is set once the ClientHello has arrived; evicted once another
	// connection took this one's place.
	hello, evicted bool
}

func newAdmission(max, perHost int) *admission {
	return &admission{max: max, perHost: perHost, pending: map[net.Conn]*pendingConn{}, hosts: map[string]int{}}
}

// admit takes c, from host, into the handshakes in progress, or returns
// why it may not. When it evicts a connection to make room it returns
// it: the caller closes it.
func (a *admission) admit(c net.Conn, host string, now, deadline time.Time) (p, victim *pendingConn, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hosts[host] >= a.perHost {
		return nil, nil, fmt.Errorf("more than MaxPendingPerHost (%d) handshakes in progress from %s", a.perHost, host)
	}
	if len(a.pending) >= a.max {
		victim = a.victim(host)
		if victim == nil {
			return nil, nil, fmt.Errorf("more than MaxPendingHandshakes (%d) handshakes in progress, none from an address holding more than %s", a.max, host)
		}
		a.remove(victim)
		victim.evicted = true
	}
	p = &pendingConn{conn: c, host: host, start: now, deadline: deadline}
	a.pending[c] = p
	a.hosts[host]++
	return p, victim, nil
}

// victim returns the connection that makes room for one from host: the
// oldest of the address holding the most, if that address would still
// hold at least as many as host once the newcomer is in; those that have
// not sent their ClientHello go first.
func (a *admission) victim(host string) *pendingConn {
	most, count := "", 0
	for h, k := range a.hosts {
		if k > count || k == count && h < most {
			most, count = h, k
		}
	}
	if count <= a.hosts[host]+1 {
		return nil
	}
	var v *pendingConn
	for _, p := range a.pending {
		if p.host != most {
			continue
		}
		if v == nil || v.hello && !p.hello || v.hello == p.hello && p.start.Before(v.start) {
			v = p
		}
	}
	return v
}

// hello records that c sent its ClientHello and returns the deadline of
// its handshake; ok is false for a connection no longer pending.
func (a *admission) hello(c net.Conn) (deadline time.Time, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pending[c]
	if !ok {
		return time.Time{}, false
	}
	p.hello = true
	return p.deadline, true
}

// done ends p's handshake; it reports whether p had been evicted, and
// whether its ClientHello had arrived.
func (a *admission) done(p *pendingConn) (evicted, hello bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !p.evicted {
		a.remove(p)
	}
	return p.evicted, p.hello
}

func (a *admission) remove(p *pendingConn) {
	delete(a.pending, p.conn)
	if a.hosts[p.host]--; a.hosts[p.host] <= 0 {
		delete(a.hosts, p.host)
	}
}

// counts returns the handshakes in progress by address (for tests).
func (a *admission) counts() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]int, len(a.hosts))
	for h, k := range a.hosts {
		out[h] = k
	}
	return out
}

// logBurst is how many records a logThrottle lets through each second.
const logBurst = 10

// logThrottle lets through at most logBurst log records a second, and
// counts the others, so that clients who need no keys to be refused
// cannot flood the log.
type logThrottle struct {
	mu      sync.Mutex
	window  time.Time // start of the current second
	n       int       // records let through in it
	dropped int
}

// allow reports whether a record may be logged now, and how many were
// left out before it.
func (t *logThrottle) allow(now time.Time) (ok bool, dropped int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.window) >= time.Second {
		t.window, t.n = now, 0
	}
	if t.n >= logBurst {
		t.dropped++
		return false, 0
	}
	t.n++
	dropped, t.dropped = t.dropped, 0
	return true, dropped
}
