package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/store/sqlite"
)

// TestChangesIgnoreOwnWrites: a DB writes through the connection whose
// data version the feed polls, so its own writes are not signalled.
func TestChangesIgnoreOwnWrites(t *testing.T) {
	db := openTest(t)
	ch := sqlite.NewChangeFeed(db).Changes()
	if _, err := sqlite.NewServices(db).Settings.SetSetting(context.Background(), "own/write", []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Error("the feed signalled the DB's own write")
	case <-time.After(5 * sqlite.PollInterval):
	}
}

// TestChangesClosedWithoutUse: closing a DB whose feed never started
// closes the channel, and Changes after Close returns it closed.
func TestChangesClosedWithoutUse(t *testing.T) {
	db := openTest(t)
	feed := sqlite.NewChangeFeed(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-feed.Changes():
		if ok {
			t.Error("Changes after Close received a value, want a closed channel")
		}
	case <-time.After(time.Second):
		t.Error("Changes after Close is not closed")
	}
}
