package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// OrganizationService stores the organisations a node knows. It is safe
// for concurrent use, also by several processes on one database.
type OrganizationService struct {
	db *DB
}

var _ rampart.OrganizationService = (*OrganizationService)(nil)

// NewOrganizationService returns an OrganizationService on db.
func NewOrganizationService(db *DB) *OrganizationService {
	return &OrganizationService{db: db}
}

const organizationColumns = `id, name, relation, country, created_at`

func scanOrganization(row row) (*rampart.Organization, error) {
	var (
		o        rampart.Organization
		relation string
		created  int64
	)
	if err := row.Scan(&o.ID, &o.Name, &relation, &o.Country, &created); err != nil {
		return nil, err
	}
	o.Relation, o.CreatedAt = rampart.Relation(relation), versions.Time(created)
	return &o, nil
}

// FindOrganizations returns every organisation, the node's own first, then
// by name (and id, for organisations of one name).
func (s *OrganizationService) FindOrganizations(ctx context.Context) ([]*rampart.Organization, error) {
	out, err := queryAll(ctx, s.db.read(), scanOrganization, `SELECT `+organizationColumns+` FROM organizations
		ORDER BY CASE WHEN relation = 'own' THEN 0 ELSE 1 END, name, id`)
	if err != nil {
		return nil, fmt.Errorf("find organisations: %w", err)
	}
	return out, nil
}

// FindOrganizationByID returns ENOTFOUND when there is none.
func (s *OrganizationService) FindOrganizationByID(ctx context.Context, id string) (*rampart.Organization, error) {
	o, err := scanOrganization(s.db.read().queryRow(ctx, `SELECT `+organizationColumns+` FROM organizations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, versions.OrganizationNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find organisation %q: %w", id, err)
	}
	return o, nil
}

// CreateOrganization stores o and sets its CreatedAt (the store clock,
// unless o has one). It returns EINVALID as o.Validate says, and
// ECONFLICT when the id is taken or o would be a second organisation of
// the node's own.
func (s *OrganizationService) CreateOrganization(ctx context.Context, o *rampart.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	created := versions.TimeOrNow(o.CreatedAt, s.db.Now)
	what := fmt.Sprintf("create organisation %s", o.ID)
	err := s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		// DO NOTHING on either unique index (the id, the one own
		// organisation): a violation would abort a PostgreSQL transaction
		// before it could say which.
		res, err := tx.exec(ctx, `INSERT INTO organizations (`+organizationColumns+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, o.ID, o.Name, string(o.Relation), o.Country, versions.Micros(created))
		if err != nil {
			return wrap(what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(what, err)
		} else if n == 0 {
			return s.conflict(ctx, tx, o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	o.CreatedAt = created
	return nil
}

// conflict returns the ECONFLICT error for o, which could not be stored
// for a unique index: its id is taken, or it would be a second
// organisation of the node's own.
func (s *OrganizationService) conflict(ctx context.Context, q conn, o *rampart.Organization) error {
	var n int
	if err := q.queryRow(ctx, `SELECT count(*) FROM organizations WHERE id = ?`, o.ID).Scan(&n); err != nil {
		return fmt.Errorf("store organisation %s: %w", o.ID, err)
	}
	if n > 0 {
		return rampart.Errorf(rampart.ECONFLICT, "organisation %s already exists", o.ID)
	}
	return s.ownConflict(ctx, q, o)
}

// ownConflict returns the ECONFLICT error for o, which cannot be the
// node's own organisation since another one is.
func (s *OrganizationService) ownConflict(ctx context.Context, q conn, o *rampart.Organization) error {
	var own, name string
	err := q.queryRow(ctx, `SELECT id, name FROM organizations WHERE relation = 'own'`).Scan(&own, &name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store organisation %s: %w", o.ID, err)
	}
	return rampart.Errorf(rampart.ECONFLICT, "organisation %s cannot be the node's own: %s (%q) is; change that one's relation first", o.ID, own, name)
}

// UpdateOrganization replaces the name, relation and country of the
// organisation o.ID and sets o.CreatedAt to the stored one. It returns
// EINVALID as o.Validate says, ENOTFOUND when there is no such
// organisation and ECONFLICT when o would be a second organisation of the
// node's own.
func (s *OrganizationService) UpdateOrganization(ctx context.Context, o *rampart.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	var created int64
	err := s.db.writer().queryRow(ctx, `UPDATE organizations SET name = ?, relation = ?, country = ?
		WHERE id = ? RETURNING created_at`, o.Name, string(o.Relation), o.Country, o.ID).Scan(&created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return versions.OrganizationNotFound(o.ID)
	case s.db.Dialect.Unique(err):
		return s.ownConflict(ctx, s.db.read(), o)
	case err != nil:
		return fmt.Errorf("update organisation %s: %w", o.ID, err)
	}
	o.CreatedAt = versions.Time(created)
	return nil
}

// DeleteOrganization removes an organisation. It returns ENOTFOUND when
// there is none and ECONFLICT while accounts belong to it.
func (s *OrganizationService) DeleteOrganization(ctx context.Context, id string) error {
	what := fmt.Sprintf("delete organisation %q", id)
	return s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		// The row lock makes an account that is being given this
		// organisation wait (it reads the row FOR KEY SHARE), so the
		// count below sees it, or it sees no organisation.
		var found string
		err := tx.queryRow(ctx, `SELECT id FROM organizations WHERE id = ?`+s.db.Dialect.ForUpdate, id).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return versions.OrganizationNotFound(id)
		} else if err != nil {
			return wrap(what, err)
		}
		var (
			n       int
			example sql.NullString
		)
		if err := tx.queryRow(ctx, `SELECT count(*), min(name) FROM accounts WHERE organization = ?`, id).Scan(&n, &example); err != nil {
			return wrap(what, err)
		}
		if n > 0 {
			return rampart.Errorf(rampart.ECONFLICT, "organisation %s still has %d account(s), %q among them: move them to another organisation or delete them first", id, n, example.String)
		}
		if _, err := tx.exec(ctx, `DELETE FROM organizations WHERE id = ?`, id); err != nil {
			return wrap(what, err)
		}
		return nil
	})
}
