package httpauth

import (
	"context"
	"slices"
	"sync"

	"github.com/rampart-cti/rampart"
)

// flight shares one password check among concurrent requests with the
// same key: the first runs it, the others wait for its answer. It is safe
// for concurrent use.
type flight struct {
	mu    sync.Mutex
	calls map[[32]byte]*call
}

// call is a check in progress, or done once done is closed.
type call struct {
	done    chan struct{}
	joined  int // requests waiting for it, besides the one running it
	account *rampart.Account
	err     error
}

func newFlight() *flight { return &flight{calls: make(map[[32]byte]*call)} }

// do returns the answer of check, run once for every concurrent do with
// key, and whether this call ran it. check runs to its end whatever
// happens to the context of the request that runs it, so that the others
// get an answer; a waiting request whose ctx ends returns ctx's error.
// Each gets its own copy of the account.
func (f *flight) do(ctx context.Context, key [32]byte, check func() (*rampart.Account, error)) (_ *rampart.Account, ran bool, _ error) {
	f.mu.Lock()
	if c, ok := f.calls[key]; ok {
		c.joined++
		f.mu.Unlock()
		select {
		case <-c.done:
			return clone(c.account), false, c.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	c := &call{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()

	c.account, c.err = check()
	f.mu.Lock()
	delete(f.calls, key)
	f.mu.Unlock()
	close(c.done)
	return clone(c.account), true, c.err
}

// joined returns the number of requests waiting for the check with key.
func (f *flight) joined(key [32]byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return c.joined
	}
	return -1
}

// clone returns a copy of a that shares nothing with it.
func clone(a *rampart.Account) *rampart.Account {
	if a == nil {
		return nil
	}
	b := *a
	b.Grants = slices.Clone(a.Grants)
	return &b
}
