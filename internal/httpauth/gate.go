package httpauth

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
)

// gate bounds how many password checks run at once. Requests that find
// every slot taken wait in a queue of bounded length for a bounded time,
// served highest priority first and, among equals, last come first: when
// more come than can be checked, those that have waited longest are the
// ones that time out, and a newcomer is not made to wait behind a backlog
// that will time out anyway. It is safe for concurrent use.
type gate struct {
	maxQueue int

	mu    sync.Mutex
	free  int
	queue waiters
	seq   uint64
}

// waiter is a request waiting for a slot; ready is closed when it is given
// one.
type waiter struct {
	prio    float64
	seq     uint64
	index   int
	granted bool
	ready   chan struct{}
}

func newGate(slots, maxQueue int) *gate {
	return &gate{free: slots, maxQueue: maxQueue}
}

// acquire returns nil once the caller holds a slot, which it must release,
// or an EUNAVAILABLE error with Retry-After when the queue is full or no
// slot came within wait; ctx's error when ctx ends first.
func (g *gate) acquire(ctx context.Context, prio float64, wait time.Duration) error {
	g.mu.Lock()
	if g.free > 0 && len(g.queue) == 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	if len(g.queue) >= g.maxQueue {
		g.mu.Unlock()
		return busy(fmt.Sprintf("%d logins are waiting for a password check already (MaxQueue)", g.maxQueue), wait)
	}
	g.seq++
	w := &waiter{prio: prio, seq: g.seq, ready: make(chan struct{})}
	heap.Push(&g.queue, w)
	g.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var err error
	select {
	case <-w.ready:
		return nil
	case <-timer.C:
		err = busy(fmt.Sprintf("no password check was free within %s (QueueWait)", wait), wait)
	case <-ctx.Done():
		err = ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.granted {
		return nil // given a slot as the wait ended: use it
	}
	heap.Remove(&g.queue, w.index)
	return err
}

// release gives the caller's slot to the first waiter, or frees it.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.free++
		return
	}
	w := heap.Pop(&g.queue).(*waiter)
	w.granted = true
	close(w.ready)
}

// waiting returns the number of requests waiting.
func (g *gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// busy returns the EUNAVAILABLE error of a login the node had no time for.
func busy(why string, retry time.Duration) error {
	return &rampart.Error{
		Code:       rampart.EUNAVAILABLE,
		Message:    "the node is busy checking passwords: " + why + "; try again later, or use a bearer token",
		RetryAfter: retry,
	}
}

// waiters is a heap of waiters, highest priority first, then newest.
type waiters []*waiter

func (q waiters) Len() int { return len(q) }
func (q waiters) Less(i, j int) bool {
	if q[i].prio != q[j].prio {
		return q[i].prio > q[j].prio
	}
	return q[i].seq > q[j].seq
}
func (q waiters) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*q)
	*q = append(*q, w)
}
func (q *waiters) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return w
}
