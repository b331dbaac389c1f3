package postgres

import (
	"context"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/stix"
)

// TestDeleteCollectionRemovesRows checks that deleting a collection
// deletes its object rows too (objects has no foreign key to cascade).
func TestDeleteCollectionRemovesRows(t *testing.T) {
	ctx := context.Background()
	db := NewDB(pgtest.NewDatabase(t))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, objects := NewCollectionService(db), NewObjectService(db)
	if err := cs.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		c := &rampart.Collection{APIRoot: "api"}
		if err := cs.CreateCollection(ctx, c); err != nil {
			t.Fatal(err)
		}
		o, _ := stix.ParseObject([]byte(`{"type":"tool","spec_version":"2.1","id":"tool--00000000-0000-4000-8000-000000000001","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"t"}`))
		if _, err := objects.CreateObjects(ctx, c.ID, []*stix.Object{o}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := cs.DeleteCollection(ctx, "api", ids[0]); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM objects`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d object rows after deleting one of two collections, want 1", n)
	}
	// Migration 0002 dropped the foreign key (its per-row check dominated
	// ingest).
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'objects'::regclass AND contype = 'f'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("objects has %d foreign keys, want none", n)
	}
}
