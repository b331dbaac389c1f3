package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"

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
			`DELETE FROM migrations WHERE name = '0005_search.sql' OR name = '0008_search_author_markings.sql'`,
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

// TestSearchIndexSkipsWordlessRows: a version without words (a
// relationship) has no row in the FTS5 tables, one without a name (an
// indicator) none in search_names; both are found by the values they
// name, and deleting them deletes what they have.
func TestSearchIndexSkipsWordlessRows(t *testing.T) {
	ctx := context.Background()
	db, c := openIndexed(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	objs := NewObjectService(db)
	const (
		ind = "indicator--00000000-0000-4000-8000-00000000000a"
		rel = "relationship--00000000-0000-4000-8000-00000000000b"
		mal = "malware--00000000-0000-4000-8000-00000000000c"
	)
	var list []*stix.Object
	for _, raw := range []string{
		`{"type":"indicator","spec_version":"2.1","id":"` + ind + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"relationship","spec_version":"2.1","id":"` + rel + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","relationship_type":"indicates","source_ref":"` + ind + `","target_ref":"` + mal + `"}`,
	} {
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, o)
	}
	if _, err := objs.CreateObjects(ctx, c.ID, list); err != nil {
		t.Fatal(err)
	}
	counts := func() (text, names, docs int) {
		t.Helper()
		if err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM search_text_docsize), (SELECT count(*) FROM search_names_docsize), (SELECT count(*) FROM search_docs)`).Scan(&text, &names, &docs); err != nil {
			t.Fatal(err)
		}
		return
	}
	if text, names, docs := counts(); text != 1 || names != 0 || docs != 2 {
		t.Errorf("text rows %d, name rows %d, docs %d; want 1 (the indicator's pattern words), 0, 2", text, names, docs)
	}
	for _, q := range []struct{ text, want string }{{"198.51.100.9", ind}, {mal, rel}} {
		p, err := objs.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{c.ID}, Text: q.text})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range p.Hits {
			found = found || h.Version.Object.ID == q.want
		}
		if !found {
			t.Errorf("search %q does not find %s", q.text, q.want)
		}
	}
	for _, id := range []string{ind, rel} {
		if _, err := objs.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, IDs: []string{id}}); err != nil {
			t.Fatal(err)
		}
	}
	if text, names, docs := counts(); text != 0 || names != 0 || docs != 0 {
		t.Errorf("after deleting both: text rows %d, name rows %d, docs %d; want none", text, names, docs)
	}
}

// TestSearchMigrationAuthorMarkings takes a store back to before
// migration 0008, with the author and markings of an object as rows of
// object_values, and opens it again: the migration moves them into the
// columns of search_docs, and searches by author and by each marking
// find the object.
func TestSearchMigrationAuthorMarkings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, c := openIndexed(t, path)
	const (
		mal    = "malware--00000000-0000-4000-8000-00000000000c"
		author = "identity--00000000-0000-4000-8000-0000000000aa"
		green  = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
		other  = "marking-definition--00000000-0000-4000-8000-0000000000bb"
	)
	o, err := stix.ParseObject([]byte(`{"type":"malware","spec_version":"2.1","id":"` + mal + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",` +
		`"name":"Crusher","is_family":true,"created_by_ref":"` + author + `","object_marking_refs":["` + green + `","` + other + `"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewObjectService(db).CreateObjects(ctx, c.ID, []*stix.Object{o}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	old, err := driver.Open(path, func(c *sqlite3.Conn) error { return fts5.Register(c) })
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO object_values (collection, value, seq) SELECT collection, 'c:` + author + `', seq FROM search_docs`,
		`INSERT INTO object_values (collection, value, seq) SELECT collection, 'm:` + green + `', seq FROM search_docs`,
		`INSERT INTO object_values (collection, value, seq) SELECT collection, 'm:` + other + `', seq FROM search_docs`,
		`ALTER TABLE search_docs DROP COLUMN created_by`,
		`ALTER TABLE search_docs DROP COLUMN markings`,
		`DELETE FROM migrations WHERE name = '0008_search_author_markings.sql'`,
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
	defer db.Close()
	var left int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM object_values WHERE value LIKE 'c:%' OR value LIKE 'm:%'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d author and marking rows left in object_values after the migration", left)
	}
	for _, q := range []rampart.SearchQuery{{CreatedBy: author}, {Marking: green}, {Marking: other}, {Marking: other, CreatedBy: author, Text: "crusher"}} {
		q.CollectionIDs = []string{c.ID}
		p, err := NewObjectService(db).SearchObjects(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Hits) != 1 || p.Hits[0].Version.Object.ID != mal {
			t.Errorf("search %+v after the migration: %d hits, want the malware", q, len(p.Hits))
		}
	}
}

