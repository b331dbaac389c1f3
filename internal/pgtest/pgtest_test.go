package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestNewDatabase(t *testing.T) {
	ctx := context.Background()
	dsns := []string{NewDatabase(t), NewDatabase(t)}
	if dsns[0] == dsns[1] {
		t.Fatalf("two databases share a DSN: %s", dsns[0])
	}
	for i, dsn := range dsns {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var version string
		if err := c.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if version[:3] != "15." {
			t.Errorf("server version %s, want 15.x", version)
		}
		if _, err := c.Exec(ctx, "CREATE TABLE t (n int)"); err != nil {
			t.Errorf("database %d: %v", i, err)
		}
		c.Close(ctx)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"host=/tmp/x port=5432 user=postgres dbname=postgres sslmode=disable", "host=/tmp/x port=5432 user=postgres sslmode=disable dbname=d"},
		{"host=/tmp/x user=postgres", "host=/tmp/x user=postgres dbname=d"},
		{"postgres://u:p@h:5432/postgres?sslmode=disable", "postgres://u:p@h:5432/d?sslmode=disable"},
		{"postgresql://h", "postgresql://h/d"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.dsn, "d"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background())
	if err == nil {
		t.Fatal("Start without binaries on the PATH succeeded")
	}
	if msg := err.Error(); !contains(msg, "initdb not found on the PATH") || !contains(msg, EnvDSN) {
		t.Errorf("error %q does not say what is missing and how to point at a server", msg)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
