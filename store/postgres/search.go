package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/search"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
)

var _ rampart.SearchService = (*ObjectService)(nil)

// SearchObjects returns one page of the objects of the collections that
// match q, from the tsvector column search_docs.doc (GIN index) and the
// value index object_values, in one read transaction that sees one
// snapshot. See rampart.SearchService.
func (s *ObjectService) SearchObjects(ctx context.Context, q rampart.SearchQuery) (*rampart.SearchPage, error) {
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("search objects: %w", err)
	}
	defer tx.Rollback(ctx)
	// The statements of searches are alike but for their values, whose
	// frequencies decide the plan: a generic plan made for all of them
	// (which PostgreSQL may adopt after five executions of a prepared
	// statement) read a million rows to find one rare word's.
	if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
		return nil, fmt.Errorf("search objects: %w", err)
	}
	return search.Find[time.Time, pgtype.DriverBytes](ctx, search.PostgreSQL, q, txConn{tx}.rows, time.Time.UTC)
}

// txConn is a transaction as package search uses it.
type txConn struct{ tx pgx.Tx }

var _ search.Conn = txConn{}

func (c txConn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.tx.Exec(ctx, query, args...)
	return err
}

// ExecPrepared is Exec: pgx keeps the statements it runs prepared.
func (c txConn) ExecPrepared(ctx context.Context, query string, args ...any) error {
	return c.Exec(ctx, query, args...)
}

func (c txConn) Query(ctx context.Context, query string, args ...any) (sqlgen.Rows, func(), error) {
	return c.rows(ctx, query, args)
}

func (c txConn) rows(ctx context.Context, query string, args []any) (sqlgen.Rows, func(), error) {
	rows, err := c.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	return rows, rows.Close, nil
}

// backfill indexes the objects stored before migration 0005 (see
// search.Backfill), each batch in a transaction of its own that locks the
// collection as its writers do.
func (db *DB) backfill(ctx context.Context) error {
	return search.Backfill(ctx, db.index(), db.logger(), func(ctx context.Context, fn func(search.Conn) error) error {
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if err := fn(txConn{tx}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}, func(ctx context.Context) error {
		// The planner needs the words' statistics to choose between
		// the indexes; autovacuum would gather them only later.
		_, err := db.pool.Exec(ctx, `ANALYZE search_docs`)
		return err
	})
}