// TestSearchIndexManyRows stores more objects in one write than one
// prepared INSERT of the search index takes (256 rows, then 128, 64, …):
// each of them must be indexed once, and found by its value.
func TestSearchIndexManyRows(t *testing.T) {
	ctx := context.Background()
	db, c := openIndexed(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	objs := NewObjectService(db)
	const n = 256 + 256 + 4 + 1
	var list []*stix.Object
	for i := range n {
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z",`+
			`"modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, i, i/256, i%256))
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, o)
	}
	if _, err := objs.CreateObjects(ctx, c.ID, list); err != nil {
		t.Fatal(err)
	}
	var docs, values int
	if err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM search_docs), (SELECT count(*) FROM object_values)`).Scan(&docs, &values); err != nil {
		t.Fatal(err)
	}
	if docs != n || values != n {
		t.Errorf("%d rows in search_docs and %d in object_values, want %d of each", docs, values, n)
	}
	for _, i := range []int{0, 255, 256, 511, 512, 515, n - 1} {
		p, err := objs.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{c.ID}, Text: fmt.Sprintf("10.0.%d.%d", i/256, i%256)})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i)
		if len(p.Hits) != 1 || p.Hits[0].Version.Object.ID != want {
			t.Errorf("search for the value of object %d: %d hits, want %s", i, len(p.Hits), want)
		}
	}
}

// openIndexed opens a store at path that indexes pattern values, with one
// collection, "objects" of API root "api"; the caller closes it.
func openIndexed(t *testing.T, path string) (*DB, *rampart.Collection) {
	t.Helper()
	ctx := context.Background()
	db := NewDB(path)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	svc := NewServices(db)
	if err := svc.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api", Title: "API"}); err != nil {
		db.Close()
		t.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "api", Title: "objects", MediaTypes: []string{"application/stix+json;version=2.1"}}
	if err := svc.Collections.CreateCollection(ctx, c); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, c
}

// TestPrepareObjects prepares two batches before either is written, as an
// import does, then writes them in turn (the second twice): each object
// must be stored once, in order, and found by its value.
func TestPrepareObjects(t *testing.T) {
	ctx := context.Background()
	db, c := openIndexed(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	objs := NewObjectService(db)
	batch := func(from, n int) []*stix.Object {
		var list []*stix.Object
		for i := from; i < from+n; i++ {
			o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z",`+
				`"modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'p%d.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, i, i))
			if err != nil {
				t.Fatal(err)
			}
			list = append(list, o)
		}
		return list
	}
	first, second := objs.PrepareObjects(batch(0, 70)), objs.PrepareObjects(batch(70, 5))
	var seqs []int64
	for i, write := range []func(context.Context, string) ([]rampart.ObjectResult, error){first, second, second} {
		res, err := write(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Added != (i < 2) {
				t.Errorf("write %d: %s added %v", i, r.ID, r.Added)
			}
			if r.Added {
				seqs = append(seqs, r.Seq)
			}
		}
	}
	if len(seqs) != 75 {
		t.Fatalf("%d versions added, want 75", len(seqs))
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("seq of object %d is %d, after %d", i, seqs[i], seqs[i-1])
		}
	}
	var docs, values int
	if err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM search_docs), (SELECT count(*) FROM object_values)`).Scan(&docs, &values); err != nil {
		t.Fatal(err)
	}
	if docs != 75 || values != 75 {
		t.Errorf("%d rows in search_docs and %d in object_values, want 75 of each", docs, values)
	}
	for _, i := range []int{0, 69, 70, 74} {
		p, err := objs.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{c.ID}, Text: fmt.Sprintf("p%d.example", i)})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i); len(p.Hits) != 1 || p.Hits[0].Version.Object.ID != want {
			t.Errorf("search for the value of object %d: %d hits, want %s", i, len(p.Hits), want)
		}
	}
}
