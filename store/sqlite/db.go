package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"

	"github.com/rampart-cti/rampart/store/internal/search"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/sqlstore"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Synchronous settings for DB.Synchronous.
const (
	// SyncFull makes every commit durable: SQLite syncs the WAL before a
	// commit returns, so an acknowledged write survives a crash of the
	// process and of the operating system or a power loss. It is the
	// default: ingest commits once per bundle, so the sync is paid per
	// request, not per object.
	SyncFull = "full"
	// SyncNormal syncs only at checkpoints. A committed write survives a
	// crash (kill -9) of the process, since it is in the WAL file, but the
	// last commits may be lost if the operating system crashes or the power
	// fails.
	SyncNormal = "normal"
)

// DB is a Rampart store in one SQLite file, in WAL mode. One connection
// writes (SQLite allows one writer at a time; a Go-side pool of one queues
// writers without busy-waiting) and a pool of read-only connections reads
// concurrently with it.
//
// Object writes (CreateObjects, RestoreObjects) and new statuses, the
// writes every TAXII POST makes, are committed in groups: those that
// goroutines make while a transaction commits are run together in the
// next, each in a savepoint of its own, so that many concurrent writers
// share one sync of the WAL instead of queuing behind one each. A write
// that fails rolls back its own part and gets its own error; the others
// commit. Each returns once its group has committed, so an acknowledged
// write is durable as before. A write whose context ends while it waits
// for its group is not started and returns the context's error; once
// started, it runs to its end and the caller gets its outcome whatever
// its context.
//
// Create one with NewDB, set fields, then Open. A DB is safe for concurrent
// use once open.
type DB struct {
	// Path is the database file; it is created when missing.
	Path string
	// Synchronous is SyncFull (the default when empty) or SyncNormal.
	Synchronous string
	// Readers is the size of the read pool (default: 2 × GOMAXPROCS, at
	// least 4).
	Readers int
	// Now is the clock that DateAdded and CreatedAt values come from
	// (default time.Now); tests replace it.
	Now func() time.Time
	// Logger receives what Open has to say while it takes time: the
	// progress of indexing, for search, the objects of a store made
	// before search existed (discarded when nil).
	Logger *slog.Logger

	// PatternValues, set before Open, reads the values an indicator's
	// STIX pattern names, which search indexes (the node gives the
	// pattern package's reader); nil, patterns are indexed as words.
	PatternValues func(pattern string) (values []string, ok bool)

	write *sql.DB
	// prepared are the statements of search.Prepared and the full
	// INSERT of insertVersions, prepared on write.
	prepared map[string]*sql.Stmt
	read     *sql.DB
	// shared is what the services of store/internal/sqlstore run on:
	// made with the DB, filled in by Open.
	shared *sqlstore.DB
	// changes is the change feed's signal, raised by watch.
	changes *sqlstore.Signal
	// group commits object writes and statuses in groups; it runs
	// from Open to Close.
	group *committer
	// trace, when set before Open, sees the text of every statement run
	// (tests count queries with it).
	trace func(sql string)
}

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB {
	db := &DB{Path: path, Synchronous: SyncFull, Now: time.Now, shared: new(sqlstore.DB)}
	db.changes = sqlstore.NewSignal(db.watch)
	return db
}

