package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"

	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/storetest"
)

// TestMain stops the test server when the tests end, pass or fail.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openTest opens a store in a new database that is dropped with t.
func openTest(t testing.TB) *postgres.DB {
	t.Helper()
	return openDSN(t, pgtest.NewDatabase(t))
}

// openDSN opens the store in the database at dsn, closed when t ends.
func openDSN(t testing.TB, dsn string) *postgres.DB {
	t.Helper()
	db := postgres.NewDB(dsn)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// services returns the services of db; Reopen opens the same database
// again, as another process would.
func services(db *postgres.DB) storetest.Services {
	accounts := postgres.NewServices(db).Accounts
	accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
	return storetest.Services{
		Objects:     postgres.NewObjectService(db),
		Search:      postgres.NewObjectService(db),
		Collections: postgres.NewServices(db).Collections,
		Accounts:    accounts,
		Statuses:    postgres.NewServices(db).Statuses,
		Secrets:     postgres.NewServices(db).Secrets,
		Peers:       postgres.NewServices(db).Peers,

		Organizations: postgres.NewServices(db).Organizations,
		Settings:      postgres.NewServices(db).Settings,
		Deliveries:    postgres.NewServices(db).Deliveries,
		Audit:         postgres.NewServices(db).Audit,
		Log:           postgres.NewServices(db).Log,
		Archive:       postgres.NewServices(db).Archive,
		Feed:          postgres.NewChangeFeed(db),

		Reopen:   func(t *testing.T) storetest.Services { return services(openDSN(t, db.DSN)) },
		Close:    db.Close,
		SetClock: func(now func() time.Time) { db.Now = now },
	}
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Services { return services(openTest(t)) })
}
