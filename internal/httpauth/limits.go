package httpauth

import (
	"runtime"
	"time"
)

// Defaults of Limits. A password check (argon2id, 64 MiB, two lanes) takes
// about 0.15 s of both cores of a 2-core machine, so such a node checks
// about 7 passwords a second; these values keep a guessing flood from many
// addresses to a fraction of that, and a legitimate login from another
// address ahead of it (docs/PERFORMANCE.md, "Login floods").
const (
	// DefaultMaxQueue requests may wait for a check slot; more are
	// answered 503 at once.
	DefaultMaxQueue = 256
	// DefaultQueueWait is how long a request waits for a check slot
	// before it is answered 503 with Retry-After.
	DefaultQueueWait = 2 * time.Second
	// DefaultAddressFailures failed logins from one address are allowed
	// in a row; then one more every DefaultAddressRefill.
	DefaultAddressFailures = 10
	DefaultAddressRefill   = 30 * time.Second
	// DefaultAccountFailures failed logins to one account name from one
	// address are allowed in a row; then one more every
	// DefaultAccountRefill. A successful login forgives them.
	DefaultAccountFailures = 5
	DefaultAccountRefill   = time.Minute
	// DefaultKnownFor is how long an address whose last login succeeded
	// goes first in the queue of password checks.
	DefaultKnownFor = 10 * time.Minute
	// CacheTTL is how long a verified password is remembered once unused.
	CacheTTL = 2 * time.Minute
	// DefaultMaxCacheEntries bounds the verified passwords remembered.
	DefaultMaxCacheEntries = 10_000
	// DefaultMaxSources bounds the addresses and (address, account) pairs
	// whose failures are remembered.
	DefaultMaxSources = 100_000
	// IPv6PrefixBits is the length of the IPv6 prefix whose addresses
	// count as one source: a single host commonly holds a whole /64.
	IPv6PrefixBits = 64
)

// Limits bound the work that HTTP Basic logins can ask of a node. The zero
// value of a field means its default.
type Limits struct {
	// MaxChecks is how many password checks run at once (default
	// runtime.GOMAXPROCS).
	MaxChecks int
	// MaxQueue is how many requests may wait for a check; QueueWait how
	// long each may wait. A request refused by either is answered 503
	// (EUNAVAILABLE) with Retry-After. Waiting requests are served first
	// from addresses whose last login, within KnownFor, succeeded, then
	// from those with the fewest recent failures, checks in progress and
	// requests refused for want of time, so that a flood from some
	// addresses does not delay logins from others; among equals, the
	// newest first.
	MaxQueue  int
	QueueWait time.Duration
	KnownFor  time.Duration
	// AddressFailures failed logins from one source address are allowed
	// in a row, then one per AddressRefill; beyond that every login from
	// the address is answered 429 (ETOOMANY) with Retry-After, without a
	// check.
	AddressFailures int
	AddressRefill   time.Duration
	// AccountFailures and AccountRefill are the same per source address
	// and account name. No limit counts an account's failures from every
	// address together: guesses from elsewhere never lock a user out.
	AccountFailures int
	AccountRefill   time.Duration
	// CacheTTL is how long a verified password is remembered after its
	// last use; MaxCacheEntries how many are.
	CacheTTL        time.Duration
	MaxCacheEntries int
	// MaxSources bounds the sources whose failures are remembered; when
	// more fail at once, the longest forgiven are forgotten first, then
	// any.
	MaxSources int
}

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.MaxChecks, runtime.GOMAXPROCS(0))
	set(&l.MaxQueue, DefaultMaxQueue)
	setD(&l.QueueWait, DefaultQueueWait)
	setD(&l.KnownFor, DefaultKnownFor)
	set(&l.AddressFailures, DefaultAddressFailures)
	setD(&l.AddressRefill, DefaultAddressRefill)
	set(&l.AccountFailures, DefaultAccountFailures)
	setD(&l.AccountRefill, DefaultAccountRefill)
	setD(&l.CacheTTL, CacheTTL)
	set(&l.MaxCacheEntries, DefaultMaxCacheEntries)
	set(&l.MaxSources, DefaultMaxSources)
	return l
}
