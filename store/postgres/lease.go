package postgres

import (
	"context"
	"errors"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
)

// LeaseCheck is how often a lease's holder asks the server whether its
// connection, and so its lock, is still there; LeaseCheckTimeout is how
// long it waits for the answer before it takes the lease for lost.
const (
	LeaseCheck        = 500 * time.Millisecond
	LeaseCheckTimeout = 2 * time.Second
)

// LeaseService hands out leases as session-level advisory locks
// (pg_try_advisory_lock), each on a connection of its own: the server
// releases the lock when that connection ends, however the holder ends
// (killed, its machine gone, its connection cut), and no other process can
// take it meanwhile. The holder checks its connection every LeaseCheck and
// takes the lease for lost when it fails. A TryLease that finds the lock
// taken keeps its connection for the next try of that name, so that a
// replica standing by asks once a second on one connection rather than
// connecting each time; Close closes those.
type LeaseService struct {
	db *DB

	mu     sync.Mutex
	idle   map[string]*pgx.Conn // name -> connection of the last failed try
	closed bool
}

var _ rampart.LeaseService = (*LeaseService)(nil)

// NewLeaseService returns the leases of db; db must be open.
func NewLeaseService(db *DB) *LeaseService {
	return &LeaseService{db: db, idle: map[string]*pgx.Conn{}}
}

// Close closes the connections kept for the next tries. Leases held stay
// held until released.
func (s *LeaseService) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = map[string]*pgx.Conn{}, true
	s.mu.Unlock()
	for _, c := range idle {
		c.Close(context.Background())
	}
	return nil
}

// leaseKey is a lease's advisory lock key: a hash of its name, apart from
// the store's other advisory locks (migrations, audit, deletions), which
// are small numbers.
func leaseKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("rampart lease " + name))
	k := int64(h.Sum64() | 1<<62) // never one of the small keys
	return k
}

// TryLease takes the named lease if no connection holds its lock.
func (s *LeaseService) TryLease(ctx context.Context, name string) (rampart.Lease, error) {
	if s.db.listenConfig == nil {
		return nil, errors.New("lease: the store is not open")
	}
	s.mu.Lock()
	conn := s.idle[name]
	delete(s.idle, name)
	s.mu.Unlock()
	if conn == nil || conn.IsClosed() {
		cfg := s.db.listenConfig.Copy()
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		// pg_stat_activity then tells an operator which process holds
		// what.
		cfg.RuntimeParams["application_name"] = "rampart lease " + name
		var err error
		if conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return nil, err
		}
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, leaseKey(name)).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	if !ok {
		s.mu.Lock()
		keep := !s.closed && s.idle[name] == nil
		if keep {
			s.idle[name] = conn
		}
		s.mu.Unlock()
		if !keep {
			conn.Close(context.Background())
		}
		return nil, nil
	}
	l := &lease{name: name, conn: conn, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.check()
	return l, nil
}

// lease is a lock held on its connection.
type lease struct {
	name string
	conn *pgx.Conn

	lost chan struct{} // closed when the lease ends
	stop chan struct{} // closed by Release
	once sync.Once
	done chan struct{} // closed when check has returned
}

func (l *lease) Name() string          { return l.name }
func (l *lease) Lost() <-chan struct{} { return l.lost }

// check asks the server every LeaseCheck whether the connection lives,
// until the lease is released or the connection fails; then it closes
// the connection, which releases the lock if the server still holds it.
func (l *lease) check() {
	defer close(l.done)
	defer func() {
		close(l.lost)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		l.conn.Close(ctx)
	}()
	t := time.NewTicker(LeaseCheck)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			// Unlock before the connection closes, so that the lock is
			// free when Release returns, not when the server has ended
			// the session.
			ctx, cancel := context.WithTimeout(context.Background(), LeaseCheckTimeout)
			l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, leaseKey(l.name))
			cancel()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), LeaseCheckTimeout)
		err := l.conn.Ping(ctx)
		cancel()
		if err != nil {
			return
		}
	}
}

// Release ends the lease: its connection is closed, and with it the lock.
func (l *lease) Release() error {
	l.once.Do(func() { close(l.stop) })
	<-l.done
	return nil
}
