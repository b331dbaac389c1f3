package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/pattern"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"

	"github.com/rampart-cti/rampart/store/storetest"
)

// TestSearchIndexRows checks that the search tables hold one entry per
// object, and none once the objects are gone.
func TestSearchIndexRows(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "s.db"))
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := storetest.Services{Collections: NewServices(db).Collections, Objects: NewObjectService(db), Search: NewObjectService(db)}
	storetest.CheckSearchIndexRows(t, s, func() (docs, values int) {
		// The FTS5 table's docsize table has a row per indexed version.
		var text, names int
		if err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM search_text_docsize), (SELECT count(*) FROM search_names_docsize),
			(SELECT count(*) FROM search_docs), (SELECT count(*) FROM object_values)`).Scan(&text, &names, &docs, &values); err != nil {
			t.Fatal(err)
		}
		if text != docs || names != docs {
			t.Errorf("%d versions in the text index, %d in the names index, %d in search_docs", text, names, docs)
		}
		return docs, values
	})
}

// TestSearchBackfill takes a store back to before migration 0005 and
// opens it again: the objects stored before must become searchable.
func TestSearchBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := NewDB(path)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	services := func(db *DB) storetest.Services {
		return storetest.Services{Collections: NewServices(db).Collections, Objects: NewObjectService(db), Search: NewObjectService(db)}
	}
	storetest.CheckSearchBackfill(t, services(db), func() storetest.Services {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		old, err := driver.Open(path, func(c *sqlite3.Conn) error { return fts5.Register(c) })
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`DROP TABLE search_text`,
			`DROP TABLE search_names`,
			`DROP TABLE search_docs`,
			`DROP TABLE object_values`,
			`DROP TABLE search_backfill`,
			`DELETE FROM migrations WHERE name = '0005_search.sql'`,
		} {
			if _, err := old.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		old.Close()
		db = NewDB(path)
		db.PatternValues = pattern.ValuesOf
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM search_backfill`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d collections left to back-fill after Open", left)
		}
		return services(db)
	})
}
