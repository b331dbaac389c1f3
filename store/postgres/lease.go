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
// takes the lease for lost when it fails.
type LeaseService struct {
	db *DB
}

var _ rampart.LeaseService = (*LeaseService)(nil)

// NewLeaseService returns the leases of db; db must be open.
func NewLeaseService(db *DB) *LeaseService { return &LeaseService{db: db} }

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
	cfg := s.db.listenConfig.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// pg_stat_activity then tells an operator which process holds what.
	cfg.RuntimeParams["application_name"] = "rampart lease " + name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, leaseKey(name)).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	if !ok {
		conn.Close(context.Background())
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
