package postgres_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/storetest"
)

// counter counts the SELECT statements sent, and keeps their text.
type counter struct {
	n    atomic.Int64
	mu   sync.Mutex
	last []string
}

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s := strings.TrimLeft(d.SQL, "( \n\t")
	if strings.HasPrefix(s, "SELECT") {
		c.n.Add(1)
		c.mu.Lock()
		c.last = append(c.last, d.SQL)
		c.mu.Unlock()
	}
	return ctx
}

func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestQueriesPerPage checks that reading a page takes the same number of
// SQL queries whatever its size, and that the page query reads index
// ranges, not the whole table.
func TestQueriesPerPage(t *testing.T) {
	var c counter
	db := postgres.NewDB(pgtest.NewDatabase(t))
	postgres.SetTracer(db, &c)
	ctx := context.Background()
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	objects, collections := postgres.NewObjectService(db), postgres.NewCollectionService(db)
	if err := collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api"}); err != nil {
		t.Fatal(err)
	}
	coll := &rampart.Collection{APIRoot: "api"}
	if err := collections.CreateCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	if _, err := objects.CreateObjects(ctx, coll.ID, storetest.Indicators(0, 2500)); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 10, 1000, 0} {
		for _, f := range []rampart.ObjectFilter{
			{CollectionID: coll.ID, Limit: limit},
			{CollectionID: coll.ID, Limit: limit, Types: []string{"indicator", "malware"}, Versions: []string{"all"}},
			{CollectionID: coll.ID, Limit: limit, SpecVersions: []string{"2.1"}, MetadataOnly: true},
		} {
			c.n.Store(0)
			c.last = nil
			p, err := objects.FindObjects(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if limit > 0 && len(p.Versions) != limit {
				t.Fatalf("limit %d: %d versions", limit, len(p.Versions))
			}
			if got := c.n.Load(); got != 2 {
				t.Errorf("page of %d versions (%+v): %d queries, want 2:\n%s", len(p.Versions), f, got, strings.Join(c.last, "\n"))
			}
		}
	}
}
