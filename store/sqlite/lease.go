package sqlite

import (
	"context"
	"sync"

	"github.com/rampart-cti/rampart"
)

// LeaseService hands out leases within the process: one "rampart serve"
// runs on a data directory (it holds the directory's lock), so the
// process is the only one that runs singletons on the file, and a lease
// is lost only when released. Safe for concurrent use.
type LeaseService struct {
	mu   sync.Mutex
	held map[string]bool
}

var _ rampart.LeaseService = (*LeaseService)(nil)

// NewLeaseService returns the leases of a SQLite store.
func NewLeaseService() *LeaseService { return &LeaseService{held: map[string]bool{}} }

// TryLease takes the named lease unless it is held.
func (s *LeaseService) TryLease(_ context.Context, name string) (rampart.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[name] {
		return nil, nil
	}
	s.held[name] = true
	return &lease{s: s, name: name, lost: make(chan struct{})}, nil
}

type lease struct {
	s    *LeaseService
	name string
	once sync.Once
	lost chan struct{}
}

func (l *lease) Name() string          { return l.name }
func (l *lease) Lost() <-chan struct{} { return l.lost }

func (l *lease) Release() error {
	l.once.Do(func() {
		l.s.mu.Lock()
		delete(l.s.held, l.name)
		l.s.mu.Unlock()
		close(l.lost)
	})
	return nil
}
