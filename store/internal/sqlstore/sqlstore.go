// Package sqlstore implements, once for both SQL stores, every service
// whose statements are alike in SQLite and PostgreSQL: API roots and
// collections, accounts with their grants and tokens, statuses, secrets,
// peers, organisations, settings, deliveries, the audit log and the
// reading side of the change feed. Each runs on a DB: database/sql pools
// (SQLite's own, or PostgreSQL's pgx pool through pgx's stdlib adapter)
// and a Dialect for what differs between the two. Unlike package sqlgen,
// whose statements each store runs with its own driver (pgx natively for
// objects, where COPY and arrays pay), this package runs its statements
// itself. What stays in each store is what truly differs: opening the
// database, its migrations, the change feed's signal and the object
// service.
//
// The stores construct these services and hand them out as they are
// (sqlite.NewServices returns the Services of this package);
// every service is safe for concurrent use, also by several processes on
// one database.
//
// Times are stored as integer microseconds since the Unix epoch, in both
// stores, but for the tables of PostgreSQL's first migrations, which keep
// timestamptz (see Dialect.Timestamptz); booleans are whatever the driver
// makes of a Go bool (an INTEGER 0 or 1 in SQLite, a boolean in
// PostgreSQL).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// DB is what the services run on. Its fields are set by the store that
// makes it, once, before any service uses it.
type DB struct {
	// Read runs reads; Write runs every transaction that writes. They may
	// be one pool. SQLite's Write has one connection, whose transactions
	// begin IMMEDIATE: a write transaction there excludes every other
	// writer of the file, in this process and in others.
	Read, Write *sql.DB
	Dialect     *Dialect
	// Now is the store clock.
	Now func() time.Time
	// Group, when set, runs fn in a write transaction that it may share
	// with the writes of other goroutines, each in a savepoint of its
	// own, and returns once that transaction has committed: fn's error as
	// it is (fn's part alone is then rolled back), or the transaction's
	// wrapped with what. weight is the number of rows or objects fn
	// writes. SQLite sets it (group commit: many writers share one sync of
	// the file); without it, the writes it serves commit on their own.
	Group func(ctx context.Context, what string, weight int, fn func(ctx context.Context, tx *sql.Tx) error) error
	// Notify, when set, runs in every transaction that changes a setting
	// or deletes a collection, before it commits: PostgreSQL tells the
	// other processes on the database (the change feed).
	Notify func(ctx context.Context, tx *sql.Tx) error
}

// Dialect is what the statements here differ in between the stores.
type Dialect struct {
	// Numbered writes placeholders as $1, $2, … (PostgreSQL) instead of ?
	// (SQLite). Statements here are written with ?, which bind rewrites.
	Numbered bool
	// Unique reports whether err is the violation of a UNIQUE or PRIMARY
	// KEY constraint (each driver has its own error type).
	Unique func(error) bool
	// ForUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends (" FOR UPDATE"); "" where a write transaction
	// excludes every other writer already (SQLite).
	ForUpdate string
	// KeyShare ends a SELECT that keeps the rows it reads from being
	// deleted (or their key changed) until the transaction ends, while
	// letting other readers lock them alike (" FOR KEY SHARE"); "" where
	// a write transaction excludes every other writer already.
	KeyShare string
	// AuditLock is the statement that AppendAudit's transaction runs
	// first, so that appends from every process follow one another; ""
	// where a write transaction excludes every other writer already.
	AuditLock string
	// LogLock is the statement that AppendLog's transaction runs first,
	// so that transparency log appends from every process follow one
	// another; "" where a write transaction excludes every other writer
	// already.
	LogLock string
	// Snapshot is the isolation level of a read transaction whose queries
	// must all see one snapshot of the database: sql.LevelDefault where
	// any read transaction does (SQLite in WAL mode),
	// sql.LevelRepeatableRead in PostgreSQL, whose default (read
	// committed) takes a snapshot per statement.
	Snapshot sql.IsolationLevel
	// Timestamptz says that the tables of the first migrations (API
	// roots, collections, accounts, tokens, statuses, peers, their
	// cursors and rejections) keep their times as timestamptz
	// (PostgreSQL) rather than as integer microseconds (SQLite). Either
	// way a time is written truncated to the microsecond, and read back
	// in UTC.
	Timestamptz bool
	// Arrays says that a list of strings (a collection's media types) is
	// an array column and parameter (text[], PostgreSQL) rather than JSON
	// text (SQLite).
	Arrays bool
	// DeleteCollection are statements that DeleteCollection runs before
	// it deletes a collection's objects, each with the collection's pk as
	// its one parameter: the store removes what it keeps of them
	// elsewhere (the search indexes).
	DeleteCollection []string

	// bound maps each statement bind has numbered to its numbered text.
	bound sync.Map
}

// bind returns query, written with ? placeholders, in the dialect's.
// Statements here hold no ? but placeholders. Numbered statements are
// kept once made: the services run a few dozen statements, each many
// times.
func (d *Dialect) bind(query string) string {
	if !d.Numbered {
		return query
	}
	if q, ok := d.bound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	rest := query
	for n := 1; ; n++ {
		i := strings.IndexByte(rest, '?')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		rest = rest[i+1:]
	}
	d.bound.Store(query, b.String())
	return b.String()
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs statements written with ? placeholders on a pool or a
// transaction, in the dialect's placeholders.
type conn struct {
	q querier
	d *Dialect
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.d.bind(query), args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.d.bind(query), args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.d.bind(query), args...)
}

// row is what the scan functions read: a *sql.Row or the current row of
// *sql.Rows.
type row interface{ Scan(...any) error }

// queryAll runs a query and returns every row as scan reads it.
func queryAll[T any](ctx context.Context, c conn, scan func(row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// read returns the reading pool as a conn.
func (db *DB) read() conn { return conn{db.Read, db.Dialect} }

// writer returns the writing pool as a conn, for a write of one
// statement.
func (db *DB) writer() conn { return conn{db.Write, db.Dialect} }

// now returns the store clock in microseconds.
func (db *DB) now() int64 { return versions.Micros(db.Now()) }

// writeGrouped runs fn, a write of a few rows, in a group transaction
// when the store has one (DB.Group), and on the writing pool otherwise.
func (db *DB) writeGrouped(ctx context.Context, what string, fn func(ctx context.Context, c conn) error) error {
	if db.Group == nil {
		return fn(ctx, db.writer())
	}
	return db.Group(ctx, what, 1, func(ctx context.Context, tx *sql.Tx) error {
		return fn(ctx, conn{tx, db.Dialect})
	})
}

// write runs fn in one write transaction and commits it when fn returns
// nil. An error of fn is returned as it is; one of the transaction itself
// is wrapped with what.
func (db *DB) write(ctx context.Context, what string, fn func(tx conn, sqlTx *sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(conn{tx, db.Dialect}, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// wrap returns err as it is when it is a *rampart.Error, which says what
// went wrong already, and as "what: err" otherwise.
func wrap(what string, err error) error {
	var e *rampart.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// limit returns the page size for a requested limit: def for 0, at most
// rampart.MaxPageSize, and EINVALID for a negative one.
func limit(what string, n, def int) (int, error) {
	switch {
	case n < 0:
		return 0, rampart.Errorf(rampart.EINVALID, "%s: limit must not be negative (got %d)", what, n)
	case n == 0:
		return def, nil
	}
	return min(n, rampart.MaxPageSize), nil
}
