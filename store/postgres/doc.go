// Package postgres is Rampart's store for nodes that outgrow one file:
// every domain service of the root package on a PostgreSQL database (15 or
// later), reached through a pgx connection pool.
//
// Reach first for NewDB and Open, then the service constructors:
//
//	db := postgres.NewDB("postgres://rampart@db.internal/rampart?sslmode=verify-full")
//	if err := db.Open(ctx); err != nil { … }
//	defer db.Close()
//	objects := postgres.NewObjectService(db)
//	services := postgres.NewServices(db) // collections, accounts, …
//
// Every service but the object service (collections, accounts, statuses,
// secrets, peers, organisations, settings, deliveries and the audit log)
// is implemented once for both stores, in store/internal/sqlstore, and
// reaches the pool here through database/sql (pgx's stdlib adapter). The
// object service keeps pgx's own interface, for COPY and array
// parameters. NewChangeFeed follows what other processes write to the
// database through LISTEN/NOTIFY.
//
// The object service also searches (SearchObjects, rampart.SearchService):
// the words of the latest version of each object are in a tsvector column
// with a GIN index, its values in the object_values table, both written in
// the transaction of every write (store/internal/search, docs/SEARCH.md).
//
// Several Rampart processes may share one database: each write to a
// collection holds that collection's row lock for its transaction, so
// DateAdded and Seq grow in commit order whoever writes, and processes keep
// no state of their own. Object versions are inserted with COPY.
//
// The schema is created and upgraded by the embedded migrations in
// migrations/ (numbered like the SQLite store's), each applied in a
// transaction under an advisory lock and recorded in the migrations table.
// It behaves the same as store/sqlite: both pass store/storetest.
package postgres
