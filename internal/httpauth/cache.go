package httpauth

import (
	"sync"
	"time"
)

// cache remembers verified passwords, by the keyed hash of name and
// password, with the account's password stamp at the time. An entry
// vouches for nothing by itself: Authenticator compares its stamp with
// the store's on every use, so that a password changed or an account
// deleted by any process on the store is noticed at the next request. It
// is safe for concurrent use.
type cache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[32]byte]*cached
}

type cached struct {
	name, stamp string
	used        time.Time
}

func newCache(ttl time.Duration, max int) *cache {
	return &cache{ttl: ttl, max: max, entries: make(map[[32]byte]*cached)}
}

// get returns the account name and password stamp remembered under key,
// unless unused for ttl, and counts it used at now. An entry in use does
// not expire: it is as right as its stamp, which is checked on every use.
func (c *cache) get(key [32]byte, now time.Time) (name, stamp string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return "", "", false
	}
	if now.Sub(e.used) >= c.ttl {
		delete(c.entries, key)
		return "", "", false
	}
	e.used = now
	return e.name, e.stamp, true
}

// put remembers a verified password; when the cache is full it forgets
// the expired entries, then any.
func (c *cache) put(key [32]byte, name, stamp string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k, e := range c.entries {
			if now.Sub(e.used) >= c.ttl {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = &cached{name: name, stamp: stamp, used: now}
}

// forget drops what is remembered under key.
func (c *cache) forget(key [32]byte) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}
