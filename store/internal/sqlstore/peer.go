package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// PeerService stores the peers of a node, their cursors and their status.
// It is safe for concurrent use, also by several processes on one
// database.
type PeerService struct {
	db *DB
}

var _ rampart.PeerService = (*PeerService)(nil)

// NewPeerService returns a PeerService on db.
func NewPeerService(db *DB) *PeerService {
	return &PeerService{db: db}
}

const peerColumns = `id, name, url, api_root, created_at`

func scanPeer(row row) (*rampart.Peer, error) {
	var p rampart.Peer
	if err := row.Scan(&p.ID, &p.Name, &p.URL, &p.APIRoot, scanTime(&p.CreatedAt)); err != nil {
		return nil, err
	}
	return &p, nil
}

// FindPeers returns every peer, ordered by name, then ID.
func (s *PeerService) FindPeers(ctx context.Context) ([]*rampart.Peer, error) {
	out, err := queryAll(ctx, s.db.read(), scanPeer, `SELECT `+peerColumns+` FROM peers ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("find peers: %w", err)
	}
	return out, nil
}

// FindPeerByID returns ENOTFOUND when there is no such peer.
func (s *PeerService) FindPeerByID(ctx context.Context, id string) (*rampart.Peer, error) {
	p, err := scanPeer(s.db.read().queryRow(ctx, `SELECT `+peerColumns+` FROM peers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, versions.PeerNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find peer %q: %w", id, err)
	}
	return p, nil
}

