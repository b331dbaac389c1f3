package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// LogService keeps the leaves of the transparency log. It is safe for
// concurrent use, also by several processes on one database: appends
// follow one another (SQLite's single writer; an advisory lock in
// PostgreSQL), so that each leaf is numbered after the last one committed.
type LogService struct {
	db *DB
}

var _ rampart.LogService = (*LogService)(nil)

// NewLogService returns a LogService on db.
func NewLogService(db *DB) *LogService {
	return &LogService{db: db}
}

// AppendLog appends, in one transaction, the entries whose leaf hash the
// log does not hold, numbering them from the last Index plus one and
// stamping them with the store clock. It sets Index and At on those
// appended, once committed, and returns them in the order given.
func (s *LogService) AppendLog(ctx context.Context, entries []*rampart.LogEntry) ([]*rampart.LogEntry, error) {
	for i, e := range entries {
		switch {
		case e == nil:
			return nil, rampart.Errorf(rampart.EINVALID, "log entry %d: no entry", i)
		case len(e.LeafHash) != 32:
			return nil, rampart.Errorf(rampart.EINVALID, "log entry %d (%s): the leaf hash must be 32 bytes (got %d)", i, e.ObjectID, len(e.LeafHash))
		case e.Kind != rampart.LogObject && e.Kind != rampart.LogRegistry:
			return nil, rampart.Errorf(rampart.EINVALID, "log entry %d (%s): kind must be %q or %q (got %q)", i, e.ObjectID, rampart.LogObject, rampart.LogRegistry, e.Kind)
		case e.ObjectID == "":
			return nil, rampart.Errorf(rampart.EINVALID, "log entry %d: an object id is required", i)
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	var appended, stored []*rampart.LogEntry
	err := s.db.write(ctx, "append to the transparency log", func(tx conn, _ *sql.Tx) error {
		if lock := s.db.Dialect.LogLock; lock != "" {
			if _, err := tx.exec(ctx, lock); err != nil {
				return fmt.Errorf("append to the transparency log: lock: %w", err)
			}
		}
		next := int64(0)
		err := tx.queryRow(ctx, `SELECT idx FROM translog ORDER BY idx DESC LIMIT 1`).Scan(&next)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			next = 0
		case err != nil:
			return fmt.Errorf("append to the transparency log: %w", err)
		default:
			next++
		}
		at := s.db.now()
		for _, e := range entries {
			res, err := tx.exec(ctx, `INSERT INTO translog (idx, leaf_hash, kind, object_id, version, at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (leaf_hash) DO NOTHING`,
				next, e.LeafHash, e.Kind, e.ObjectID, e.Version, at)
			if err != nil {
				return fmt.Errorf("append to the transparency log: entry %d: %w", next, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("append to the transparency log: %w", err)
			} else if n == 0 {
				continue // held already
			}
			c := *e
			c.Index, c.At = next, versions.Time(at)
			appended, stored = append(appended, e), append(stored, &c)
			next++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, e := range appended {
		e.Index, e.At = stored[i].Index, stored[i].At
	}
	return appended, nil
}

// FindLogEntries returns up to n entries from index start on, in Index
// order (DefaultAuditLimit when n is 0, at most rampart.MaxPageSize). It
// returns EINVALID for a negative limit or start.
func (s *LogService) FindLogEntries(ctx context.Context, start int64, n int) ([]*rampart.LogEntry, error) {
	n, err := limit("find log entries", n, DefaultAuditLimit)
	if err != nil {
		return nil, err
	}
	if start < 0 {
		return nil, rampart.Errorf(rampart.EINVALID, "find log entries: start must not be negative (got %d)", start)
	}
	out, err := queryAll(ctx, s.db.read(), scanLogEntry, `SELECT idx, leaf_hash, kind, object_id, version, at FROM translog
		WHERE idx >= ? ORDER BY idx LIMIT ?`, start, n)
	if err != nil {
		return nil, fmt.Errorf("find log entries: %w", err)
	}
	return out, nil
}

// FindLogEntryByHash returns the entry with that leaf hash, ENOTFOUND
// when there is none.
func (s *LogService) FindLogEntryByHash(ctx context.Context, leafHash []byte) (*rampart.LogEntry, error) {
	rows, err := s.db.read().query(ctx, `SELECT idx, leaf_hash, kind, object_id, version, at FROM translog WHERE leaf_hash = ?`, leafHash)
	if err != nil {
		return nil, fmt.Errorf("find log entry: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("find log entry: %w", err)
		}
		return nil, rampart.Errorf(rampart.ENOTFOUND, "the transparency log has no entry with leaf hash %x", leafHash)
	}
	e, err := scanLogEntry(rows)
	if err != nil {
		return nil, fmt.Errorf("find log entry: %w", err)
	}
	return e, nil
}

// FindLogEntriesByObject returns the entries of an object's versions, in
// Index order, at most rampart.MaxPageSize.
func (s *LogService) FindLogEntriesByObject(ctx context.Context, objectID string) ([]*rampart.LogEntry, error) {
	out, err := queryAll(ctx, s.db.read(), scanLogEntry, `SELECT idx, leaf_hash, kind, object_id, version, at FROM translog
		WHERE object_id = ? ORDER BY idx LIMIT ?`, objectID, rampart.MaxPageSize)
	if err != nil {
		return nil, fmt.Errorf("find log entries of %s: %w", objectID, err)
	}
	return out, nil
}

func scanLogEntry(rows row) (*rampart.LogEntry, error) {
	var (
		e  rampart.LogEntry
		at int64
	)
	if err := rows.Scan(&e.Index, &e.LeafHash, &e.Kind, &e.ObjectID, &e.Version, &at); err != nil {
		return nil, err
	}
	e.At = versions.Time(at)
	return &e, nil
}
