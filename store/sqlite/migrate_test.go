package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/sqlite"
)

// TestMigrations opens a file twice: each migration is applied and recorded
// once, and the data survives reopening.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	for i := range 2 {
		db := sqlite.NewDB(path)
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := db.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"0001_init.sql", "0002_objects_without_fk.sql", "0003_peers.sql", "0004_organizations_settings_audit.sql", "0005_search.sql", "0006_archive.sql", "0007_translog.sql", "0008_search_author_markings.sql"}, got); diff != "" {
			t.Errorf("open %d: applied migrations (-want +got):\n%s", i+1, diff)
		}
		cs := sqlite.NewServices(db).Collections
		if i == 0 {
			if err := cs.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "kept"}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := cs.FindAPIRootByName(ctx, "kept"); err != nil {
			t.Errorf("after reopening: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []*sqlite.DB{
		sqlite.NewDB(""),
		sqlite.NewDB(filepath.Join(dir, "missing-dir", "x.db")),
		func() *sqlite.DB { db := sqlite.NewDB(filepath.Join(dir, "s.db")); db.Synchronous = "off"; return db }(),
	}
	for _, db := range tests {
		if err := db.Open(ctx); err == nil {
			t.Errorf("Open(%q, synchronous %q) succeeded", db.Path, db.Synchronous)
			db.Close()
		}
	}
	notDB := filepath.Join(dir, "text.db")
	os.WriteFile(notDB, []byte("this is not a database, but it is long enough to have a header........"), 0o600)
	if err := sqlite.NewDB(notDB).Open(ctx); err == nil {
		t.Errorf("Open of a text file succeeded")
	}
}

// TestFilesOwnerOnly: the database holds password hashes and node secrets,
// so it and SQLite's WAL and shared-memory files are readable by their
// owner only.
func TestFilesOwnerOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "secret.db")
	db := sqlite.NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := sqlite.NewServices(db).Secrets.FindOrCreateSecret(ctx, "k", 32); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), perm)
		}
	}
}
