package search

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// BackfillBatch is the number of versions one back-fill transaction
// indexes: small enough that the writers it holds up wait little.
const BackfillBatch = 2000

// backfillEvery is how often Backfill logs its progress.
const backfillEvery = 5 * time.Second

// Backfill indexes the versions stored before the indexes existed, which
// migration 0005 listed in the search_backfill table: for each
// collection, the latest versions with seqs in (done, last]. Each batch
// runs in a write transaction of its own that run provides (in
// PostgreSQL it locks the collection as its writers do), so that writers
// may go on between batches and several processes may back-fill at once;
// a batch that fails leaves done where it was, and the next Open goes on
// from there. It logs its progress to logger every few seconds, and does
// nothing when nothing is left to index. Once it has indexed something,
// it calls finish, when not nil (PostgreSQL gathers the statistics of the
// new rows there).
func Backfill(ctx context.Context, d *Dialect, logger *slog.Logger, run func(ctx context.Context, fn func(tx Conn) error) error, finish func(ctx context.Context) error) error {
	var left int64
	err := run(ctx, func(tx Conn) error {
		rows, closeRows, err := tx.Query(ctx, `SELECT count(*) FROM search_backfill b JOIN objects o ON o.collection = b.collection
			WHERE o.latest = `+d.bool(true)+` AND o.seq > b.done AND o.seq <= b.last`)
		if err != nil {
			return err
		}
		defer closeRows()
		if rows.Next() {
			err = rows.Scan(&left)
		}
		if err == nil {
			err = rows.Err()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("search back-fill: %w", err)
	}
	if left == 0 {
		// Nothing (or nothing any more) to index: forget the collections.
		if err := run(ctx, func(tx Conn) error { return tx.Exec(ctx, `DELETE FROM search_backfill`) }); err != nil {
			return fmt.Errorf("search back-fill: %w", err)
		}
		return nil
	}
	start := time.Now()
	logger.Info("indexing the objects stored before search existed", "objects", left)
	var indexed int64
	lastLog := start
	for {
		var n int
		var finished bool
		err := run(ctx, func(tx Conn) error {
			var err error
			n, finished, err = backfillBatch(ctx, d, tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("search back-fill (%d of %d objects indexed): %w", indexed, left, err)
		}
		indexed += int64(n)
		if finished {
			break
		}
		if now := time.Now(); now.Sub(lastLog) >= backfillEvery {
			lastLog = now
			logger.Info("indexing the objects stored before search existed", "indexed", indexed, "of", left,
				"per_second", int(float64(indexed)/now.Sub(start).Seconds()))
		}
	}
	if finish != nil {
		if err := finish(ctx); err != nil {
			return fmt.Errorf("search back-fill: %w", err)
		}
	}
	logger.Info("indexed the objects stored before search existed", "objects", indexed, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// bool writes a boolean literal of the dialect.
func (d *Dialect) bool(v bool) string {
	switch {
	case d.FTS5 && v:
		return "1"
	case d.FTS5:
		return "0"
	case v:
		return "TRUE"
	}
	return "FALSE"
}

// backfillBatch indexes up to BackfillBatch versions of the first
// collection left to back-fill, and reports how many, and whether none is
// left in any collection.
func backfillBatch(ctx context.Context, d *Dialect, tx Conn) (int, bool, error) {
	pk, ok, err := scanOne(ctx, tx, `SELECT collection FROM search_backfill ORDER BY collection LIMIT 1`)
	if err != nil || !ok {
		return 0, !ok, err
	}
	// The collection's row lock first, as its writers take it, then the
	// back-fill's own row, read again now that no writer of the
	// collection can change which of its versions are latest.
	c := strconv.FormatInt(pk, 10)
	if _, ok, err := scanOne(ctx, tx, `SELECT pk FROM collections WHERE pk = `+c+d.Lock); err != nil {
		return 0, false, err
	} else if !ok {
		return 0, false, tx.Exec(ctx, `DELETE FROM search_backfill WHERE collection = `+c)
	}
	rows, closeRows, err := tx.Query(ctx, `SELECT done, last FROM search_backfill WHERE collection = `+c+d.Lock)
	if err != nil {
		return 0, false, err
	}
	var done, last int64
	found := rows.Next()
	if found {
		err = rows.Scan(&done, &last)
	}
	if err == nil {
		err = rows.Err()
	}
	closeRows()
	if err != nil || !found {
		return 0, false, err // another process finished it
	}
	es, err := readEntries(ctx, tx, `SELECT seq, raw FROM objects WHERE collection = `+c+` AND latest = `+d.bool(true)+
		` AND seq > `+strconv.FormatInt(done, 10)+` AND seq <= `+strconv.FormatInt(last, 10)+
		` ORDER BY seq LIMIT `+strconv.Itoa(BackfillBatch))
	if err != nil {
		return 0, false, err
	}
	if len(es) > 0 {
		if err := insert(ctx, d, tx, pk, es); err != nil {
			return 0, false, err
		}
	}
	if len(es) < BackfillBatch {
		err = tx.Exec(ctx, `DELETE FROM search_backfill WHERE collection = `+c)
	} else {
		err = tx.Exec(ctx, `UPDATE search_backfill SET done = `+strconv.FormatInt(es[len(es)-1].Seq, 10)+` WHERE collection = `+c)
	}
	return len(es), false, err
}

// scanOne reads the one integer of a statement's first row; ok is false
// when it has none.
func scanOne(ctx context.Context, tx Conn, text string) (n int64, ok bool, err error) {
	rows, closeRows, err := tx.Query(ctx, text)
	if err != nil {
		return 0, false, err
	}
	defer closeRows()
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, false, err
		}
		ok = true
	}
	return n, ok, rows.Err()
}
