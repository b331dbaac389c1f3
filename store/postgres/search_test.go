package postgres

import (
	"context"
	"testing"

	"github.com/rampart-cti/rampart/pattern"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/storetest"
)

// TestSearchIndexRows checks that the search tables hold one entry per
// object, and none once the objects are gone.
func TestSearchIndexRows(t *testing.T) {
	ctx := context.Background()
	db := NewDB(pgtest.NewDatabase(t))
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := storetest.Services{Collections: NewServices(db).Collections, Objects: NewObjectService(db), Search: NewObjectService(db)}
	storetest.CheckSearchIndexRows(t, s, func() (docs, values int) {
		if err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM search_docs), (SELECT count(*) FROM object_values)`).Scan(&docs, &values); err != nil {
			t.Fatal(err)
		}
		return docs, values
	})
}

// TestSearchBackfill takes a store back to before migration 0005 and
// opens it again: the objects stored before must become searchable.
func TestSearchBackfill(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db := NewDB(dsn)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	services := func(db *DB) storetest.Services {
		return storetest.Services{Collections: NewServices(db).Collections, Objects: NewObjectService(db), Search: NewObjectService(db)}
	}
	storetest.CheckSearchBackfill(t, services(db), func() storetest.Services {
		for _, stmt := range []string{
			`DROP TABLE search_docs`,
			`DROP TABLE object_values`,
			`DROP TABLE search_backfill`,
			`DELETE FROM migrations WHERE name = '0005_search.sql' OR name = '0008_search_author_markings.sql'`,
		} {
			if _, err := db.pool.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		db.Close()
		db = NewDB(dsn)
		db.PatternValues = pattern.ValuesOf
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM search_backfill`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d collections left to back-fill after Open", left)
		}
		return services(db)
	})
}
