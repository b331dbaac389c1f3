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

// StatusService stores the statuses of add-objects requests. It is safe for
// concurrent use.
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
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO statuses (id, api_root, account, status, request_timestamp,
		total_count, success_count, failure_count, pending_count, details)
		SELECT $1, name, $3, $4, $5, $6, $7, $8, $9, $10 FROM api_roots WHERE name = $2`,
		st.ID, st.APIRoot, st.Account, st.Status, versions.Time(versions.Micros(st.RequestTimestamp)),
		st.TotalCount, st.SuccessCount, st.FailureCount, st.PendingCount, string(details))
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "status %q already exists", st.ID)
	} else if err != nil {
		return fmt.Errorf("create status %q: %w", st.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", st.APIRoot)
	}
	return nil
}

// FindStatusByID returns ENOTFOUND when the API root has no such status.
func (s *StatusService) FindStatusByID(ctx context.Context, apiRoot, id string) (*rampart.Status, error) {
	var (
		st      rampart.Status
		details string
	)
	err := s.db.pool.QueryRow(ctx, `SELECT id, api_root, account, status, request_timestamp,
		total_count, success_count, failure_count, pending_count, details::text
		FROM statuses WHERE api_root = $1 AND id = $2`, apiRoot, id).Scan(&st.ID, &st.APIRoot, &st.Account, &st.Status,
		&st.RequestTimestamp, &st.TotalCount, &st.SuccessCount, &st.FailureCount, &st.PendingCount, &details)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q has no status %q", apiRoot, id)
	} else if err != nil {
		return nil, fmt.Errorf("find status %q: %w", id, err)
	}
	st.RequestTimestamp = st.RequestTimestamp.UTC()
	if err := versions.DecodeStatusDetails([]byte(details), &st); err != nil {
		return nil, fmt.Errorf("find status %q: %w", id, err)
	}
	return &st, nil
}

// DeleteStatuses removes the statuses requested before t and returns how
// many were removed.
func (s *StatusService) DeleteStatuses(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM statuses WHERE request_timestamp < $1`, versions.Time(versions.Micros(before)))
	if err != nil {
		return 0, fmt.Errorf("delete statuses: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
