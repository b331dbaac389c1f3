package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

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
	db := postgres.NewDB(pgtest.NewDatabase(t))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Services {
		db := openTest(t)
		accounts := postgres.NewAccountService(db)
		accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
		return storetest.Services{
			Objects:     postgres.NewObjectService(db),
			Collections: postgres.NewCollectionService(db),
			Accounts:    accounts,
			Statuses:    postgres.NewStatusService(db),
			Secrets:     postgres.NewSecretService(db),
			Peers:       postgres.NewPeerService(db),

			Organizations: postgres.NewOrganizationService(db),
			Settings:      postgres.NewSettingService(db),
			Deliveries:    postgres.NewDeliveryService(db),
			Audit:         postgres.NewAuditService(db),

			SetClock: func(now func() time.Time) { db.Now = now },
		}
	})
}
