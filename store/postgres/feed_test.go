package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/postgres"
)

// signalled reports whether ch receives a value within d.
func signalled(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// TestChangesAfterReconnect kills the change feed's listening connection:
// the feed connects again and signals once, since notifications sent
// meanwhile are lost, and hears the next write.
func TestChangesAfterReconnect(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db, other := openDSN(t, dsn), openDSN(t, dsn)
	ch := postgres.NewChangeFeed(db).Changes()

	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	err = admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN rampart_changes'`).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listening connections, want 1", killed)
	}
	if !signalled(ch, 5*time.Second) {
		t.Fatal("no signal after the listening connection was lost and made again")
	}
	if _, err := postgres.NewServices(other).Settings.SetSetting(ctx, "after/reconnect", []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if !signalled(ch, 5*time.Second) {
		t.Fatal("no signal for a write after the reconnection")
	}
}

// TestChangesIgnoreOwnWrites: a DB's own writes carry its token, and its
// feed does not signal them.
func TestChangesIgnoreOwnWrites(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ch := postgres.NewChangeFeed(db).Changes()
	if _, err := postgres.NewServices(db).Settings.SetSetting(ctx, "own/write", []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if signalled(ch, 500*time.Millisecond) {
		t.Error("the feed signalled the DB's own write")
	}
}