// CreatePeer stores p and sets its CreatedAt (the store clock, to the
// microsecond). It returns EINVALID as p.Validate says and ECONFLICT when
// the organisation is a peer already.
func (s *PeerService) CreatePeer(ctx context.Context, p *rampart.Peer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := versions.Time(s.db.now())
	_, err := s.db.writer().exec(ctx, `INSERT INTO peers (`+peerColumns+`) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.URL, p.APIRoot, s.db.Dialect.stamp(now))
	if s.db.Dialect.Unique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "%q is a peer already", p.ID)
	} else if err != nil {
		return fmt.Errorf("create peer %q: %w", p.ID, err)
	}
	p.CreatedAt = now
	return nil
}

// DeletePeer removes the peer, its cursors and its rejections (ENOTFOUND
// when there is no such peer).
func (s *PeerService) DeletePeer(ctx context.Context, id string) error {
	res, err := s.db.writer().exec(ctx, `DELETE FROM peers WHERE id = ?`, id)
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

// FindPeerStatus returns the peer's status in one read transaction on one
// snapshot, so its counters, cursors and rejections agree with each
// other. It returns ENOTFOUND when there is no such peer.
func (s *PeerService) FindPeerStatus(ctx context.Context, id string) (*rampart.PeerStatus, error) {
	sqlTx, err := s.db.Read.BeginTx(ctx, &sql.TxOptions{Isolation: s.db.Dialect.Snapshot, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	defer sqlTx.Rollback()
	tx := conn{sqlTx, s.db.Dialect}
	st := &rampart.PeerStatus{PeerID: id}
	err = tx.queryRow(ctx, `SELECT last_sync, last_error, last_error_at, objects_in, objects_out, rejections
		FROM peers WHERE id = ?`, id).Scan(scanOptionalTime(&st.LastSync), &st.LastError, scanOptionalTime(&st.LastErrorAt),
		&st.ObjectsIn, &st.ObjectsOut, &st.Rejections)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, versions.PeerNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	if st.Cursors, err = s.cursors(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	if st.RecentRejections, err = s.rejections(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	return st, nil
}

// cursors returns the peer's cursors by collection id, nil for none.
func (s *PeerService) cursors(ctx context.Context, tx conn, id string) ([]*rampart.PeerCursor, error) {
	rows, err := tx.query(ctx, `SELECT collection_id, added_after, lag, updated_at FROM peer_cursors
		WHERE peer = ? ORDER BY collection_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*rampart.PeerCursor
	for rows.Next() {
		c := &rampart.PeerCursor{PeerID: id}
		var lag int64
		if err := rows.Scan(&c.CollectionID, scanTime(&c.AddedAfter), &lag, scanTime(&c.UpdatedAt)); err != nil {
			return nil, err
		}
		c.Lag = time.Duration(lag) * time.Microsecond
		out = append(out, c)
	}
	return out, rows.Err()
}

// rejections returns the peer's latest rejections, newest first, nil for
// none.
func (s *PeerService) rejections(ctx context.Context, tx conn, id string) ([]*rampart.PeerRejection, error) {
	rows, err := tx.query(ctx, `SELECT at, object_id, version, reason, message FROM peer_rejections
		WHERE peer = ? ORDER BY seq DESC LIMIT ?`, id, rampart.MaxPeerRejections)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*rampart.PeerRejection
	for rows.Next() {
		r := &rampart.PeerRejection{}
		if err := rows.Scan(scanTime(&r.At), &r.ObjectID, &r.Version, &r.Reason, &r.Message); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordPeerSync records one step of an exchange in one transaction. It
// returns EINVALID for a record that cannot be stored and ENOTFOUND when
// there is no such peer.
func (s *PeerService) RecordPeerSync(ctx context.Context, ps *rampart.PeerSync) error {
	if err := versions.CheckPeerSync(ps); err != nil {
		return err
	}
	d := s.db.Dialect
	at := d.stamp(versions.TimeOrNow(ps.At, s.db.Now))
	what := fmt.Sprintf("record sync with %q", ps.PeerID)
	return s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		res, err := tx.exec(ctx, `UPDATE peers SET
			objects_in = objects_in + ?, objects_out = objects_out + ?, rejections = rejections + ?,
			last_sync = CASE WHEN ? THEN ? ELSE last_sync END,
			last_error = CASE WHEN ? THEN '' WHEN ? <> '' THEN ? ELSE last_error END,
			last_error_at = CASE WHEN ? <> '' THEN ? ELSE last_error_at END
			WHERE id = ?`,
			ps.ObjectsIn, ps.ObjectsOut, int64(len(ps.Rejections)),
			ps.Completed, at,
			ps.Completed, ps.Error, ps.Error,
			ps.Error, at,
			ps.PeerID)
		if err != nil {
			return wrap(what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(what, err)
		} else if n == 0 {
			return versions.PeerNotFound(ps.PeerID)
		}
		if c := ps.Cursor; c != nil {
			// The cursor only moves forward; its lag and time follow the
			// latest record that moved it or held it in place.
			_, err := tx.exec(ctx, `INSERT INTO peer_cursors (peer, collection_id, added_after, lag, updated_at)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (peer, collection_id) DO UPDATE SET
					added_after = excluded.added_after, lag = excluded.lag, updated_at = excluded.updated_at
				WHERE excluded.added_after >= peer_cursors.added_after`,
				ps.PeerID, c.CollectionID, d.stamp(c.AddedAfter), c.Lag.Microseconds(), at)
			if err != nil {
				return fmt.Errorf("%s: cursor: %w", what, err)
			}
		}
		if len(ps.Rejections) == 0 {
			return nil
		}
		for _, r := range ps.Rejections {
			rat := at
			if !r.At.IsZero() {
				rat = d.stamp(r.At)
			}
			if _, err := tx.exec(ctx, `INSERT INTO peer_rejections (peer, at, object_id, version, reason, message)
				VALUES (?, ?, ?, ?, ?, ?)`, ps.PeerID, rat, r.ObjectID, r.Version, r.Reason, r.Message); err != nil {
				return fmt.Errorf("%s: rejection: %w", what, err)
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM peer_rejections WHERE peer = ? AND seq <= (
			SELECT seq FROM peer_rejections WHERE peer = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
			ps.PeerID, ps.PeerID, rampart.MaxPeerRejections); err != nil {
			return fmt.Errorf("%s: forget old rejections: %w", what, err)
		}
		return nil
	})
}
