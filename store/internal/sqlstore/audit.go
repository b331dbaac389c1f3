package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// DefaultAuditLimit is the page size of FindAudit and FindAuditCheckpoints
// when none is given.
const DefaultAuditLimit = 1000

// AuditService keeps the log of what was shared with whom. It is safe for
// concurrent use, also by several processes on one database: appends
// follow one another (SQLite's single writer; an advisory lock in
// PostgreSQL), so that each record is numbered and chained after the
// last one committed.
type AuditService struct {
	db *DB
}

var _ rampart.AuditService = (*AuditService)(nil)

// NewAuditService returns an AuditService on db.
func NewAuditService(db *DB) *AuditService {
	return &AuditService{db: db}
}

// checkAuditRecord returns EINVALID, naming the field, for a record that
// cannot be appended.
func checkAuditRecord(i int, r *rampart.AuditRecord) error {
	switch {
	case r == nil:
		return rampart.Errorf(rampart.EINVALID, "audit record %d: no record", i)
	case r.ObjectID == "" || r.Recipient == "" || r.Via == "":
		return rampart.Errorf(rampart.EINVALID, "audit record %d: an object id, a recipient and a via are required (got %q, %q, %q)", i, r.ObjectID, r.Recipient, r.Via)
	case r.Channel != rampart.AuditPeer && r.Channel != rampart.AuditAccount:
		return rampart.Errorf(rampart.EINVALID, "audit record %d (%s to %s): channel must be %q or %q (got %q)", i, r.ObjectID, r.Recipient, rampart.AuditPeer, rampart.AuditAccount, r.Channel)
	}
	return nil
}

