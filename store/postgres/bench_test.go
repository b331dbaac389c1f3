package postgres_test

import (
	"context"
	"flag"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/storetest"
)

var benchObjects = flag.Int("objects", 100_000, "object versions in the database of BenchmarkFindObjects")

const benchCollection = "00000000-0000-4000-8000-00000000b0b0"

func benchServices(b *testing.B) (storetest.Services, *postgres.DB) {
	db := openTest(b)
	s := storetest.Services{Objects: postgres.NewObjectService(db), Collections: postgres.NewServices(db).Collections}
	ctx := context.Background()
	if err := s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	if err := s.Collections.CreateCollection(ctx, &rampart.Collection{ID: benchCollection, APIRoot: "bench"}); err != nil {
		b.Fatal(err)
	}
	return s, db
}

// BenchmarkCreateObjects stores bundles of 1,000 indicators of ~600 bytes.
func BenchmarkCreateObjects(b *testing.B) {
	s, _ := benchServices(b)
	storetest.BenchCreateObjects(b, s, benchCollection, 1000)
}

// BenchmarkFindObjects reads pages of 1,000 from a collection of -objects
// versions (100,000 by default; the documented figures use
// -objects=1000000).
func BenchmarkFindObjects(b *testing.B) {
	s, db := benchServices(b)
	storetest.Fill(b, s, benchCollection, *benchObjects)
	// Give the planner statistics now rather than when autovacuum gets to it.
	ctx := context.Background()
	c, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Exec(ctx, "VACUUM ANALYZE objects"); err != nil {
		b.Fatal(err)
	}
	c.Close(ctx)
	storetest.BenchListings(b, s, benchCollection, *benchObjects)
}

// BenchmarkServices measures the calls a node makes per request other
// than object reads and writes (see storetest.BenchServices).
func BenchmarkServices(b *testing.B) {
	storetest.BenchServices(b, services(openTest(b)))
}

// BenchmarkFindLargeObjects lists 20 notes of 15 MiB without their JSON
// and reads one with it (see storetest.BenchLargeObjects).
func BenchmarkFindLargeObjects(b *testing.B) {
	s, _ := benchServices(b)
	storetest.BenchLargeObjects(b, s, benchCollection, 20, 15<<20)
}

var searchObjects = flag.Int("search.objects", 20_000, "objects in the database of BenchmarkSearch")

// BenchmarkSearch measures searches of a collection of -search.objects
// objects (see storetest.BenchSearch), stored anew in the test server.
func BenchmarkSearch(b *testing.B) {
	s, db := benchServices(b)
	storetest.FillSearch(b, s, benchCollection, *searchObjects)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	c.Close(ctx)
	s.Search = postgres.NewObjectService(db)
	storetest.BenchSearch(b, s, benchCollection, *searchObjects)
}
