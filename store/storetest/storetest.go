// Package storetest is the contract suite every Rampart store passes: one
// set of tests, run against each store by its own tests with
//
//	storetest.Run(t, func(t *testing.T) storetest.Services { … })
//
// It checks every method of the services in the root package, the TAXII
// 2.1 filtering semantics (with the OASIS medallion server's fixture and
// expectations, and against a brute-force model on random data), DateAdded
// ordering under concurrent writers, and the error codes. The change feed
// is checked with a second handle on the store (Services.Reopen) playing
// another process.
//
// The fixture is read from testdata/taxii/medallion at the module root,
// found by walking up from the test's working directory.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// Services are the services of one store, empty when handed to the suite.
type Services struct {
	Objects     rampart.ObjectService
	Collections rampart.CollectionService
	Accounts    rampart.AccountService
	Statuses    rampart.StatusService
	Secrets     rampart.SecretService
	Peers       rampart.PeerService

	Organizations rampart.OrganizationService
	Settings      rampart.SettingService
	Deliveries    rampart.DeliveryService
	Audit         rampart.AuditService
	Archive       rampart.ArchiveService
	Log           rampart.LogService
	// Feed follows what other handles on the same store write.
	Feed rampart.ChangeFeed
	// Search searches the objects of Objects.
	Search rampart.SearchService

	// Reopen opens a second handle on the same store, as another process
	// would, and returns its services; the handle is closed when t ends.
	Reopen func(t *testing.T) Services
	// Close closes this handle on the store; calling it again does
	// nothing.
	Close func() error
	// SetClock replaces the clock the store reads DateAdded and CreatedAt
	// values from.
	SetClock func(now func() time.Time)
}

// Run runs the contract suite. open must return the services of a new,
// empty store each time it is called, and release it when t ends.
func Run(t *testing.T, open func(t *testing.T) Services) {
	t.Run("Collections", func(t *testing.T) { testCollections(t, open) })
	t.Run("Medallion", func(t *testing.T) { testMedallion(t, open) })
	t.Run("Objects", func(t *testing.T) { testObjects(t, open) })
	t.Run("Sizes", func(t *testing.T) { testSizes(t, open) })
	t.Run("DateAdded", func(t *testing.T) { testDateAdded(t, open) })
	t.Run("Restore", func(t *testing.T) { testRestore(t, open) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open) })
	t.Run("Model", func(t *testing.T) { testModel(t, open) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("LastAdmin", func(t *testing.T) { testLastAdmin(t, open) })
	t.Run("Statuses", func(t *testing.T) { testStatuses(t, open) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, open) })
	t.Run("Peers", func(t *testing.T) { testPeers(t, open) })
	t.Run("Organizations", func(t *testing.T) { testOrganizations(t, open) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open) })
	t.Run("Deliveries", func(t *testing.T) { testDeliveries(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Archive", func(t *testing.T) { testArchive(t, open) })
	t.Run("Log", func(t *testing.T) { testLog(t, open) })
	t.Run("ChangeFeed", func(t *testing.T) { testChangeFeed(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
}

// wantCode fails t unless err carries the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := rampart.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

// must fails t at once on an error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// repoFile returns the path of a file given relative to the module root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	must(t, "working directory", err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the working directory: cannot find %s", rel)
		}
		dir = parent
	}
}

var ctx = context.Background()

// setup creates an API root and a collection and returns the collection ID.
func setup(t *testing.T, s Services) string {
	t.Helper()
	must(t, "create API root", s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api", Title: "API"}))
	c := &rampart.Collection{APIRoot: "api", Title: "objects", MediaTypes: []string{"application/stix+json;version=2.1"}}
	must(t, "create collection", s.Collections.CreateCollection(ctx, c))
	return c.ID
}
