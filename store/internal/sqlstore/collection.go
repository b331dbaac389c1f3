package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// CollectionService stores API roots and collections. It is safe for
// concurrent use, also by several processes on one database.
type CollectionService struct {
	db *DB
}

var _ rampart.CollectionService = (*CollectionService)(nil)

// NewCollectionService returns a CollectionService on db.
func NewCollectionService(db *DB) *CollectionService {
	return &CollectionService{db: db}
}

const apiRootColumns = `name, title, description, max_content_length, created_at`

func scanAPIRoot(row row) (*rampart.APIRoot, error) {
	var r rampart.APIRoot
	if err := row.Scan(&r.Name, &r.Title, &r.Description, &r.MaxContentLength, scanTime(&r.CreatedAt)); err != nil {
		return nil, err
	}
	return &r, nil
}

// FindAPIRoots returns all API roots ordered by name.
func (s *CollectionService) FindAPIRoots(ctx context.Context) ([]*rampart.APIRoot, error) {
	out, err := queryAll(ctx, s.db.read(), scanAPIRoot, `SELECT `+apiRootColumns+` FROM api_roots ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find API roots: %w", err)
	}
	return out, nil
}

// FindAPIRootByName returns ENOTFOUND when there is none by that name.
func (s *CollectionService) FindAPIRootByName(ctx context.Context, name string) (*rampart.APIRoot, error) {
	r, err := scanAPIRoot(s.db.read().queryRow(ctx, `SELECT `+apiRootColumns+` FROM api_roots WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("find API root %q: %w", name, err)
	}
	return r, nil
}

// CreateAPIRoot stores root, setting CreatedAt when it is zero. It returns
// EINVALID for a name that is not a URL path segment and ECONFLICT when the
// name is taken.
func (s *CollectionService) CreateAPIRoot(ctx context.Context, root *rampart.APIRoot) error {
	if err := versions.PrepareAPIRoot(root, s.db.Now); err != nil {
		return err
	}
	_, err := s.db.writer().exec(ctx, `INSERT INTO api_roots (`+apiRootColumns+`) VALUES (?, ?, ?, ?, ?)`,
		root.Name, root.Title, root.Description, root.MaxContentLength, s.db.Dialect.stamp(root.CreatedAt))
	if s.db.Dialect.Unique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "API root %q already exists", root.Name)
	} else if err != nil {
		return fmt.Errorf("create API root %q: %w", root.Name, err)
	}
	return nil
}

const collectionColumns = `id, api_root, title, description, alias, media_types, created_at`

func (s *CollectionService) scanCollection(row row) (*rampart.Collection, error) {
	var c rampart.Collection
	if err := row.Scan(&c.ID, &c.APIRoot, &c.Title, &c.Description, &c.Alias,
		s.db.Dialect.scanList(&c.MediaTypes), scanTime(&c.CreatedAt)); err != nil {
		return nil, err
	}
	return &c, nil
}

// FindCollections returns matching collections ordered by API root, then
// creation.
func (s *CollectionService) FindCollections(ctx context.Context, filter rampart.CollectionFilter) ([]*rampart.Collection, error) {
	query, args := `SELECT `+collectionColumns+` FROM collections`, []any(nil)
	where := " WHERE "
	if filter.APIRoot != nil {
		query += where + "api_root = ?"
		args, where = append(args, *filter.APIRoot), " AND "
	}
	if filter.ID != nil {
		query += where + "id = ?"
		args = append(args, *filter.ID)
	}
	rows, err := s.db.read().query(ctx, query+` ORDER BY api_root, created_at, pk`, args...)
	if err != nil {
		return nil, fmt.Errorf("find collections: %w", err)
	}
	defer rows.Close()
	var out []*rampart.Collection
	for rows.Next() {
		c, err := s.scanCollection(rows)
		if err != nil {
			return nil, fmt.Errorf("find collections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find collections: %w", err)
	}
	return out, nil
}

// FindCollectionByID returns ENOTFOUND when the API root has no such
// collection.
func (s *CollectionService) FindCollectionByID(ctx context.Context, apiRoot, id string) (*rampart.Collection, error) {
	c, err := s.scanCollection(s.db.read().queryRow(ctx, `SELECT `+collectionColumns+`
		FROM collections WHERE api_root = ? AND id = ?`, apiRoot, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q", apiRoot, id)
	} else if err != nil {
		return nil, fmt.Errorf("find collection %q: %w", id, err)
	}
	return c, nil
}

// CreateCollection stores c, assigning a random UUID when c.ID is empty and
// setting CreatedAt when it is zero. It returns EINVALID for an ID that is
// not a UUID, ENOTFOUND when the API root does not exist and ECONFLICT when
// the ID is taken (collection IDs are unique across API roots).
func (s *CollectionService) CreateCollection(ctx context.Context, c *rampart.Collection) error {
	if err := versions.PrepareCollection(c, s.db.Now); err != nil {
		return err
	}
	media, err := s.db.Dialect.list(c.MediaTypes)
	if err != nil {
		return fmt.Errorf("create collection %q: media types: %w", c.ID, err)
	}
	// Inserting from the API root's row: no row, no insert, and no race
	// with a concurrent deletion of the root.
	res, err := s.db.writer().exec(ctx, `INSERT INTO collections (`+collectionColumns+`)
		SELECT ?, name, ?, ?, ?, ?, ? FROM api_roots WHERE name = ?`,
		c.ID, c.Title, c.Description, c.Alias, media, s.db.Dialect.stamp(c.CreatedAt), c.APIRoot)
	if s.db.Dialect.Unique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "collection %q already exists", c.ID)
	} else if err != nil {
		return fmt.Errorf("create collection %q: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create collection %q: %w", c.ID, err)
	} else if n == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", c.APIRoot)
	}
	return nil
}

// DeleteCollection removes the collection, every object version in it and
// every grant on it; ENOTFOUND when the API root has no such collection.
// Other processes hear of it (the change feed).
func (s *CollectionService) DeleteCollection(ctx context.Context, apiRoot, id string) error {
	what := fmt.Sprintf("delete collection %q", id)
	return s.db.write(ctx, what, func(tx conn, sqlTx *sql.Tx) error {
		// The row lock waits for the collection's writers and keeps new
		// ones out until the deletion commits.
		var pk int64
		err := tx.queryRow(ctx, `SELECT pk FROM collections WHERE api_root = ? AND id = ?`+s.db.Dialect.ForUpdate, apiRoot, id).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q", apiRoot, id)
		} else if err != nil {
			return wrap(what, err)
		}
		for _, stmt := range s.db.Dialect.DeleteCollection {
			if _, err := tx.exec(ctx, stmt, pk); err != nil {
				return wrap(what, err)
			}
		}
		// The objects first: they have no foreign key to cascade from.
		if _, err := tx.exec(ctx, `DELETE FROM objects WHERE collection = ?`, pk); err != nil {
			return wrap(what, err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM collections WHERE pk = ?`, pk); err != nil {
			return wrap(what, err)
		}
		if s.db.Notify != nil {
			if err := s.db.Notify(ctx, sqlTx); err != nil {
				return wrap(what, err)
			}
		}
		return nil
	})
}
