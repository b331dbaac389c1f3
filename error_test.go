package rampart_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

func TestErrorCodeAndMessage(t *testing.T) {
	for _, tc := range []struct {
		err           error
		code, message string
		status        int
	}{
		{nil, "", "", 500},
		{rampart.Errorf(rampart.ENOTFOUND, "collection %q not found", "x"), rampart.ENOTFOUND, `collection "x" not found`, 404},
		{fmt.Errorf("wrapped: %w", rampart.Errorf(rampart.EFORBIDDEN, "no")), rampart.EFORBIDDEN, "no", 403},
		{errors.New("disk on fire at /var/lib/secret"), rampart.EINTERNAL, "internal error", 500},
		{rampart.Errorf(rampart.ETOOLARGE, "big"), rampart.ETOOLARGE, "big", 413},
		{rampart.Errorf(rampart.EINVALID, "bad"), rampart.EINVALID, "bad", 400},
		{rampart.Errorf(rampart.EUNAUTHORIZED, "who"), rampart.EUNAUTHORIZED, "who", 401},
		{rampart.Errorf(rampart.ECONFLICT, "taken"), rampart.ECONFLICT, "taken", 409},
		{rampart.Errorf(rampart.EUNAVAILABLE, "later"), rampart.EUNAVAILABLE, "later", 503},
		{rampart.Errorf(rampart.ETOOMANY, "slow down"), rampart.ETOOMANY, "slow down", 429},
	} {
		if got := rampart.ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := rampart.ErrorMessage(tc.err); got != tc.message {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.message)
		}
		if tc.err != nil {
			if got := rampart.HTTPStatus(rampart.ErrorCode(tc.err)); got != tc.status {
				t.Errorf("HTTPStatus(%q) = %d, want %d", rampart.ErrorCode(tc.err), got, tc.status)
			}
		}
	}
}

func TestSetRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string // "" for no header
	}{
		{nil, ""},
		{errors.New("plain"), ""},
		{rampart.Errorf(rampart.ETOOMANY, "slow down"), ""},
		{&rampart.Error{Code: rampart.ETOOMANY, RetryAfter: 30 * time.Second}, "30"},
		// Rounded up: a client told 0 would come back at once.
		{&rampart.Error{Code: rampart.EUNAVAILABLE, RetryAfter: 1500 * time.Millisecond}, "2"},
		{&rampart.Error{Code: rampart.EUNAVAILABLE, RetryAfter: time.Millisecond}, "1"},
		{fmt.Errorf("login: %w", &rampart.Error{Code: rampart.ETOOMANY, RetryAfter: time.Minute}), "60"},
	} {
		h := http.Header{}
		rampart.SetRetryAfter(h, tt.err)
		if got := h.Get("Retry-After"); got != tt.want {
			t.Errorf("SetRetryAfter(%v): Retry-After %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestAccountPermissions(t *testing.T) {
	a := &rampart.Account{Name: "x", Grants: []rampart.Grant{
		{CollectionID: "r", Read: true}, {CollectionID: "w", Write: true}, {CollectionID: "v"},
	}}
	for _, tc := range []struct {
		coll             string
		see, read, write bool
	}{
		{"r", true, true, false},
		{"w", true, false, true},
		{"v", true, false, false},
		{"none", false, false, false},
	} {
		if a.CanSee(tc.coll) != tc.see || a.CanRead(tc.coll) != tc.read || a.CanWrite(tc.coll) != tc.write {
			t.Errorf("%s: see/read/write = %v/%v/%v", tc.coll, a.CanSee(tc.coll), a.CanRead(tc.coll), a.CanWrite(tc.coll))
		}
	}
	admin := &rampart.Account{Admin: true}
	if !admin.CanSee("any") || !admin.CanRead("any") || !admin.CanWrite("any") {
		t.Error("an administrator is refused")
	}
}

// TestErrorIsItsMessage: what a person reads of a rampart.Error is its
// message alone, also once wrapped, so the CLI prints it as it is.
func TestErrorIsItsMessage(t *testing.T) {
	notFound := rampart.Errorf(rampart.ENOTFOUND, "no incident %q", "incident--1")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{notFound, `no incident "incident--1"`},
		{fmt.Errorf("coordination collection: %w", notFound), `coordination collection: no incident "incident--1"`},
		{fmt.Errorf("coordination collection: %v", notFound), `coordination collection: no incident "incident--1"`},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
