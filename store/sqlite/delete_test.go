package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/store/storetest"
)

// TestDeleteCollectionRemovesRows checks that deleting a collection
// deletes its object rows too (objects has no foreign key to cascade).
func TestDeleteCollectionRemovesRows(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "d.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := storetest.Services{Collections: NewServices(db).Collections, Objects: NewObjectService(db)}
	storetest.CheckDeleteCollectionRows(t, s, func() int {
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM objects`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}
