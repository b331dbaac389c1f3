package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/sqlstore"
)

var _ rampart.ChangeFeed = (*sqlstore.ChangeFeed)(nil)

// NewChangeFeed returns the ChangeFeed of db: what other processes write
// to the database. Every transaction that creates or deletes objects
// (deleting a collection too), or sets or deletes a setting, notifies the
// channel rampart_changes with
// its DB's token; the feed LISTENs on a connection of its own, opened by
// the first Changes call, and its channel receives a value for every
// notification but this DB's own. It is closed by db.Close. The feed is
// safe for concurrent use.
func NewChangeFeed(db *DB) *sqlstore.ChangeFeed {
	return sqlstore.NewChangeFeed(db.shared, db.changes)
}

// notifyStatement tells the processes listening (the change feed) that
// the transaction that runs it changed objects or settings; its argument
// is the writer's token. Notifications are delivered on commit, and not
// at all on rollback.
const notifyStatement = `SELECT pg_notify('rampart_changes', $1)`

// notify runs notifyStatement in tx.
func (db *DB) notify(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, notifyStatement, db.token)
	return err
}

// How long listen waits before it connects again, doubling from
// minReconnect to maxReconnect while the server cannot be reached.
const (
	minReconnect = 100 * time.Millisecond
	maxReconnect = 5 * time.Second
)

// listen is the change feed's sqlstore.Watch: it LISTENs on a connection
// of its own and raises the signal for every notification another DB
// sent. When the connection drops it connects again, with back-off, and
// raises the signal once connected, since notifications sent meanwhile
// are lost.
func (db *DB) listen(ctx context.Context, ready, raise func()) {
	wait := minReconnect
	for attempt := 0; ; attempt++ {
		conn, err := db.listenConn(ctx)
		ready() // also after a failure: nobody waits for a server that is down
		if err == nil {
			if attempt > 0 {
				raise()
			}
			wait = minReconnect
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					break
				}
				if n.Payload != db.token {
					raise()
				}
			}
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			conn.Close(closeCtx)
			cancel()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, maxReconnect)
	}
}

// listenConn connects and listens to rampart_changes.
func (db *DB) listenConn(ctx context.Context) (*pgx.Conn, error) {
	if db.listenConfig == nil {
		return nil, errors.New("the store is not open")
	}
	conn, err := pgx.ConnectConfig(ctx, db.listenConfig)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN rampart_changes`); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}
