package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/storetest"
)

// selects keeps the text of the SELECT statements sent.
type selects struct {
	mu   sync.Mutex
	seen []string
}

func (c *selects) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s := strings.TrimLeft(d.SQL, "( \n\t")
	if strings.HasPrefix(s, "SELECT") {
		c.mu.Lock()
		c.seen = append(c.seen, d.SQL)
		c.mu.Unlock()
	}
	return ctx
}

func (c *selects) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// taken returns the statements seen since the previous call.
func (c *selects) taken() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.seen
	c.seen = nil
	return out
}

// TestQueriesPerPage checks that reading a page takes the same number of
// SQL queries whatever its size: the collection's row, then the page.
func TestQueriesPerPage(t *testing.T) {
	var c selects
	db := postgres.NewDB(pgtest.NewDatabase(t))
	postgres.SetTracer(db, &c)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := storetest.Services{Objects: postgres.NewObjectService(db), Collections: postgres.NewServices(db).Collections}
	storetest.CheckQueriesPerPage(t, s, c.taken)
}
