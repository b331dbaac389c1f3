package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/search"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

var _ rampart.SearchService = (*ObjectService)(nil)

// SearchObjects returns one page of the objects of the collections that
// match q, from the FTS5 table search_text and the value index
// object_values, in one read transaction. See rampart.SearchService.
func (s *ObjectService) SearchObjects(ctx context.Context, q rampart.SearchQuery) (*rampart.SearchPage, error) {
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search objects: %w", err)
	}
	defer tx.Rollback()
	return search.Find[int64, sql.RawBytes](ctx, search.SQLite, q, txConn{tx: tx}.rows, versions.Time)
}

// txConn is a transaction as package search uses it. prepared holds the
// statements of search.Prepared, prepared on the write connection; nil
// in a read transaction.
type txConn struct {
	tx       *sql.Tx
	prepared map[string]*sql.Stmt
}

var _ search.Conn = txConn{}

func (c txConn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.tx.ExecContext(ctx, query, args...)
	return err
}

// ExecPrepared runs query with the statement prepared for it on the write
// connection, or as Exec would when there is none.
func (c txConn) ExecPrepared(ctx context.Context, query string, args ...any) error {
	st := c.prepared[query]
	if st == nil {
		return c.Exec(ctx, query, args...)
	}
	txst := c.tx.StmtContext(ctx, st)
	defer txst.Close()
	_, err := txst.ExecContext(ctx, args...)
	return err
}

func (c txConn) Query(ctx context.Context, query string, args ...any) (sqlgen.Rows, func(), error) {
	return c.rows(ctx, query, args)
}

func (c txConn) rows(ctx context.Context, query string, args []any) (sqlgen.Rows, func(), error) {
	rows, err := c.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	return rows, func() { rows.Close() }, nil
}

// backfill indexes the objects stored before migration 0005 (see
// search.Backfill), in group transactions of the committer.
func (db *DB) backfill(ctx context.Context) error {
	return search.Backfill(ctx, db.index(), db.logger(), func(ctx context.Context, fn func(search.Conn) error) error {
		return db.group.do(ctx, "index objects", search.BackfillBatch, func(ctx context.Context, tx *sql.Tx) error {
			return fn(txConn{tx, db.prepared})
		})
	}, nil)
}
