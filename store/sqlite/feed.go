package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/sqlstore"
)

var _ rampart.ChangeFeed = (*sqlstore.ChangeFeed)(nil)

// NewChangeFeed returns the ChangeFeed of db: what other processes write
// to the file. Its Changes channel receives a value within about
// PollInterval of another process's commit (of any write to the file, not
// only of objects and settings), and not for this DB's own writes. It is
// closed by db.Close. The feed is safe for concurrent use.
func NewChangeFeed(db *DB) *sqlstore.ChangeFeed {
	return sqlstore.NewChangeFeed(db.shared, db.changes)
}

// PollInterval is how often the change feed asks SQLite whether another
// process wrote to the file, once Changes was called.
const PollInterval = 100 * time.Millisecond

// watch is the change feed's sqlstore.Watch. It polls PRAGMA data_version
// on the writing connection: the number changes when another connection
// committed to the file, and this DB writes only through that connection,
// so what changes it is another process's write. (Should the pool have
// to replace the connection, the new one's number differs: one needless
// signal.)
func (db *DB) watch(ctx context.Context, ready, raise func()) {
	last, err := db.dataVersion(ctx)
	known := err == nil
	ready()
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := db.dataVersion(ctx)
		if err != nil {
			continue // busy or closing: the next tick tells
		}
		// Without a known version, a write may have gone unseen.
		if !known || v != last {
			raise()
		}
		last, known = v, true
	}
}

func (db *DB) dataVersion(ctx context.Context) (int64, error) {
	if db.write == nil {
		return 0, errors.New("the store is not open")
	}
	var v int64
	err := db.write.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
	return v, err
}
