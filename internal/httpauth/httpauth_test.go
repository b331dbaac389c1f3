package httpauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
)

// accounts knows one account "analyst" with one password and one token,
// and counts the slow password checks.
type accounts struct {
	rampart.AccountService
	checks atomic.Int32
}

func (a *accounts) Authenticate(_ context.Context, name, password string) (*rampart.Account, error) {
	a.checks.Add(1)
	if strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
		panic("the store was asked for a name it cannot hold")
	}
	if name == "analyst" && password == "correct horse battery" {
		return &rampart.Account{Name: name}, nil
	}
	return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password")
}

func (a *accounts) AuthenticateToken(_ context.Context, token string) (*rampart.Account, error) {
	if strings.ContainsRune(token, 0) {
		panic("the store was asked for a token it cannot hold")
	}
	if token == "rmp_good" {
		return &rampart.Account{Name: "feed"}, nil
	}
	return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "unknown token")
}

func (a *accounts) FindAccountByName(_ context.Context, name string) (*rampart.Account, error) {
	if name == "analyst" {
		return &rampart.Account{Name: name}, nil
	}
	return nil, rampart.Errorf(rampart.ENOTFOUND, "no account")
}

func TestAuthenticate(t *testing.T) {
	accts := &accounts{}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	auth := New(accts, func() time.Time { return now })
	tests := []struct {
		name, user, pass, header string
		want                     string // account name, or the error's words
	}{
		{"basic", "analyst", "correct horse battery", "", "analyst"},
		{"basic again, from the cache", "analyst", "correct horse battery", "", "analyst"},
		{"wrong password", "analyst", "wrong", "", "wrong user name or password"},
		{"bearer", "", "", "Bearer rmp_good", "feed"},
		{"forged bearer", "", "", "Bearer rmp_forged", "unknown token"},
		{"no credentials", "", "", "", "authentication required"},
		{"other scheme", "", "", "Negotiate abc", "unsupported Authorization scheme"},
		{"bearer, scheme in lower case", "", "", "bearer rmp_good", "feed"},
		// The OASIS taxii2-client's token login says "Token".
		{"token scheme", "", "", "Token rmp_good", "feed"},
		{"token scheme, forged", "", "", "token rmp_forged", "unknown token"},
		// A name no store can hold is refused before the store is asked:
		// PostgreSQL would fail on it, an internal error for bad input.
		{"name with NUL", "ana\x00lyst", "correct horse battery", "", "wrong user name or password"},
		{"name not UTF-8", "ana\xfflyst", "correct horse battery", "", "wrong user name or password"},
		{"token with NUL", "", "", "Bearer rmp_\x00", "invalid or revoked token"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.user != "" {
			r.SetBasicAuth(tt.user, tt.pass)
		}
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		a, err := auth.Authenticate(r)
		switch {
		case err == nil && a.Name != tt.want:
			t.Errorf("%s: account %q, want %q", tt.name, a.Name, tt.want)
		case err != nil && (rampart.ErrorCode(err) != rampart.EUNAUTHORIZED || !strings.Contains(rampart.ErrorMessage(err), tt.want)):
			t.Errorf("%s: %v, want an EUNAUTHORIZED error with %q", tt.name, err, tt.want)
		}
	}
	if n := accts.checks.Load(); n != 2 {
		t.Errorf("%d slow password checks, want 2 (the second right password comes from the cache)", n)
	}
	now = now.Add(CacheTTL + time.Second)
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth("analyst", "correct horse battery")
	if _, err := auth.Authenticate(r); err != nil || accts.checks.Load() != 3 {
		t.Errorf("after CacheTTL the password is checked again: %v, %d checks", err, accts.checks.Load())
	}
}

func TestChallenge(t *testing.T) {
	h := http.Header{}
	Challenge(h, "Rampart")
	got := h.Values("WWW-Authenticate")
	want := []string{`Basic realm="Rampart", charset="UTF-8"`, `Bearer realm="Rampart"`}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
}
