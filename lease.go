package rampart

import "context"

// LeaseService hands out leases: the right to run one of a node's
// singletons (the federation links, early-warning evaluation, the feed
// schedules, the purges), which must run in exactly one process at a time
// however many "rampart serve" replicas share the store.
//
// A lease is held until it is released or its holder dies; a holder that
// loses its hold on the store (its connection breaks) loses the lease at
// once, and another process may take it. Implementations are safe for
// concurrent use.
type LeaseService interface {
	// TryLease takes the named lease when no process holds it, without
	// waiting. It returns nil and no error when another process (or this
	// one, through another call) holds it, and an error when the store
	// cannot say.
	TryLease(ctx context.Context, name string) (Lease, error)
}

// Lease is a lease held. Release it when the singleton stops.
type Lease interface {
	// Name is the lease's name.
	Name() string
	// Lost is closed when the lease is no longer held: released, or lost
	// with the holder's connection to the store. A holder must stop the
	// singleton at once when it is closed.
	Lost() <-chan struct{}
	// Release gives the lease up; it is safe to call more than once and
	// after the lease was lost.
	Release() error
}
