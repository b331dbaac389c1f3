package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/internal/pgtest"
)

// TestPoolSize: a pool nothing sizes has at least DefaultMaxConns
// connections; the DSN's pool_max_conns sizes it, and DB.MaxConns over
// both.
func TestPoolSize(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	sep := " " // a keyword/value connection string
	if strings.Contains(dsn, "://") {
		sep = "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
	}
	for _, tc := range []struct {
		name     string
		dsn      string
		maxConns int32
		want     int32
	}{
		{"default", dsn, 0, DefaultMaxConns},
		{"pool_max_conns in the DSN", dsn + sep + "pool_max_conns=3", 0, 3},
		{"MaxConns over the DSN", dsn + sep + "pool_max_conns=3", 5, 5},
	} {
		db := NewDB(tc.dsn)
		db.MaxConns = tc.maxConns
		if err := db.Open(context.Background()); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := db.pool.Config().MaxConns
		db.Close()
		if got < tc.want || (tc.name != "default" && got != tc.want) {
			t.Errorf("%s: pool of %d connections, want %d", tc.name, got, tc.want)
		}
	}
}
