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

// StatusService stores the statuses of add-objects requests. It is safe
// for concurrent use, also by several processes on one database.
type StatusService struct {
	db *DB
}

var _ rampart.StatusService = (*StatusService)(nil)

// NewStatusService returns a StatusService on db.
func NewStatusService(db *DB) *StatusService {
	return &StatusService{db: db}
}

// CreateStatus stores st, assigning a random UUID when st.ID is empty. It
// returns ENOTFOUND when the API root does not exist, ECONFLICT when the ID
// is taken and EINVALID for an unknown state.
func (s *StatusService) CreateStatus(ctx context.Context, st *rampart.Status) error {
	details, err := versions.PrepareStatus(st)
	if err != nil {
		return err
	}
	// Inserting from the API root's row: no row, no insert. In SQLite the
	// status shares a group transaction with other writes (DB.Group).
	return s.db.writeGrouped(ctx, "create status", func(ctx context.Context, c conn) error {
		res, err := c.exec(ctx, `INSERT INTO statuses (id, api_root, account, status, request_timestamp,
			total_count, success_count, failure_count, pending_count, details)
			SELECT ?, name, ?, ?, ?, ?, ?, ?, ?, ? FROM api_roots WHERE name = ?`,
			st.ID, st.Account, st.Status, s.db.Dialect.stamp(st.RequestTimestamp),
			st.TotalCount, st.SuccessCount, st.FailureCount, st.PendingCount, string(details), st.APIRoot)
		if s.db.Dialect.Unique(err) {
			return rampart.Errorf(rampart.ECONFLICT, "status %q already exists", st.ID)
		} else if err != nil {
			return fmt.Errorf("create status %q: %w", st.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("create status %q: %w", st.ID, err)
		} else if n == 0 {
			return rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", st.APIRoot)
		}
		return nil
	})
}

// FindStatusByID returns ENOTFOUND when the API root has no such status.
func (s *StatusService) FindStatusByID(ctx context.Context, apiRoot, id string) (*rampart.Status, error) {
	var (
		st      rampart.Status
		details string
	)
	// The details are JSON text in SQLite and jsonb in PostgreSQL: read
	// as text from both.
	err := s.db.read().queryRow(ctx, `SELECT id, api_root, account, status, request_timestamp,
		total_count, success_count, failure_count, pending_count, CAST(details AS text)
		FROM statuses WHERE api_root = ? AND id = ?`, apiRoot, id).Scan(&st.ID, &st.APIRoot, &st.Account, &st.Status,
		scanTime(&st.RequestTimestamp), &st.TotalCount, &st.SuccessCount, &st.FailureCount, &st.PendingCount, &details)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q has no status %q", apiRoot, id)
	} else if err != nil {
		return nil, fmt.Errorf("find status %q: %w", id, err)
	}
	if err := versions.DecodeStatusDetails([]byte(details), &st); err != nil {
		return nil, fmt.Errorf("find status %q: %w", id, err)
	}
	return &st, nil
}

// DeleteStatuses removes the statuses requested before t and returns how
// many were removed.
func (s *StatusService) DeleteStatuses(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.writer().exec(ctx, `DELETE FROM statuses WHERE request_timestamp < ?`, s.db.Dialect.stamp(before))
	if err != nil {
		return 0, fmt.Errorf("delete statuses: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete statuses: %w", err)
	}
	return int(n), nil
}
