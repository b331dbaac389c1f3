package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
)

// TestRehashOnLogin checks that a successful login replaces a hash made
// with other parameters than the service's, and only then.
func TestRehashOnLogin(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "a.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewServices(db).Accounts
	old := passhash.Params{Memory: 64, Time: 1, Threads: 1}
	s.PasswordParams = old
	const pw = "a password long enough"
	if err := s.CreateAccount(ctx, &rampart.Account{Name: "u"}, pw); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		var h string
		if err := db.read.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE name = 'u'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := stored()
	s.PasswordParams = passhash.Params{Memory: 128, Time: 1, Threads: 1}
	if _, err := s.Authenticate(ctx, "u", "a wrong password!"); rampart.ErrorCode(err) != rampart.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
	if stored() != before {
		t.Errorf("a failed login changed the hash")
	}
	if _, err := s.Authenticate(ctx, "u", pw); err != nil {
		t.Fatal(err)
	}
	after := stored()
	if passhash.ParamsOf(after) != s.PasswordParams {
		t.Errorf("after login the hash has parameters %+v, want %+v", passhash.ParamsOf(after), s.PasswordParams)
	}
	if _, err := s.Authenticate(ctx, "u", pw); err != nil {
		t.Errorf("login with the rehashed password: %v", err)
	}
}
