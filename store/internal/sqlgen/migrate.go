package sqlgen

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Migrate applies a store's embedded migrations, the files
// migrations/*.sql of fsys, in name order: apply gets each one's name
// ("0001_init.sql") and text, and runs it in one transaction with its
// record in the migrations table unless that records it already. Errors
// name the migration.
func Migrate(fsys fs.FS, apply func(name, text string) error) error {
	paths, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(paths)
	for _, path := range paths {
		name := strings.TrimPrefix(path, "migrations/")
		text, err := fs.ReadFile(fsys, path)
		if err == nil {
			err = apply(name, string(text))
		}
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}
