package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/postgres"
)

// TestMigrations opens one database from several processes' worth of DBs
// at once, and again later: each migration is applied and recorded once.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db := postgres.NewDB(dsn)
			errs[i] = db.Open(ctx)
			db.Close()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	db := postgres.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"0001_init.sql", "0002_objects_without_fk.sql", "0003_peers.sql", "0004_organizations_settings_audit.sql", "0005_search.sql", "0006_archive.sql", "0007_translog.sql", "0008_search_author_markings.sql"}, got); diff != "" {
		t.Errorf("applied migrations (-want +got):\n%s", diff)
	}
}

func TestOpenErrors(t *testing.T) {
	db := postgres.NewDB("postgres://rampart:s3cret-password@/nodb?host=/nonexistent&connect_timeout=2")
	err := db.Open(context.Background())
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	bad := postgres.NewDB("postgres://rampart:s3cret-password@host:notaport/db")
	err = bad.Open(context.Background())
	if err == nil {
		t.Fatal("Open of a malformed DSN succeeded")
	}
	if msg := err.Error(); contains(msg, "s3cret") {
		t.Errorf("error %q shows the password", msg)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
