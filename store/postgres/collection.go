package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// CollectionService stores API roots and collections. It is safe for
// concurrent use.
type CollectionService struct {
	db *DB
}

var _ rampart.CollectionService = (*CollectionService)(nil)

// NewCollectionService returns a CollectionService on db.
func NewCollectionService(db *DB) *CollectionService {
	return &CollectionService{db: db}
}

func scanAPIRoot(row pgx.Row) (*rampart.APIRoot, error) {
	var r rampart.APIRoot
	if err := row.Scan(&r.Name, &r.Title, &r.Description, &r.MaxContentLength, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// FindAPIRoots returns all API roots ordered by name.
func (s *CollectionService) FindAPIRoots(ctx context.Context) ([]*rampart.APIRoot, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT name, title, description, max_content_length, created_at
		FROM api_roots ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find API roots: %w", err)
	}
	defer rows.Close()
	var out []*rampart.APIRoot
	for rows.Next() {
		r, err := scanAPIRoot(rows)
		if err != nil {
			return nil, fmt.Errorf("find API roots: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindAPIRootByName returns ENOTFOUND when there is none by that name.
func (s *CollectionService) FindAPIRootByName(ctx context.Context, name string) (*rampart.APIRoot, error) {
	r, err := scanAPIRoot(s.db.pool.QueryRow(ctx, `SELECT name, title, description, max_content_length, created_at
		FROM api_roots WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
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
	_, err := s.db.pool.Exec(ctx, `INSERT INTO api_roots (name, title, description, max_content_length, created_at)
		VALUES ($1, $2, $3, $4, $5)`, root.Name, root.Title, root.Description, root.MaxContentLength, root.CreatedAt)
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "API root %q already exists", root.Name)
	} else if err != nil {
		return fmt.Errorf("create API root %q: %w", root.Name, err)
	}
	return nil
}

const collectionColumns = `id, api_root, title, description, alias, media_types, created_at`

func scanCollection(row pgx.Row) (*rampart.Collection, error) {
	var c rampart.Collection
	if err := row.Scan(&c.ID, &c.APIRoot, &c.Title, &c.Description, &c.Alias, &c.MediaTypes, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, nil
}

// FindCollections returns matching collections ordered by API root, then
// creation.
func (s *CollectionService) FindCollections(ctx context.Context, filter rampart.CollectionFilter) ([]*rampart.Collection, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+collectionColumns+` FROM collections
		WHERE ($1::text IS NULL OR api_root = $1) AND ($2::text IS NULL OR id = $2)
		ORDER BY api_root, created_at, pk`, filter.APIRoot, filter.ID)
	if err != nil {
		return nil, fmt.Errorf("find collections: %w", err)
	}
	defer rows.Close()
	var out []*rampart.Collection
	for rows.Next() {
		c, err := scanCollection(rows)
		if err != nil {
			return nil, fmt.Errorf("find collections: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindCollectionByID returns ENOTFOUND when the API root has no such
// collection.
func (s *CollectionService) FindCollectionByID(ctx context.Context, apiRoot, id string) (*rampart.Collection, error) {
	c, err := scanCollection(s.db.pool.QueryRow(ctx, `SELECT `+collectionColumns+`
		FROM collections WHERE api_root = $1 AND id = $2`, apiRoot, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	media := c.MediaTypes
	if media == nil {
		media = []string{}
	}
	// Inserting from the API root's row: no row, no insert, and no race
	// with a concurrent deletion of the root.
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO collections (id, api_root, title, description, alias, media_types, created_at)
		SELECT $1, name, $3, $4, $5, $6, $7 FROM api_roots WHERE name = $2`,
		c.ID, c.APIRoot, c.Title, c.Description, c.Alias, media, c.CreatedAt)
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "collection %q already exists", c.ID)
	} else if err != nil {
		return fmt.Errorf("create collection %q: %w", c.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", c.APIRoot)
	}
	return nil
}

// DeleteCollection removes the collection, every object version in it and
// every grant on it; ENOTFOUND when the API root has no such collection.
func (s *CollectionService) DeleteCollection(ctx context.Context, apiRoot, id string) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	defer tx.Rollback(ctx)
	// The row lock waits for the collection's writers and keeps new ones
	// out until the deletion commits.
	var pk int64
	err = tx.QueryRow(ctx, `SELECT pk FROM collections WHERE api_root = $1 AND id = $2 FOR UPDATE`, apiRoot, id).Scan(&pk)
	if errors.Is(err, pgx.ErrNoRows) {
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q", apiRoot, id)
	} else if err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM objects WHERE collection = $1`, pk); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM collections WHERE pk = $1`, pk); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if err := s.db.notify(ctx, tx); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	return nil
}
