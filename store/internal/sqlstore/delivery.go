package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// DefaultDeliveryLimit is the page size of FindDeliveries when the filter
// sets none.
const DefaultDeliveryLimit = 100

// DeliveryService records what became of the versions a node must send
// sealed, per recipient. It is safe for concurrent use, also by several
// processes on one database.
type DeliveryService struct {
	db *DB
}

var _ rampart.DeliveryService = (*DeliveryService)(nil)

// NewDeliveryService returns a DeliveryService on db.
func NewDeliveryService(db *DB) *DeliveryService {
	return &DeliveryService{db: db}
}

// checkDelivery returns EINVALID, naming the field, for a delivery that
// cannot be stored.
func checkDelivery(i int, d *rampart.Delivery) error {
	switch {
	case d == nil:
		return rampart.Errorf(rampart.EINVALID, "delivery %d: no delivery", i)
	case d.ObjectID == "" || d.Recipient == "":
		return rampart.Errorf(rampart.EINVALID, "delivery %d: an object id and a recipient are required (got %q, %q)", i, d.ObjectID, d.Recipient)
	case d.Status != rampart.DeliverySealed && d.Status != rampart.DeliveryFailed:
		return rampart.Errorf(rampart.EINVALID, "delivery %d (%s to %s): status must be %q or %q (got %q)", i, d.ObjectID, d.Recipient, rampart.DeliverySealed, rampart.DeliveryFailed, d.Status)
	case d.Attempts < 0:
		return rampart.Errorf(rampart.EINVALID, "delivery %d (%s to %s): attempts must not be negative (got %d)", i, d.ObjectID, d.Recipient, d.Attempts)
	}
	return nil
}

// RecordDeliveries stores ds in one transaction, each replacing any
// earlier record of the same object version and recipient; the attempts
// add up (an Attempts of 0 counts as one). Each of ds gets the stored
// Attempts and its UpdatedAt (the store clock, unless it has one). It
// returns EINVALID, naming the delivery, for one that cannot be stored,
// and then stores none.
func (s *DeliveryService) RecordDeliveries(ctx context.Context, ds []*rampart.Delivery) error {
	for i, d := range ds {
		if err := checkDelivery(i, d); err != nil {
			return err
		}
	}
	if len(ds) == 0 {
		return nil
	}
	attempts := make([]int, len(ds))
	updated := make([]int64, len(ds))
	err := s.db.write(ctx, "record deliveries", func(tx conn, _ *sql.Tx) error {
		for i, d := range ds {
			updated[i] = versions.Micros(versions.TimeOrNow(d.UpdatedAt, s.db.Now))
			err := tx.queryRow(ctx, `INSERT INTO deliveries (object_id, version, recipient, status, envelope_id, reason, attempts, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (object_id, version, recipient) DO UPDATE SET status = excluded.status,
					envelope_id = excluded.envelope_id, reason = excluded.reason,
					attempts = deliveries.attempts + excluded.attempts, updated_at = excluded.updated_at
				RETURNING attempts`,
				d.ObjectID, d.Version, d.Recipient, d.Status, d.EnvelopeID, d.Reason, max(1, d.Attempts), updated[i]).Scan(&attempts[i])
			if err != nil {
				return fmt.Errorf("record delivery of %s %s to %s: %w", d.ObjectID, d.Version, d.Recipient, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, d := range ds {
		d.Attempts, d.UpdatedAt = attempts[i], versions.Time(updated[i])
	}
	return nil
}

// FindDeliveries returns the deliveries the filter selects, most recently
// updated first, at most f.Limit (DefaultDeliveryLimit when 0, at most
// rampart.MaxPageSize). It returns EINVALID for a negative limit.
func (s *DeliveryService) FindDeliveries(ctx context.Context, f rampart.DeliveryFilter) ([]*rampart.Delivery, error) {
	n, err := limit("find deliveries", f.Limit, DefaultDeliveryLimit)
	if err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	for _, c := range []struct {
		column string
		value  *string
	}{{"object_id", f.ObjectID}, {"recipient", f.Recipient}, {"status", f.Status}} {
		if c.value != nil {
			where = append(where, c.column+" = ?")
			args = append(args, *c.value)
		}
	}
	query := `SELECT object_id, version, recipient, status, envelope_id, reason, attempts, updated_at FROM deliveries`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY updated_at DESC, object_id, version, recipient LIMIT ?`
	rows, err := s.db.read().query(ctx, query, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	defer rows.Close()
	var out []*rampart.Delivery
	for rows.Next() {
		var (
			d       rampart.Delivery
			updated int64
		)
		if err := rows.Scan(&d.ObjectID, &d.Version, &d.Recipient, &d.Status, &d.EnvelopeID, &d.Reason, &d.Attempts, &updated); err != nil {
			return nil, fmt.Errorf("find deliveries: %w", err)
		}
		d.UpdatedAt = versions.Time(updated)
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	return out, nil
}

// FindDeliverySummaries returns one summary per recipient, by recipient:
// how many of its deliveries are sealed and failed, and the reason and
// time of the most recent of those that failed.
func (s *DeliveryService) FindDeliverySummaries(ctx context.Context) ([]*rampart.DeliverySummary, error) {
	// Each latest failure is one probe of deliveries_recipient.
	rows, err := s.db.read().query(ctx, `SELECT r.recipient, r.sealed, r.failed,
			coalesce((SELECT d.reason FROM deliveries d WHERE d.recipient = r.recipient AND d.status = 'failed'
				ORDER BY d.updated_at DESC, d.object_id DESC, d.version DESC LIMIT 1), ''),
			coalesce((SELECT max(d.updated_at) FROM deliveries d WHERE d.recipient = r.recipient AND d.status = 'failed'), 0)
		FROM (SELECT recipient,
				sum(CASE WHEN status = 'sealed' THEN 1 ELSE 0 END) AS sealed,
				sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
			FROM deliveries GROUP BY recipient) r
		ORDER BY r.recipient`)
	if err != nil {
		return nil, fmt.Errorf("find delivery summaries: %w", err)
	}
	defer rows.Close()
	var out []*rampart.DeliverySummary
	for rows.Next() {
		var (
			sum rampart.DeliverySummary
			at  int64
		)
		if err := rows.Scan(&sum.Recipient, &sum.Sealed, &sum.Failed, &sum.LastFailure, &at); err != nil {
			return nil, fmt.Errorf("find delivery summaries: %w", err)
		}
		if at != 0 {
			sum.LastFailureAt = versions.Time(at)
		}
		out = append(out, &sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find delivery summaries: %w", err)
	}
	return out, nil
}
