package postgres

import (
	"context"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"

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

// TestSearchMigrationAuthorMarkings takes a store back to before
// migration 0008, with the author and markings of an object as rows of
// object_values, and opens it again: the migration moves them into the
// columns of search_docs, and searches by author and by each marking
// find the object.
func TestSearchMigrationAuthorMarkings(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db := NewDB(dsn)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := NewServices(db)
	if err := svc.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api", Title: "API"}); err != nil {
		t.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "api", Title: "objects", MediaTypes: []string{"application/stix+json;version=2.1"}}
	if err := svc.Collections.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	const (
		mal    = "malware--00000000-0000-4000-8000-00000000000c"
		plain  = "malware--00000000-0000-4000-8000-00000000000d"
		author = "identity--00000000-0000-4000-8000-0000000000aa"
		green  = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
		other  = "marking-definition--00000000-0000-4000-8000-0000000000bb"
	)
	var list []*stix.Object
	for _, raw := range []string{
		`{"type":"malware","spec_version":"2.1","id":"` + mal + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",` +
			`"name":"Crusher","is_family":true,"created_by_ref":"` + author + `","object_marking_refs":["` + green + `","` + other + `"]}`,
		`{"type":"malware","spec_version":"2.1","id":"` + plain + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",` +
			`"name":"Plain","is_family":true}`,
	} {
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, o)
	}
	if _, err := NewObjectService(db).CreateObjects(ctx, c.ID, list); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO object_values (collection, value, seq) SELECT d.collection, 'c:` + author + `', d.seq FROM search_docs d JOIN objects o ON o.seq = d.seq WHERE o.id = '` + mal + `'`,
		`INSERT INTO object_values (collection, value, seq) SELECT d.collection, 'm:` + green + `', d.seq FROM search_docs d JOIN objects o ON o.seq = d.seq WHERE o.id = '` + mal + `'`,
		`INSERT INTO object_values (collection, value, seq) SELECT d.collection, 'm:` + other + `', d.seq FROM search_docs d JOIN objects o ON o.seq = d.seq WHERE o.id = '` + mal + `'`,
		`ALTER TABLE search_docs DROP COLUMN created_by`,
		`ALTER TABLE search_docs DROP COLUMN markings`,
		`DELETE FROM migrations WHERE name = '0008_search_author_markings.sql'`,
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
	var left, unmarked int
	if err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM object_values WHERE value LIKE 'c:%' OR value LIKE 'm:%'),
		(SELECT count(*) FROM search_docs WHERE created_by = '' AND markings = '')`).Scan(&left, &unmarked); err != nil {
		t.Fatal(err)
	}
	if left != 0 || unmarked != 1 {
		t.Errorf("after the migration: %d author and marking rows left in object_values (want 0), %d versions without author and markings (want 1)", left, unmarked)
	}
	for _, q := range []rampart.SearchQuery{{CreatedBy: author}, {Marking: green}, {Marking: other}, {Marking: other, CreatedBy: author, Text: "crusher"}} {
		q.CollectionIDs = []string{c.ID}
		p, err := NewObjectService(db).SearchObjects(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Hits) != 1 || p.Hits[0].Version.Object.ID != mal {
			t.Errorf("search %+v after the migration: %d hits, want the one malware", q, len(p.Hits))
		}
	}
}
