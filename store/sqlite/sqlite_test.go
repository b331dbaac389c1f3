package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/store/storetest"
)

// openTest opens a store in a new file that is removed with t.
func openTest(t *testing.T) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "rampart.db"))
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

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Services {
		db := openTest(t)
		accounts := sqlite.NewAccountService(db)
		accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
		return storetest.Services{
			Objects:     sqlite.NewObjectService(db),
			Collections: sqlite.NewCollectionService(db),
			Accounts:    accounts,
			Statuses:    sqlite.NewStatusService(db),
			Secrets:     sqlite.NewSecretService(db),
			Peers:       sqlite.NewPeerService(db),

			Organizations: sqlite.NewOrganizationService(db),
			Settings:      sqlite.NewSettingService(db),
			Deliveries:    sqlite.NewDeliveryService(db),
			Audit:         sqlite.NewAuditService(db),

			SetClock: func(now func() time.Time) { db.Now = now },
		}
	})
}