// Open opens the database, creating it when missing, and applies the
// migrations it has not seen yet. It fails when the file cannot be opened
// or a migration fails (the failed migration leaves no trace).
func (db *DB) Open(ctx context.Context) (err error) {
	if db.Path == "" {
		return fmt.Errorf("open store: a database path is required")
	}
	if db.Synchronous == "" {
		db.Synchronous = SyncFull
	}
	if db.Synchronous != SyncFull && db.Synchronous != SyncNormal {
		return fmt.Errorf("open store %q: synchronous must be %q or %q (got %q)", db.Path, SyncFull, SyncNormal, db.Synchronous)
	}
	if db.Now == nil {
		db.Now = time.Now
	}
	if db.Readers <= 0 {
		db.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	defer func() {
		if err != nil {
			db.Close()
			err = fmt.Errorf("open store %q: %w", db.Path, err)
		}
	}()

	// The database holds password hashes and node secrets: create it
	// readable by its owner only (its WAL and shared-memory files follow
	// below, once they exist).
	f, err := os.OpenFile(db.Path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()

	db.write, err = driver.Open(db.Path, func(c *sqlite3.Conn) error {
		if err := db.initConn(c); err != nil {
			return err
		}
		return c.Exec(`PRAGMA busy_timeout = 10000;
			PRAGMA foreign_keys = ON;
			PRAGMA journal_mode = WAL;
			PRAGMA synchronous = ` + db.Synchronous + `;
			PRAGMA cache_size = -65536;
			PRAGMA temp_store = MEMORY;
			PRAGMA wal_autocheckpoint = 16384;`)
	})
	if err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(db.Path+suffix, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}

	// The statements every write runs are prepared once, here, while
	// no transaction holds the one write connection (preparing one
	// through db.write inside a transaction would wait for it forever).
	db.prepared = make(map[string]*sql.Stmt)
	for _, q := range append(search.Prepared(), insertStatement(insertRows)) {
		st, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %.40q…: %w", q, err)
		}
		db.prepared[q] = st
	}

	db.read, err = driver.Open(db.Path, func(c *sqlite3.Conn) error {
		if err := db.initConn(c); err != nil {
			return err
		}
		return c.Exec(`PRAGMA busy_timeout = 10000;
			PRAGMA foreign_keys = ON;
			PRAGMA cache_size = -32768;
			PRAGMA query_only = ON;`)
	})
	if err != nil {
		return err
	}
	db.read.SetMaxOpenConns(db.Readers)
	db.read.SetMaxIdleConns(db.Readers)
	if err := db.read.PingContext(ctx); err != nil {
		return err
	}
	db.group = newCommitter(db.write, groupObjects)
	if db.shared == nil {
		db.shared = new(sqlstore.DB)
	}
	if db.changes == nil {
		db.changes = sqlstore.NewSignal(db.watch)
	}
	*db.shared = sqlstore.DB{
		Read:    db.read,
		Write:   db.write,
		Dialect: dialect,
		Now:     func() time.Time { return db.Now() },
		Group:   db.group.do,
	}
	return db.backfill(ctx)
}

func (db *DB) logger() *slog.Logger {
	if db.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return db.Logger
}

// dialect is SQLite's for store/internal/sqlstore: ? placeholders; no
// locks, since every write transaction begins IMMEDIATE on the one
// writing connection and so excludes every other writer of the file; any
// read transaction reads one snapshot (WAL); times are integer
// microseconds and lists JSON text.
var dialect = &sqlstore.Dialect{Unique: isUnique, DeleteCollection: search.DeleteCollection(search.SQLite)}

// initConn readies a new connection: the FTS5 extension (search), and
// the trace of its statements when one is set.
func (db *DB) initConn(c *sqlite3.Conn) error {
	if err := fts5.Register(c); err != nil {
		return err
	}
	if db.trace == nil {
		return nil
	}
	return c.Trace(sqlite3.TRACE_STMT, func(_ sqlite3.TraceEvent, _, text any) error {
		if s, ok := text.(string); ok {
			db.trace(s)
		}
		return nil
	})
}

// Close closes the database and the channel of its change feed; it is
// safe to call on a DB that failed to open, and again. Before closing it
// lets SQLite refresh its query planner statistics.
func (db *DB) Close() error {
	if db.changes != nil {
		db.changes.Close() // stops watch, which uses db.write
	}
	if db.group != nil {
		db.group.close() // commits the writes queued, on db.write
		db.group = nil
	}
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
		db.read = nil
	}
	for _, st := range db.prepared {
		errs = append(errs, st.Close())
	}
	db.prepared = nil
	if db.write != nil {
		_, err := db.write.Exec(`PRAGMA optimize`)
		errs = append(errs, err, db.write.Close())
		db.write = nil
	}
	return errors.Join(errs...)
}

// migrate applies, in name order, each embedded migration not yet recorded
// in the migrations table, each in its own transaction with its record.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	return sqlgen.Migrate(migrationFS, func(name, text string) error { return db.applyMigration(ctx, name, text) })
}

func (db *DB) applyMigration(ctx context.Context, name, text string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, text); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`,
		name, versions.Micros(db.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// now returns the store clock in microseconds.
func (db *DB) now() int64 { return versions.Micros(db.Now()) }

// Migrations returns the names of the applied migrations, in order.
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		names = append(names, s)
	}
	return names, rows.Err()
}

// isUnique reports whether err is a violation of a UNIQUE or PRIMARY KEY
// constraint.
func isUnique(err error) bool {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		x := e.ExtendedCode()
		return x == sqlite3.CONSTRAINT_UNIQUE || x == sqlite3.CONSTRAINT_PRIMARYKEY
	}
	return false
}

// index is the search dialect of the store's writes: the values patterns
// name read with PatternValues.
func (db *DB) index() *search.Dialect {
	return search.SQLite.With(search.PatternValues(db.PatternValues))
}
