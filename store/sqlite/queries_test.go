package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/store/storetest"
)

// TestQueriesPerPage checks that reading a page takes the same number of
// SQL queries whatever its size: the collection's row, then the page.
func TestQueriesPerPage(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "q.db"))
	sqlite.SetTrace(db, func(sql string) {
		if strings.HasPrefix(strings.TrimSpace(sql), "SELECT") {
			mu.Lock()
			seen = append(seen, sql)
			mu.Unlock()
		}
	})
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := storetest.Services{Objects: sqlite.NewObjectService(db), Collections: sqlite.NewServices(db).Collections}
	storetest.CheckQueriesPerPage(t, s, func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := seen
		seen = nil
		return out
	})
}
