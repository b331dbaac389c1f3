package sqlstore

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// SecretService keeps node-wide secrets. It is safe for concurrent use,
// also by several processes on one database.
type SecretService struct {
	db *DB
}

var _ rampart.SecretService = (*SecretService)(nil)

// NewSecretService returns a SecretService on db.
func NewSecretService(db *DB) *SecretService {
	return &SecretService{db: db}
}

// FindOrCreateSecret returns the secret stored under name, creating a random
// one of n bytes on first use; concurrent first calls, from any process,
// all get the same one. It fails when the stored secret is not n bytes long.
func (s *SecretService) FindOrCreateSecret(ctx context.Context, name string, n int) ([]byte, error) {
	fresh, err := versions.NewSecret(name, n)
	if err != nil {
		return nil, err
	}
	// The insert waits for a concurrent uncommitted insert of the same
	// name (PostgreSQL), or for the writer (SQLite), so the select that
	// follows, on the writing pool, sees the winner's value.
	w := s.db.writer()
	if _, err := w.exec(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("create secret %q: %w", name, err)
	}
	var v []byte
	if err := w.queryRow(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("find secret %q: %w", name, err)
	}
	if len(v) != n {
		return nil, fmt.Errorf("secret %q holds %d bytes, not the %d asked for", name, len(v), n)
	}
	return v, nil
}
