package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"

	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/store/storetest"
)

// openTest opens a store in a new file that is removed with t.
func openTest(t *testing.T) *sqlite.DB {
	t.Helper()
	return openPath(t, filepath.Join(t.TempDir(), "rampart.db"))
}

// openPath opens the store in the file at path, closed when t ends.
func openPath(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(path)
	db.PatternValues = pattern.ValuesOf
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// services returns the services of db; Reopen opens the same file again,
// as another process would.
func services(db *sqlite.DB) storetest.Services {
	accounts := sqlite.NewServices(db).Accounts
	accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
	return storetest.Services{
		Objects:     sqlite.NewObjectService(db),
		Search:      sqlite.NewObjectService(db),
		Collections: sqlite.NewServices(db).Collections,
		Accounts:    accounts,
		Statuses:    sqlite.NewServices(db).Statuses,
		Secrets:     sqlite.NewServices(db).Secrets,
		Peers:       sqlite.NewServices(db).Peers,

		Organizations: sqlite.NewServices(db).Organizations,
		Settings:      sqlite.NewServices(db).Settings,
		Deliveries:    sqlite.NewServices(db).Deliveries,
		Audit:         sqlite.NewServices(db).Audit,
		Log:           sqlite.NewServices(db).Log,
		Archive:       sqlite.NewServices(db).Archive,
		Feed:          sqlite.NewChangeFeed(db),

		Reopen:   func(t *testing.T) storetest.Services { return services(openPath(t, db.Path)) },
		Close:    db.Close,
		SetClock: func(now func() time.Time) { db.Now = now },
	}
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Services { return services(openTest(t)) })
}
