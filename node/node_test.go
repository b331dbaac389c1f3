package node

import (
	"context"
	"testing"
	"time"
)

func TestConfigNow(t *testing.T) {
	at := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	n, err := Open(context.Background(), Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ew, err := n.EarlyWarning(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n.Coord.Now == nil || !n.Coord.Now().Equal(at) || ew.Now == nil || !ew.Now().Equal(at) {
		t.Error("the coordination service and early warning do not keep to Config.Now")
	}
}
