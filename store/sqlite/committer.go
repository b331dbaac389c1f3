package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// groupObjects bounds the objects of one group transaction: a group takes
// queued writes, oldest first, until the next would pass the bound, so
// that the small writes of many clients share a commit while a large one
// (a POST batch of thousands of objects, an import) is committed in a
// group of its own and does not make each small write wait for all of it
// to be written first. A write larger than the bound forms a group alone.
const groupObjects = 1000

// errClosed is what a write gets once the store is closed.
var errClosed = errors.New("the store is closed")

// A committer runs the writes of many goroutines in shared transactions:
// group commit. SQLite has one writer at a time, and with SyncFull each
// commit waits for the WAL to reach the disk; writes that each commit
// alone queue behind one another's syncs. The committer's goroutine takes
// every write queued while the previous transaction committed, runs them
// in one transaction, each in a SAVEPOINT of its own, and commits once.
//
// A write that fails (ENOTFOUND, ECONFLICT, a statement's error) rolls
// back to its savepoint, undoing its own part only, and gets its own
// error; the others of the group commit. A write is told that it
// succeeded only once its group's transaction has committed, so an
// acknowledged write is as durable as one that committed alone. Should
// the transaction itself fail (a failed COMMIT, an I/O error that ends it),
// every write it ran gets that error and none of them is stored.
//
// Cancellation: a write whose context ends while it is queued is
// withdrawn, and its caller gets the context's error: it was not
// started and nothing of it is stored. Once the committer has started a
// write, its context no longer matters (the write's statements run
// without it, since interrupting a statement could end the transaction
// of the whole group): the caller waits for the commit and gets the
// write's true outcome, even though its context ended meanwhile.
//
// A committer is safe for concurrent use.
type committer struct {
	db    *sql.DB
	limit int // objects per group

	mu     sync.Mutex
	queue  []*groupWrite
	closed bool
	wake   chan struct{} // a write was queued; capacity 1
	stop   chan struct{}
	done   chan struct{}

	// groups and writes count the transactions committed and the writes
	// they committed (tests read them).
	groups, writes atomic.Int64
}

// States of a groupWrite.
const (
	writeQueued int32 = iota
	writeStarted
	writeWithdrawn
)

// groupWrite is one write waiting for, or in, a group.
type groupWrite struct {
	ctx    context.Context
	what   string
	weight int
	fn     func(ctx context.Context, tx *sql.Tx) error
	state  atomic.Int32
	err    error         // set before done is closed
	done   chan struct{} // closed with the write's outcome
}

func (w *groupWrite) finish(err error) {
	w.err = err
	close(w.done)
}

// newCommitter returns a committer writing to db, whose goroutine runs
// until close.
func newCommitter(db *sql.DB, limit int) *committer {
	c := &committer{db: db, limit: limit, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in a group transaction, in a savepoint of its own, and
// returns once the transaction has committed: fn's error as it is, or the
// transaction's, wrapped with what. weight is the number of objects the
// write stores (1 for a write of one row). fn gets a context that carries
// ctx's values but is never cancelled. do returns ctx's error when ctx
// ends before the write is started (then nothing of it is stored) and
// errClosed once the committer is closed.
func (c *committer) do(ctx context.Context, what string, weight int, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &groupWrite{ctx: ctx, what: what, weight: max(weight, 1), fn: fn, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("%s: %w", what, errClosed)
	}
	c.queue = append(c.queue, w)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		if w.state.CompareAndSwap(writeQueued, writeWithdrawn) {
			return ctx.Err()
		}
		// Started: its outcome is what the caller must hear.
		<-w.done
		return w.err
	}
}

// close commits the writes still queued, then stops the committer; later
// writes get errClosed. It is safe to call again.
func (c *committer) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	<-c.done
}

// queued returns the number of writes waiting for a group (tests).
func (c *committer) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.queue {
		if w.state.Load() == writeQueued {
			n++
		}
	}
	return n
}

func (c *committer) run() {
	defer close(c.done)
	for {
		for {
			g := c.take()
			if len(g) == 0 {
				break
			}
			c.commit(g)
		}
		select {
		case <-c.wake:
		case <-c.stop:
			// Closed: no write is queued any more; commit those that were.
			for g := c.take(); len(g) > 0; g = c.take() {
				c.commit(g)
			}
			return
		}
	}
}

// take removes from the queue the next group: the oldest writes, up to
// the limit, and at least one.
func (c *committer) take() []*groupWrite {
	c.mu.Lock()
	defer c.mu.Unlock()
	var g []*groupWrite
	weight, i := 0, 0
	for ; i < len(c.queue); i++ {
		w := c.queue[i]
		if w.state.Load() == writeWithdrawn {
			continue
		}
		if len(g) > 0 && weight+w.weight > c.limit {
			break
		}
		g = append(g, w)
		weight += w.weight
	}
	clear(c.queue[:i])
	c.queue = c.queue[i:]
	return g
}

// requeue puts writes not started back at the head of the queue.
func (c *committer) requeue(ws []*groupWrite) {
	if len(ws) == 0 {
		return
	}
	c.mu.Lock()
	c.queue = append(ws[:len(ws):len(ws)], c.queue...)
	c.mu.Unlock()
}

// commit runs the writes of g in one transaction and tells each its
// outcome.
func (c *committer) commit(g []*groupWrite) {
	// The transaction is the group's: no caller's context may end it.
	ctx := context.Background()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		for _, w := range g {
			if w.state.CompareAndSwap(writeQueued, writeStarted) {
				w.finish(fmt.Errorf("%s: %w", w.what, err))
			}
		}
		return
	}
	var ran []*groupWrite // stored in tx, waiting for the commit
	fail := func(err error, rest []*groupWrite) {
		tx.Rollback()
		for _, w := range ran {
			w.finish(fmt.Errorf("%s: %w", w.what, err))
		}
		c.requeue(rest)
	}
	for i, w := range g {
		if w.ctx.Err() != nil && w.state.CompareAndSwap(writeQueued, writeWithdrawn) {
			w.finish(w.ctx.Err())
			continue
		}
		if !w.state.CompareAndSwap(writeQueued, writeStarted) {
			continue // withdrawn
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT write`); err != nil {
			w.finish(fmt.Errorf("%s: %w", w.what, err))
			fail(err, g[i+1:])
			return
		}
		if err := w.fn(context.WithoutCancel(w.ctx), tx); err != nil {
			// Undo this write alone; should that fail, the transaction
			// is lost with every write in it.
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO write; RELEASE write`); rerr != nil {
				w.finish(err)
				fail(rerr, g[i+1:])
				return
			}
			w.finish(err)
			continue
		}
		if _, err := tx.ExecContext(ctx, `RELEASE write`); err != nil {
			ran = append(ran, w)
			fail(err, g[i+1:])
			return
		}
		ran = append(ran, w)
	}
	if len(ran) == 0 {
		tx.Rollback()
		return
	}
	err = tx.Commit()
	if err == nil {
		c.groups.Add(1)
		c.writes.Add(int64(len(ran)))
	}
	for _, w := range ran {
		if err != nil {
			w.finish(fmt.Errorf("%s: %w", w.what, err))
		} else {
			w.finish(nil)
		}
	}
}
