package node

import (
	"context"
	"slices"
	"sync"
	"time"
)

// The leases of a serving node's singletons: what runs in exactly one
// "rampart serve" replica at a time when several share one PostgreSQL
// store (rampart.LeaseService; docs/DEPLOYMENT.md). On SQLite one process
// serves a data directory and holds them all.
const (
	// LeaseFederation covers every link to a peer and the outbox that
	// seals the node's own objects: one holder, since the outbox reads the
	// one federated collection from one cursor, and pulls are light work.
	LeaseFederation = "federation"
	// LeaseEarlyWarning covers the evaluation of the early-warning rules
	// and watchlists, the alerts it writes and the webhooks it notifies.
	LeaseEarlyWarning = "early-warning"
	// LeaseFeeds covers the feed schedules (each run also takes its
	// feed's own lease in the settings, as "rampart feed run" does).
	LeaseFeeds = "feeds"
	// LeaseStatusPurge covers the hourly purge of old TAXII statuses.
	LeaseStatusPurge = "status-purge"
	// LeaseArchive covers the retro-hunts of new indicators and the
	// purge of the sensors' archive.
	LeaseArchive = "archive"
	// LeaseAuditCheckpoint covers the signed checkpoints of the audit log.
	LeaseAuditCheckpoint = "audit-checkpoint"
	// LeaseStreamHooks covers the deliveries to the stream webhooks (with
	// a message bus only).
	LeaseStreamHooks = "stream-webhooks"
)

// leaseNames are the leases a serving node takes, in the order of its
// metrics and health answer.
var leaseNames = []string{LeaseFederation, LeaseEarlyWarning, LeaseFeeds, LeaseStatusPurge, LeaseArchive, LeaseAuditCheckpoint, LeaseStreamHooks}

// DefaultLeaseRetry is how often a replica that does not hold a lease
// tries to take it: fail-over to it takes about this long after the
// holder's connection to the store ends.
const DefaultLeaseRetry = time.Second

// leaseState is which leases this process holds, for /metrics and
// /healthz. Safe for concurrent use.
type leaseState struct {
	mu   sync.Mutex
	held map[string]time.Time // name -> since
}

func (s *leaseState) set(name string, held bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]time.Time{}
	}
	if held {
		s.held[name] = time.Now()
	} else {
		delete(s.held, name)
	}
}

// Held returns the names of the leases held, sorted.
func (s *leaseState) Held() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name := range s.held {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func (s *leaseState) holds(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.held[name]
	return ok
}

// underLease runs fn whenever this process holds the named lease, until
// ctx ends: it tries to take the lease every retry; once taken, it runs fn
// with a context that ends when ctx does or the lease is lost (fn must
// then return at once), and releases the lease when fn returns. A node
// without a lease service (none configured) runs fn as if it held the
// lease.
func (n *Node) underLease(ctx context.Context, s *serving, name string, retry time.Duration, fn func(context.Context)) {
	if n.Leases == nil {
		s.leases.set(name, true)
		fn(ctx)
		s.leases.set(name, false)
		return
	}
	failing := false
	for ctx.Err() == nil {
		l, err := n.Leases.TryLease(ctx, name)
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing {
				n.logger.Warn("lease: cannot ask the store", "lease", name, "err", err)
			}
			failing = true
		case l != nil:
			failing = false
			s.leases.set(name, true)
			n.logger.Info("lease taken: running here", "lease", name)
			lctx, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-l.Lost():
					cancel()
				case <-lctx.Done():
				}
			}()
			fn(lctx)
			lost := false
			select {
			case <-l.Lost():
				lost = true
			default:
			}
			cancel()
			l.Release()
			s.leases.set(name, false)
			switch {
			case lost:
				n.logger.Warn("lease lost: stopped here", "lease", name)
			case ctx.Err() == nil:
				n.logger.Info("lease released", "lease", name)
			}
		default:
			failing = false
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
