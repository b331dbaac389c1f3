package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// PeerService stores the peers of a node, their cursors and their status. It
// is safe for concurrent use.
type PeerService struct {
	db *DB
}

var _ rampart.PeerService = (*PeerService)(nil)

// NewPeerService returns a PeerService on db.
func NewPeerService(db *DB) *PeerService {
	return &PeerService{db: db}
}

// FindPeers returns every peer, ordered by name, then ID.
func (s *PeerService) FindPeers(ctx context.Context) ([]*rampart.Peer, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, name, url, api_root, created_at FROM peers ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("find peers: %w", err)
	}
	defer rows.Close()
	var out []*rampart.Peer
	for rows.Next() {
		var p rampart.Peer
		var created int64
		if err := rows.Scan(&p.ID, &p.Name, &p.URL, &p.APIRoot, &created); err != nil {
			return nil, fmt.Errorf("find peers: %w", err)
		}
		p.CreatedAt = versions.Time(created)
		out = append(out, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find peers: %w", err)
	}
	return out, nil
}

// FindPeerByID returns ENOTFOUND when there is no such peer.
func (s *PeerService) FindPeerByID(ctx context.Context, id string) (*rampart.Peer, error) {
	var p rampart.Peer
	var created int64
	err := s.db.read.QueryRowContext(ctx, `SELECT id, name, url, api_root, created_at FROM peers WHERE id = ?`, id).
		Scan(&p.ID, &p.Name, &p.URL, &p.APIRoot, &created)
	if err == sql.ErrNoRows {
		return nil, versions.PeerNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find peer %q: %w", id, err)
	}
	p.CreatedAt = versions.Time(created)
	return &p, nil
}

// CreatePeer stores p and sets its CreatedAt.
func (s *PeerService) CreatePeer(ctx context.Context, p *rampart.Peer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.db.now()
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO peers (id, name, url, api_root, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.URL, p.APIRoot, now)
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "%q is a peer already", p.ID)
	} else if err != nil {
		return fmt.Errorf("create peer %q: %w", p.ID, err)
	}
	p.CreatedAt = versions.Time(now)
	return nil
}

// DeletePeer removes the peer, its cursors and its rejections.
func (s *PeerService) DeletePeer(ctx context.Context, id string) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM peers WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete peer %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete peer %q: %w", id, err)
	} else if n == 0 {
		return versions.PeerNotFound(id)
	}
	return nil
}

// FindPeerStatus returns the peer's status in one read transaction, so its
// counters, cursors and rejections agree with each other.
func (s *PeerService) FindPeerStatus(ctx context.Context, id string) (*rampart.PeerStatus, error) {
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	defer tx.Rollback()
	st := &rampart.PeerStatus{PeerID: id}
	var lastSync, lastErrorAt int64
	err = tx.QueryRowContext(ctx, `SELECT last_sync, last_error, last_error_at, objects_in, objects_out, rejections
		FROM peers WHERE id = ?`, id).Scan(&lastSync, &st.LastError, &lastErrorAt, &st.ObjectsIn, &st.ObjectsOut, &st.Rejections)
	if err == sql.ErrNoRows {
		return nil, versions.PeerNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	st.LastSync, st.LastErrorAt = optionalTime(lastSync), optionalTime(lastErrorAt)

	rows, err := tx.QueryContext(ctx, `SELECT collection_id, added_after, lag, updated_at FROM peer_cursors
		WHERE peer = ? ORDER BY collection_id`, id)
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	for rows.Next() {
		c := &rampart.PeerCursor{PeerID: id}
		var after, lag, updated int64
		if err := rows.Scan(&c.CollectionID, &after, &lag, &updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find peer status %q: %w", id, err)
		}
		c.AddedAfter, c.Lag, c.UpdatedAt = versions.Time(after), time.Duration(lag)*time.Microsecond, versions.Time(updated)
		st.Cursors = append(st.Cursors, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}

	rows, err = tx.QueryContext(ctx, `SELECT at, object_id, version, reason, message FROM peer_rejections
		WHERE peer = ? ORDER BY seq DESC LIMIT ?`, id, rampart.MaxPeerRejections)
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		r := &rampart.PeerRejection{}
		var at int64
		if err := rows.Scan(&at, &r.ObjectID, &r.Version, &r.Reason, &r.Message); err != nil {
			return nil, fmt.Errorf("find peer status %q: %w", id, err)
		}
		r.At = versions.Time(at)
		st.RecentRejections = append(st.RecentRejections, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	return st, nil
}

// optionalTime reads a time stored as microseconds where 0 means none.
func optionalTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return versions.Time(us)
}

// RecordPeerSync records one step of an exchange in one transaction.
func (s *PeerService) RecordPeerSync(ctx context.Context, ps *rampart.PeerSync) error {
	if err := versions.CheckPeerSync(ps); err != nil {
		return err
	}
	at := versions.Micros(versions.TimeOrNow(ps.At, s.db.Now))
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE peers SET
		objects_in = objects_in + ?, objects_out = objects_out + ?, rejections = rejections + ?,
		last_sync = CASE WHEN ? THEN ? ELSE last_sync END,
		last_error = CASE WHEN ? THEN '' WHEN ? != '' THEN ? ELSE last_error END,
		last_error_at = CASE WHEN ? != '' THEN ? ELSE last_error_at END
		WHERE id = ?`,
		ps.ObjectsIn, ps.ObjectsOut, len(ps.Rejections),
		ps.Completed, at,
		ps.Completed, ps.Error, ps.Error,
		ps.Error, at,
		ps.PeerID)
	if err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	} else if n == 0 {
		return versions.PeerNotFound(ps.PeerID)
	}
	if c := ps.Cursor; c != nil {
		// The cursor only moves forward; its lag and time follow the
		// latest record that moved it or held it in place.
		_, err := tx.ExecContext(ctx, `INSERT INTO peer_cursors (peer, collection_id, added_after, lag, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (peer, collection_id) DO UPDATE SET
				added_after = excluded.added_after, lag = excluded.lag, updated_at = excluded.updated_at
			WHERE excluded.added_after >= peer_cursors.added_after`,
			ps.PeerID, c.CollectionID, versions.Micros(c.AddedAfter), c.Lag.Microseconds(), at)
		if err != nil {
			return fmt.Errorf("record sync with %q: cursor: %w", ps.PeerID, err)
		}
	}
	if len(ps.Rejections) > 0 {
		for _, r := range ps.Rejections {
			rat := at
			if !r.At.IsZero() {
				rat = versions.Micros(r.At)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO peer_rejections (peer, at, object_id, version, reason, message)
				VALUES (?, ?, ?, ?, ?, ?)`, ps.PeerID, rat, r.ObjectID, r.Version, r.Reason, r.Message); err != nil {
				return fmt.Errorf("record sync with %q: rejection: %w", ps.PeerID, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM peer_rejections WHERE peer = ? AND seq <= (
			SELECT seq FROM peer_rejections WHERE peer = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
			ps.PeerID, ps.PeerID, rampart.MaxPeerRejections); err != nil {
			return fmt.Errorf("record sync with %q: forget old rejections: %w", ps.PeerID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	}
	return nil
}
