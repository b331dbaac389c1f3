// Package sqlite is Rampart's embedded store: every domain service of the
// root package on one SQLite file, with no server to run.
//
// Reach first for NewDB and Open, then the service constructors:
//
//	db := sqlite.NewDB("rampart-data/rampart.db")
//	if err := db.Open(ctx); err != nil { … }
//	defer db.Close()
//	objects := sqlite.NewObjectService(db)
//	services := sqlite.NewServices(db) // collections, accounts, …
//	collections := services.Collections
//
// Every service but the object service (collections, accounts, statuses,
// secrets, peers, organisations, settings, deliveries and the audit log)
// is implemented once for both stores, in store/internal/sqlstore, and
// runs here on the same connections; what this package keeps is what
// SQLite alone does: the file and its connections, the migrations, the
// object service's writes and the change feed's signal.
// NewChangeFeed follows what other processes write to the file (a
// "rampart import" while "rampart serve" runs) by polling SQLite's data
// version on the writing connection.
//
// The object service also searches (SearchObjects, rampart.SearchService):
// the words of the latest version of each object are in FTS5 tables, its
// values in the object_values table, both written in the transaction of
// every write (store/internal/search, docs/SEARCH.md). FTS5 is compiled
// into the driver and registered on every connection.
//
// The file is in WAL mode: readers never wait for the writer. Writes go
// through one connection; CreateObjects of a whole bundle is atomic, and
// with the default Synchronous (SyncFull) it is on disk when the call
// returns, so an acknowledged bundle survives a crash of the process or of
// the machine. SyncNormal trades the machine-crash guarantee for fewer
// syncs. Object writes and new statuses that goroutines make at once share
// one transaction and one sync (group commit), each in a savepoint of its
// own so that one write's failure is its own; the DB type's documentation
// says what a cancelled write does.
//
// Object listings (FindObjects) cost two queries whatever the page size and
// read ordered index ranges, so a page near the end of a collection of a
// million versions costs what a page at its start does. The schema is
// created and upgraded by the embedded migrations in migrations/, recorded
// in a table of that name.
//
// The driver is github.com/ncruces/go-sqlite3, SQLite compiled to Go: no
// cgo and no C toolchain needed.
package sqlite
