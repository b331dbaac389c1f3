package sqlite_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/store/storetest"
)

var (
	benchObjects = flag.Int("objects", 100_000, "object versions in the database of BenchmarkFindObjects")
	benchDB      = flag.String("benchdb", "", "keep BenchmarkFindObjects's database in this file and reuse it (default: a new temporary file)")
	benchSync    = flag.String("sync", sqlite.SyncFull, "synchronous setting of the benchmark databases (full or normal)")
)

func benchServices(b *testing.B, path string) (storetest.Services, *sqlite.DB) {
	db := sqlite.NewDB(path)
	db.PatternValues = pattern.ValuesOf
	db.Synchronous = *benchSync
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return storetest.Services{
		Objects:     sqlite.NewObjectService(db),
		Collections: sqlite.NewServices(db).Collections,
	}, db
}

const benchCollection = "00000000-0000-4000-8000-00000000b0b0"

func benchCollectionIn(b *testing.B, s storetest.Services) {
	ctx := context.Background()
	if _, err := s.Collections.FindCollectionByID(ctx, "bench", benchCollection); err == nil {
		return
	}
	if err := s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	if err := s.Collections.CreateCollection(ctx, &rampart.Collection{ID: benchCollection, APIRoot: "bench"}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCreateObjects stores bundles of 1,000 indicators of ~600 bytes.
func BenchmarkCreateObjects(b *testing.B) {
	s, _ := benchServices(b, filepath.Join(b.TempDir(), "bench.db"))
	benchCollectionIn(b, s)
	storetest.BenchCreateObjects(b, s, benchCollection, 1000)
}

// BenchmarkFindObjects reads pages of 1,000 from a collection of
// -objects versions (100,000 by default; the documented figures use
// -objects=1000000 -benchdb=/tmp/rampart-bench.db to build it once).
func BenchmarkFindObjects(b *testing.B) {
	path := *benchDB
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	} else if _, err := os.Stat(path); err == nil {
		b.Logf("reusing %s", path)
	}
	s, _ := benchServices(b, path)
	benchCollectionIn(b, s)
	storetest.Fill(b, s, benchCollection, *benchObjects)
	storetest.BenchListings(b, s, benchCollection, *benchObjects)
}

// BenchmarkServices measures the calls a node makes per request other
// than object reads and writes (see storetest.BenchServices).
func BenchmarkServices(b *testing.B) {
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "bench.db"))
	db.PatternValues = pattern.ValuesOf
	db.Synchronous = *benchSync
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	storetest.BenchServices(b, services(db))
}

// BenchmarkCreateObjectsLarge stores bundles of 1,000 new indicators into
// the collection of the -benchdb database (built by BenchmarkFindObjects
// with -objects=1000000), to measure ingest into a large collection. It
// adds to that database.
func BenchmarkCreateObjectsLarge(b *testing.B) {
	if *benchDB == "" {
		b.Fatal("BenchmarkCreateObjectsLarge needs -benchdb naming a database built by BenchmarkFindObjects")
	}
	s, _ := benchServices(b, *benchDB)
	first := largeFirst
	largeFirst += b.N * 1000
	storetest.BenchCreateObjectsFrom(b, s, benchCollection, 1000, first)
}

// largeFirst numbers the indicators BenchmarkCreateObjectsLarge adds; it
// starts from the clock so that runs against one database add new ones.
var largeFirst = 50_000_000 + int(time.Now().Unix()%10_000)*10_000

// BenchmarkFindLargeObjects lists 20 notes of 15 MiB without their JSON
// and reads one with it (see storetest.BenchLargeObjects).
func BenchmarkFindLargeObjects(b *testing.B) {
	s, _ := benchServices(b, filepath.Join(b.TempDir(), "bench.db"))
	benchCollectionIn(b, s)
	storetest.BenchLargeObjects(b, s, benchCollection, 20, 15<<20)
}

var searchObjects = flag.Int("search.objects", 20_000, "objects in the database of BenchmarkSearch (the documented figures use 1000000)")

// BenchmarkSearch measures searches of a collection of -search.objects
// objects (see storetest.BenchSearch). The database is built once per
// size and corpus version, under the temporary directory, and reused by
// later runs.
func BenchmarkSearch(b *testing.B) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("rampart-search-bench-v%s-%d.db", storetest.SearchCorpusVersion, *searchObjects))
	if _, err := os.Stat(path); err != nil {
		building := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(building + suffix)
		}
		db := sqlite.NewDB(building)
		db.PatternValues = pattern.ValuesOf
		db.Synchronous = sqlite.SyncNormal
		if err := db.Open(context.Background()); err != nil {
			b.Fatal(err)
		}
		s := storetest.Services{Objects: sqlite.NewObjectService(db), Collections: sqlite.NewServices(db).Collections}
		benchCollectionIn(b, s)
		storetest.FillSearch(b, s, benchCollection, *searchObjects)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(building, path); err != nil {
			b.Fatal(err)
		}
	} else {
		b.Logf("reusing %s", path)
	}
	db := sqlite.NewDB(path)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	storetest.BenchSearch(b, storetest.Services{Search: sqlite.NewObjectService(db)}, benchCollection, *searchObjects)
}
