package rampart

import (
	"context"
	"time"
)

// APIRoot is a TAXII API root: a named group of collections served under
// /{Name}/.
type APIRoot struct {
	Name        string // URL path segment, e.g. "api1"
	Title       string
	Description string
	// MaxContentLength is the largest request body accepted, in bytes.
	MaxContentLength int64
	CreatedAt        time.Time
}

// Collection is a TAXII collection: an ordered set of object versions.
type Collection struct {
	ID          string // a UUID
	APIRoot     string // the Name of its API root
	Title       string
	Description string
	Alias       string
	// MediaTypes the collection accepts and serves, e.g.
	// "application/stix+json;version=2.1".
	MediaTypes []string
	CreatedAt  time.Time
}

// CollectionFilter selects collections; nil fields mean "any".
type CollectionFilter struct {
	APIRoot *string
	ID      *string
}

// CollectionService stores API roots and collections. Implementations are
// safe for concurrent use.
type CollectionService interface {
	// FindAPIRoots returns all API roots, ordered by name.
	FindAPIRoots(ctx context.Context) ([]*APIRoot, error)
	// FindAPIRootByName returns ENOTFOUND when there is none by that name.
	FindAPIRootByName(ctx context.Context, name string) (*APIRoot, error)
	// CreateAPIRoot returns ECONFLICT when the name is taken.
	CreateAPIRoot(ctx context.Context, root *APIRoot) error

	// FindCollections returns matching collections ordered by API root, then
	// creation.
	FindCollections(ctx context.Context, filter CollectionFilter) ([]*Collection, error)
	// FindCollectionByID returns ENOTFOUND when the API root has no such
	// collection.
	FindCollectionByID(ctx context.Context, apiRoot, id string) (*Collection, error)
	// CreateCollection assigns an ID when c.ID is empty; ENOTFOUND when the
	// API root does not exist, ECONFLICT when the ID is taken.
	CreateCollection(ctx context.Context, c *Collection) error
	// DeleteCollection removes the collection and every object in it.
	DeleteCollection(ctx context.Context, apiRoot, id string) error
}
