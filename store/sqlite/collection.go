package sqlite

import (
	"context"
	"database/sql"
	json "encoding/json/v2"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
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

// FindAPIRoots returns all API roots ordered by name.
func (s *CollectionService) FindAPIRoots(ctx context.Context) ([]*rampart.APIRoot, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT name, title, description, max_content_length, created_at
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

type scanner interface{ Scan(dest ...any) error }

func scanAPIRoot(row scanner) (*rampart.APIRoot, error) {
	var r rampart.APIRoot
	var created int64
	if err := row.Scan(&r.Name, &r.Title, &r.Description, &r.MaxContentLength, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = versions.Time(created)
	return &r, nil
}

// FindAPIRootByName returns ENOTFOUND when there is none by that name.
func (s *CollectionService) FindAPIRootByName(ctx context.Context, name string) (*rampart.APIRoot, error) {
	r, err := scanAPIRoot(s.db.read.QueryRowContext(ctx, `SELECT name, title, description, max_content_length, created_at
		FROM api_roots WHERE name = ?`, name))
	if err == sql.ErrNoRows {
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
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO api_roots (name, title, description, max_content_length, created_at)
		VALUES (?, ?, ?, ?, ?)`, root.Name, root.Title, root.Description, root.MaxContentLength, versions.Micros(root.CreatedAt))
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "API root %q already exists", root.Name)
	} else if err != nil {
		return fmt.Errorf("create API root %q: %w", root.Name, err)
	}
	return nil
}

const collectionColumns = `id, api_root, title, description, alias, media_types, created_at`

func scanCollection(row scanner) (*rampart.Collection, error) {
	var c rampart.Collection
	var media string
	var created int64
	if err := row.Scan(&c.ID, &c.APIRoot, &c.Title, &c.Description, &c.Alias, &media, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(media), &c.MediaTypes); err != nil {
		return nil, fmt.Errorf("collection %q: media types: %w", c.ID, err)
	}
	c.CreatedAt = versions.Time(created)
	return &c, nil
}

// FindCollections returns matching collections ordered by API root, then
// creation.
func (s *CollectionService) FindCollections(ctx context.Context, filter rampart.CollectionFilter) ([]*rampart.Collection, error) {
	b := sqlgen.NewBuilder(sqlgen.SQLite)
	b.WriteString(`SELECT ` + collectionColumns + ` FROM collections WHERE 1`)
	if filter.APIRoot != nil {
		b.WriteString(" AND api_root = ")
		b.Arg(*filter.APIRoot)
	}
	if filter.ID != nil {
		b.WriteString(" AND id = ")
		b.Arg(*filter.ID)
	}
	b.WriteString(" ORDER BY api_root, created_at, pk")
	rows, err := s.db.read.QueryContext(ctx, b.String(), b.Args()...)
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
	c, err := scanCollection(s.db.read.QueryRowContext(ctx, `SELECT `+collectionColumns+`
		FROM collections WHERE api_root = ? AND id = ?`, apiRoot, id))
	if err == sql.ErrNoRows {
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
	mediaJSON, err := json.Marshal(media)
	if err != nil {
		return fmt.Errorf("create collection %q: %w", c.ID, err)
	}
	// Inserting from the API root's row: no row, no insert.
	res, err := s.db.write.ExecContext(ctx, `INSERT INTO collections (id, api_root, title, description, alias, media_types, created_at)
		SELECT ?, name, ?, ?, ?, ?, ? FROM api_roots WHERE name = ?`,
		c.ID, c.Title, c.Description, c.Alias, string(mediaJSON), versions.Micros(c.CreatedAt), c.APIRoot)
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "collection %q already exists", c.ID)
	} else if err != nil {
		return fmt.Errorf("create collection %q: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", c.APIRoot)
	}
	return nil
}

// DeleteCollection removes the collection, every object version in it and
// every grant on it; ENOTFOUND when the API root has no such collection.
func (s *CollectionService) DeleteCollection(ctx context.Context, apiRoot, id string) error {
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	defer tx.Rollback()
	var pk int64
	err = tx.QueryRowContext(ctx, `SELECT pk FROM collections WHERE api_root = ? AND id = ?`, apiRoot, id).Scan(&pk)
	if err == sql.ErrNoRows {
		return rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q", apiRoot, id)
	} else if err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE collection = ?`, pk); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM collections WHERE pk = ?`, pk); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete collection %q: %w", id, err)
	}
	return nil
}
