package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/rampart-cti/rampart/store/internal/search"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DefaultMaxConns is the size of a pool that nothing sizes. Each TAXII
// write holds a connection while its commit waits for the WAL to reach the
// disk; with pgxpool's own default (the number of CPUs, at least 4), 200
// concurrent writers on a 2-core machine queued for 4 connections: 116
// POSTs/s, p99 3.1 s, against 304 POSTs/s, p99 1.2 s with 16
// (docs/PERFORMANCE.md, "Concurrent writers"). A larger pool gained little
// more (32) or lost (64).
const DefaultMaxConns = 16

// DB is a Rampart store in a PostgreSQL database, reached through a pgx
// connection pool. Several processes may serve one database: writers to a
// collection serialise on its row, and nothing is cached in a process.
//
// Create one with NewDB, set fields, then Open. A DB is safe for concurrent
// use once open.
type DB struct {
	// DSN is a libpq connection string or URL, e.g.
	// "postgres://rampart@db.example/rampart?sslmode=verify-full".
	DSN string
	// MaxConns is the size of the pool; when 0, the DSN's pool_max_conns,
	// or else DefaultMaxConns (or the number of CPUs, if larger).
	MaxConns int32
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

	pool *pgxpool.Pool
	// sqlDB is the pool as a database/sql one, for the services of
	// store/internal/sqlstore, which run on shared: made with the DB,
	// filled in by Open.
	sqlDB  *sql.DB
	shared *sqlstore.DB
	// tracer, when set before Open, sees every query (tests count them).
	tracer pgx.QueryTracer

	// The change feed: changes is its signal, raised by listen on a
	// connection of its own made from listenConfig; token is this DB's
	// payload in the notifications it sends, so that it can tell its own
	// writes from others'.
	changes      *sqlstore.Signal
	listenConfig *pgx.ConnConfig
	token        string
}

// NewDB returns a DB for the database at dsn; call Open before use.
func NewDB(dsn string) *DB {
	db := &DB{DSN: dsn, Now: time.Now, shared: new(sqlstore.DB)}
	db.changes = sqlstore.NewSignal(db.listen)
	return db
}

// Open connects to the database and applies the migrations it has not seen
// yet, each in its own transaction under an advisory lock, so that
// processes opening one database at once apply each migration once. It
// fails when the server cannot be reached or a migration fails (the failed
// migration leaves no trace).
func (db *DB) Open(ctx context.Context) (err error) {
	if db.Now == nil {
		db.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(db.DSN)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return errors.New("open store: the PostgreSQL connection string cannot be parsed")
	}
	switch {
	case db.MaxConns > 0:
		cfg.MaxConns = db.MaxConns
	case !strings.Contains(db.DSN, "pool_max_conns"):
		cfg.MaxConns = max(cfg.MaxConns, DefaultMaxConns)
	}
	if db.tracer != nil {
		cfg.ConnConfig.Tracer = db.tracer
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.Close()
		return fmt.Errorf("open store: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return fmt.Errorf("open store: %w", err)
	}
	if err := db.backfill(ctx); err != nil {
		db.Close()
		return fmt.Errorf("open store: %w", err)
	}
	db.listenConfig = cfg.ConnConfig.Copy()
	db.listenConfig.Tracer = nil
	db.token = rand.Text()
	db.sqlDB = stdlib.OpenDBFromPool(db.pool)
	if db.shared == nil {
		db.shared = new(sqlstore.DB)
	}
	if db.changes == nil {
		db.changes = sqlstore.NewSignal(db.listen)
	}
	*db.shared = sqlstore.DB{
		Read:    db.sqlDB,
		Write:   db.sqlDB,
		Dialect: dialect,
		Now:     func() time.Time { return db.Now() },
		Notify: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, notifyStatement, db.token)
			return err
		},
	}
	return nil
}

// Advisory lock keys, in the one space of the database's advisory locks.
const (
	// migrationLock is taken while migrating.
	migrationLock = 0x72616d70 // "ramp"
	// auditLock is taken by AppendAudit, so that appends from every
	// process follow one another.
	auditLock = 0x72617564 // "raud"
	// deletionLock is taken by DeleteObjects before it records a
	// deletion, so that deletions are numbered in commit order.
	deletionLock = 0x7264656c // "rdel"
	// logLock is taken by AppendLog, so that transparency log appends
	// from every process follow one another.
	logLock = 0x72746c67 // "rtlg"
)

// dialect is PostgreSQL's for store/internal/sqlstore.
var dialect = &sqlstore.Dialect{
	Numbered:    true,
	Unique:      isUnique,
	ForUpdate:   " FOR UPDATE",
	KeyShare:    " FOR KEY SHARE",
	AuditLock:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", auditLock),
	LogLock:     fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", logLock),
	Snapshot:    sql.LevelRepeatableRead,
	Timestamptz: true,
	Arrays:      true,

	DeleteCollection: search.DeleteCollection(search.PostgreSQL),
}

func (db *DB) logger() *slog.Logger {
	if db.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return db.Logger
}

// Close closes the pool and the channel of the change feed; it is safe to
// call on a DB that failed to open, and again.
func (db *DB) Close() error {
	if db.changes != nil {
		db.changes.Close()
	}
	if db.sqlDB != nil {
		db.sqlDB.Close() // does not close the pool
		db.sqlDB = nil
	}
	if db.pool != nil {
		db.pool.Close()
		db.pool = nil
	}
	return nil
}

// migrate applies, in name order, each embedded migration not yet recorded
// in the migrations table, each in its own transaction with its record.
func (db *DB) migrate(ctx context.Context) error {
	return sqlgen.Migrate(migrationFS, func(name, text string) error { return db.applyMigration(ctx, name, text) })
}

func (db *DB) applyMigration(ctx context.Context, name, text string) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name text PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM migrations WHERE name = $1`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	// Simple protocol: a migration file holds several statements.
	if _, err := tx.Exec(ctx, text, pgx.QueryExecModeSimpleProtocol); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO migrations (name, applied_at) VALUES ($1, $2)`, name, db.Now()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Migrations returns the names of the applied migrations, in order.
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// index is the search dialect of the store's writes: the values patterns
// name read with PatternValues.
func (db *DB) index() *search.Dialect {
	return search.PostgreSQL.With(search.PatternValues(db.PatternValues))
}
