package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
)

// ChangeFeed lets a process follow what other processes write to the same
// store: FeedPosition and FindDeletions read the store's tables, and
// Changes is the channel of a Signal that the store raises in its own way
// (SQLite polls the file's data version, PostgreSQL listens for
// notifications). It is safe for concurrent use.
type ChangeFeed struct {
	db     *DB
	signal *Signal
}

var _ rampart.ChangeFeed = (*ChangeFeed)(nil)

// NewChangeFeed returns a ChangeFeed on db whose Changes are signal's.
func NewChangeFeed(db *DB, signal *Signal) *ChangeFeed {
	return &ChangeFeed{db: db, signal: signal}
}

// Changes returns the channel that receives a value soon after another
// process committed a write that adds or deletes objects or changes a
// setting; one value may stand for many writes. Every call returns the
// same channel, so one goroutine should read it. The first call starts
// watching the store and returns once it does, so that a write committed
// after it returns is signalled. The channel is closed when the store is
// closed.
func (f *ChangeFeed) Changes() <-chan struct{} { return f.signal.C() }

// FeedPosition returns, for every collection, the Seq of its newest
// version (0 for an empty one), and the Seq of the newest deletion (0 for
// none), all read in one statement and so from one snapshot.
func (f *ChangeFeed) FeedPosition(ctx context.Context) (map[string]int64, int64, error) {
	// Within a collection DateAdded grows with Seq (both only grow under
	// the collection's writer), so its newest version is the last entry
	// of objects_added for it: one probe per collection, where max(seq)
	// would read them all. The deletions come first, on a row with no
	// collection id (a collection's id is a UUID, never empty).
	rows, err := f.db.read().query(ctx, `SELECT '', (SELECT coalesce(max(seq), 0) FROM object_deletions)
		UNION ALL
		SELECT c.id, coalesce((SELECT o.seq FROM objects o WHERE o.collection = c.pk
			ORDER BY o.date_added DESC, o.seq DESC LIMIT 1), 0) FROM collections c`)
	if err != nil {
		return nil, 0, fmt.Errorf("read the feed position: %w", err)
	}
	defer rows.Close()
	var (
		collections = make(map[string]int64)
		deletion    int64
	)
	for rows.Next() {
		var (
			id  string
			seq int64
		)
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, 0, fmt.Errorf("read the feed position: %w", err)
		}
		if id == "" {
			deletion = seq
		} else {
			collections[id] = seq
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read the feed position: %w", err)
	}
	return collections, deletion, nil
}

// DefaultDeletionLimit is the page size of FindDeletions when none is
// given.
const DefaultDeletionLimit = 1000

// FindDeletions returns up to limit deletions recorded after seq, oldest
// first (DefaultDeletionLimit when limit is 0, at most
// rampart.MaxPageSize).
// It returns EINVALID for a negative limit.
func (f *ChangeFeed) FindDeletions(ctx context.Context, afterSeq int64, n int) ([]*rampart.ObjectDeletion, error) {
	n, err := limit("find deletions", n, DefaultDeletionLimit)
	if err != nil {
		return nil, err
	}
	rows, err := f.db.read().query(ctx, `SELECT seq, collection_id, object_id FROM object_deletions
		WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, n)
	if err != nil {
		return nil, fmt.Errorf("find deletions: %w", err)
	}
	defer rows.Close()
	var out []*rampart.ObjectDeletion
	for rows.Next() {
		var d rampart.ObjectDeletion
		if err := rows.Scan(&d.Seq, &d.CollectionID, &d.ObjectID); err != nil {
			return nil, fmt.Errorf("find deletions: %w", err)
		}
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find deletions: %w", err)
	}
	return out, nil
}

// A Watch watches a store for other processes' writes until ctx is done:
// it calls ready once it watches (or has failed to start, so that nobody
// waits for it forever) and raise after each write it sees. raise never
// blocks.
type Watch func(ctx context.Context, ready, raise func())

// readyTimeout bounds how long the first Signal.C waits for its watch to
// be ready.
const readyTimeout = 5 * time.Second

// Signal is a coalescing signal raised by a Watch that starts on first
// use: the channel behind ChangeFeed.Changes. It is safe for concurrent
// use.
type Signal struct {
	watch Watch
	c     chan struct{}

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{} // closed when watch has returned
}

// NewSignal returns a Signal raised by watch.
func NewSignal(watch Watch) *Signal {
	return &Signal{watch: watch, c: make(chan struct{}, 1)}
}

// C returns the signal's channel (the same one every time), starting the
// watch on the first call and waiting until it is ready, at most
// readyTimeout. After Close it returns the closed channel.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return s.c
	}
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	ready := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(s.done)
		s.watch(ctx, func() { once.Do(func() { close(ready) }) }, s.raise)
	}()
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case <-ready:
	case <-s.done:
	case <-t.C:
	}
	return s.c
}

// raise sends on the channel unless a value is waiting there already.
func (s *Signal) raise() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// Close stops the watch, waits for it to return and closes the channel.
// Calling it again does nothing.
func (s *Signal) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.started {
		s.cancel()
		<-s.done
	}
	close(s.c)
}
