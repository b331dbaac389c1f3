package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/store/storetest"
)

// TestQueriesPerPage checks that reading a page takes the same number of
// SQL queries whatever its size: the collection's row, then the page.
func TestQueriesPerPage(t *testing.T) {
	var n atomic.Int64
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "q.db"))
	sqlite.SetTrace(db, func(sql string) {
		if strings.HasPrefix(strings.TrimSpace(sql), "SELECT") {
			n.Add(1)
		}
	})
	ctx := context.Background()
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	objects, collections := sqlite.NewObjectService(db), sqlite.NewCollectionService(db)
	if err := collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api"}); err != nil {
		t.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "api"}
	if err := collections.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := objects.CreateObjects(ctx, c.ID, storetest.Indicators(0, 2500)); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 10, 1000, 0} {
		for _, f := range []rampart.ObjectFilter{
			{CollectionID: c.ID, Limit: limit},
			{CollectionID: c.ID, Limit: limit, Types: []string{"indicator", "malware"}, Versions: []string{"all"}},
			{CollectionID: c.ID, Limit: limit, SpecVersions: []string{"2.1"}, MetadataOnly: true},
		} {
			n.Store(0)
			p, err := objects.FindObjects(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(limit, 2500); limit > 0 && len(p.Versions) != want {
				t.Fatalf("limit %d: %d versions", limit, len(p.Versions))
			}
			if got := n.Load(); got != 2 {
				t.Errorf("page of %d versions (%+v): %d queries, want 2", len(p.Versions), f, got)
			}
		}
	}
}
