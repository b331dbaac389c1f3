package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// PeerService stores the peers of a node, their cursors and their status. It
// is safe for concurrent use, from any number of processes.
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
	rows, err := s.db.pool.Query(ctx, `SELECT id, name, url, api_root, created_at FROM peers ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("find peers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*rampart.Peer, error) {
		var p rampart.Peer
		err := row.Scan(&p.ID, &p.Name, &p.URL, &p.APIRoot, &p.CreatedAt)
		p.CreatedAt = p.CreatedAt.UTC()
		return &p, err
	})
	if err != nil {
		return nil, fmt.Errorf("find peers: %w", err)
	}
	return out, nil
}

// FindPeerByID returns ENOTFOUND when there is no such peer.
func (s *PeerService) FindPeerByID(ctx context.Context, id string) (*rampart.Peer, error) {
	var p rampart.Peer
	err := s.db.pool.QueryRow(ctx, `SELECT id, name, url, api_root, created_at FROM peers WHERE id = $1`, id).
		Scan(&p.ID, &p.Name, &p.URL, &p.APIRoot, &p.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, versions.PeerNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find peer %q: %w", id, err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// CreatePeer stores p and sets its CreatedAt.
func (s *PeerService) CreatePeer(ctx context.Context, p *rampart.Peer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.db.now()
	_, err := s.db.pool.Exec(ctx, `INSERT INTO peers (id, name, url, api_root, created_at) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, p.Name, p.URL, p.APIRoot, now)
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "%q is a peer already", p.ID)
	} else if err != nil {
		return fmt.Errorf("create peer %q: %w", p.ID, err)
	}
	p.CreatedAt = now
	return nil
}

// DeletePeer removes the peer, its cursors and its rejections.
func (s *PeerService) DeletePeer(ctx context.Context, id string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM peers WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete peer %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return versions.PeerNotFound(id)
	}
	return nil
}

// FindPeerStatus returns the peer's status in one repeatable-read
// transaction, so its counters, cursors and rejections agree.
func (s *PeerService) FindPeerStatus(ctx context.Context, id string) (*rampart.PeerStatus, error) {
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	defer tx.Rollback(ctx)
	st := &rampart.PeerStatus{PeerID: id}
	var lastSync, lastErrorAt *time.Time
	err = tx.QueryRow(ctx, `SELECT last_sync, last_error, last_error_at, objects_in, objects_out, rejections
		FROM peers WHERE id = $1`, id).Scan(&lastSync, &st.LastError, &lastErrorAt, &st.ObjectsIn, &st.ObjectsOut, &st.Rejections)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, versions.PeerNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	if lastSync != nil {
		st.LastSync = lastSync.UTC()
	}
	if lastErrorAt != nil {
		st.LastErrorAt = lastErrorAt.UTC()
	}

	rows, err := tx.Query(ctx, `SELECT collection_id, added_after, lag, updated_at FROM peer_cursors
		WHERE peer = $1 ORDER BY collection_id`, id)
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	st.Cursors, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*rampart.PeerCursor, error) {
		c := &rampart.PeerCursor{PeerID: id}
		var lag int64
		err := row.Scan(&c.CollectionID, &c.AddedAfter, &lag, &c.UpdatedAt)
		c.AddedAfter, c.Lag, c.UpdatedAt = c.AddedAfter.UTC(), time.Duration(lag)*time.Microsecond, c.UpdatedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}

	rows, err = tx.Query(ctx, `SELECT at, object_id, version, reason, message FROM peer_rejections
		WHERE peer = $1 ORDER BY seq DESC LIMIT $2`, id, rampart.MaxPeerRejections)
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	st.RecentRejections, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*rampart.PeerRejection, error) {
		r := &rampart.PeerRejection{}
		err := row.Scan(&r.At, &r.ObjectID, &r.Version, &r.Reason, &r.Message)
		r.At = r.At.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("find peer status %q: %w", id, err)
	}
	// Nil, not empty, when there are none: as the other store answers.
	if len(st.Cursors) == 0 {
		st.Cursors = nil
	}
	if len(st.RecentRejections) == 0 {
		st.RecentRejections = nil
	}
	return st, nil
}

// RecordPeerSync records one step of an exchange in one transaction.
func (s *PeerService) RecordPeerSync(ctx context.Context, ps *rampart.PeerSync) error {
	if err := versions.CheckPeerSync(ps); err != nil {
		return err
	}
	at := versions.TimeOrNow(ps.At, s.db.Now)
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE peers SET
		objects_in = objects_in + $1, objects_out = objects_out + $2, rejections = rejections + $3,
		last_sync = CASE WHEN $4 THEN $5 ELSE last_sync END,
		last_error = CASE WHEN $4 THEN '' WHEN $6 <> '' THEN $6 ELSE last_error END,
		last_error_at = CASE WHEN $6 <> '' THEN $5 ELSE last_error_at END
		WHERE id = $7`,
		ps.ObjectsIn, ps.ObjectsOut, int64(len(ps.Rejections)), ps.Completed, at, ps.Error, ps.PeerID)
	if err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	}
	if tag.RowsAffected() == 0 {
		return versions.PeerNotFound(ps.PeerID)
	}
	if c := ps.Cursor; c != nil {
		// The cursor only moves forward; its lag and time follow the
		// latest record that moved it or held it in place.
		_, err := tx.Exec(ctx, `INSERT INTO peer_cursors (peer, collection_id, added_after, lag, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (peer, collection_id) DO UPDATE SET
				added_after = excluded.added_after, lag = excluded.lag, updated_at = excluded.updated_at
			WHERE excluded.added_after >= peer_cursors.added_after`,
			ps.PeerID, c.CollectionID, versions.Time(versions.Micros(c.AddedAfter)), c.Lag.Microseconds(), at)
		if err != nil {
			return fmt.Errorf("record sync with %q: cursor: %w", ps.PeerID, err)
		}
	}
	if len(ps.Rejections) > 0 {
		for _, r := range ps.Rejections {
			rat := at
			if !r.At.IsZero() {
				rat = versions.Time(versions.Micros(r.At))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO peer_rejections (peer, at, object_id, version, reason, message)
				VALUES ($1, $2, $3, $4, $5, $6)`, ps.PeerID, rat, r.ObjectID, r.Version, r.Reason, r.Message); err != nil {
				return fmt.Errorf("record sync with %q: rejection: %w", ps.PeerID, err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM peer_rejections WHERE peer = $1 AND seq <= (
			SELECT seq FROM peer_rejections WHERE peer = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
			ps.PeerID, rampart.MaxPeerRejections); err != nil {
			return fmt.Errorf("record sync with %q: forget old rejections: %w", ps.PeerID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("record sync with %q: %w", ps.PeerID, err)
	}
	return nil
}
