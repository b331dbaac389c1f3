package postgres

import (
	"context"
	"testing"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/storetest"
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
	s := storetest.Services{Collections: NewServices(db).Collections, Objects: NewObjectService(db)}
	var n int
	storetest.CheckDeleteCollectionRows(t, s, func() int {
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM objects`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
	// Migration 0002 dropped the foreign key (its per-row check dominated
	// ingest).
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'objects'::regclass AND contype = 'f'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("objects has %d foreign keys, want none", n)
	}
}