// AppendAudit appends, in one transaction, the records the log does not
// hold yet (same object version, recipient, channel and via), numbering
// them from the last record's Seq plus one, stamping them with the store
// clock (never earlier than the last record's At, so At grows with Seq)
// and chaining each one's Hash to the one before. It sets Seq, At and Hash
// on the records appended, once they are committed, and returns them in
// the order given. It returns EINVALID, naming the record, for one that
// cannot be appended, and then appends none.
func (s *AuditService) AppendAudit(ctx context.Context, records []*rampart.AuditRecord) ([]*rampart.AuditRecord, error) {
	for i, r := range records {
		if err := checkAuditRecord(i, r); err != nil {
			return nil, err
		}
	}
	if len(records) == 0 {
		return nil, nil
	}
	var appended, stored []*rampart.AuditRecord
	err := s.db.write(ctx, "append to the audit log", func(tx conn, _ *sql.Tx) error {
		if lock := s.db.Dialect.AuditLock; lock != "" {
			if _, err := tx.exec(ctx, lock); err != nil {
				return fmt.Errorf("append to the audit log: lock: %w", err)
			}
		}
		var (
			seq, at int64
			prev    []byte
		)
		err := tx.queryRow(ctx, `SELECT seq, at, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &at, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("append to the audit log: %w", err)
		}
		at = max(at, s.db.now())
		for _, r := range records {
			c := *r
			c.Seq, c.At = seq+1, versions.Time(at)
			c.Hash = rampart.AuditHash(prev, &c)
			// A record held already is left out: its unique key makes the
			// insert do nothing, and the next record takes its Seq.
			res, err := tx.exec(ctx, `INSERT INTO audit (seq, at, object_id, version, recipient, channel, via, sealed, hash)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (object_id, version, recipient, channel, via) DO NOTHING`,
				c.Seq, at, c.ObjectID, c.Version, c.Recipient, c.Channel, c.Via, c.Sealed, c.Hash)
			if err != nil {
				return fmt.Errorf("append to the audit log: record %d: %w", c.Seq, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("append to the audit log: %w", err)
			} else if n == 0 {
				continue
			}
			seq, prev = c.Seq, c.Hash
			appended, stored = append(appended, r), append(stored, &c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range appended {
		r.Seq, r.At, r.Hash = stored[i].Seq, stored[i].At, stored[i].Hash
	}
	return appended, nil
}

// FindAudit returns the records the filter selects, in Seq order, at most
// f.Limit (DefaultAuditLimit when 0, at most rampart.MaxPageSize). It
// returns EINVALID for a negative limit.
func (s *AuditService) FindAudit(ctx context.Context, f rampart.AuditFilter) ([]*rampart.AuditRecord, error) {
	n, err := limit("find audit records", f.Limit, DefaultAuditLimit)
	if err != nil {
		return nil, err
	}
	where, args := []string{"seq > ?"}, []any{f.AfterSeq}
	if f.ObjectID != nil {
		where, args = append(where, "object_id = ?"), append(args, *f.ObjectID)
	}
	if f.Recipient != nil {
		where, args = append(where, "recipient = ?"), append(args, *f.Recipient)
	}
	if f.Since != nil {
		where, args = append(where, "at >= ?"), append(args, versions.Micros(*f.Since))
	}
	rows, err := s.db.read().query(ctx, `SELECT seq, at, object_id, version, recipient, channel, via, sealed, hash FROM audit
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?`, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("find audit records: %w", err)
	}
	defer rows.Close()
	var out []*rampart.AuditRecord
	for rows.Next() {
		var (
			r  rampart.AuditRecord
			at int64
		)
		if err := rows.Scan(&r.Seq, &at, &r.ObjectID, &r.Version, &r.Recipient, &r.Channel, &r.Via, &r.Sealed, &r.Hash); err != nil {
			return nil, fmt.Errorf("find audit records: %w", err)
		}
		r.At = versions.Time(at)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find audit records: %w", err)
	}
	return out, nil
}

// CreateAuditCheckpoint stores c and sets its At (the store clock, unless
// it has one). It returns EINVALID when the log has no record c.Seq or
// c.Hash is not that record's hash, and ECONFLICT when there is a
// checkpoint at c.Seq already.
func (s *AuditService) CreateAuditCheckpoint(ctx context.Context, c *rampart.AuditCheckpoint) error {
	what := fmt.Sprintf("create audit checkpoint at record %d", c.Seq)
	at := versions.TimeOrNow(c.At, s.db.Now)
	signature := c.Signature
	if signature == nil {
		signature = []byte{} // NOT NULL
	}
	err := s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		var hash []byte
		err := tx.queryRow(ctx, `SELECT hash FROM audit WHERE seq = ?`, c.Seq).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return rampart.Errorf(rampart.EINVALID, "audit checkpoint: the log has no record %d", c.Seq)
		} else if err != nil {
			return wrap(what, err)
		}
		if !bytes.Equal(hash, c.Hash) {
			return rampart.Errorf(rampart.EINVALID, "audit checkpoint: hash %x is not that of record %d (%x)", c.Hash, c.Seq, hash)
		}
		res, err := tx.exec(ctx, `INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (?, ?, ?, ?)
			ON CONFLICT (seq) DO NOTHING`, c.Seq, c.Hash, versions.Micros(at), signature)
		if err != nil {
			return wrap(what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(what, err)
		} else if n == 0 {
			return rampart.Errorf(rampart.ECONFLICT, "audit checkpoint: there is one at record %d already", c.Seq)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.At = at
	return nil
}

// FindAuditCheckpoints returns up to limit checkpoints after afterSeq, in
// Seq order (DefaultAuditLimit when limit is 0, at most
// rampart.MaxPageSize). It returns EINVALID for a negative limit.
func (s *AuditService) FindAuditCheckpoints(ctx context.Context, afterSeq int64, n int) ([]*rampart.AuditCheckpoint, error) {
	n, err := limit("find audit checkpoints", n, DefaultAuditLimit)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read().query(ctx, `SELECT seq, hash, at, signature FROM audit_checkpoints
		WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, n)
	if err != nil {
		return nil, fmt.Errorf("find audit checkpoints: %w", err)
	}
	defer rows.Close()
	var out []*rampart.AuditCheckpoint
	for rows.Next() {
		var (
			c  rampart.AuditCheckpoint
			at int64
		)
		if err := rows.Scan(&c.Seq, &c.Hash, &at, &c.Signature); err != nil {
			return nil, fmt.Errorf("find audit checkpoints: %w", err)
		}
		c.At = versions.Time(at)
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find audit checkpoints: %w", err)
	}
	return out, nil
}
