package versions

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 12

// CheckPassword checks a new password's length.
func CheckPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength {
		return rampart.Errorf(rampart.EINVALID, "password must be at least %d characters long (got %d)", MinPasswordLength, n)
	}
	if len(pw) > passhash.MaxPasswordBytes {
		return rampart.Errorf(rampart.EINVALID, "password must be at most %d bytes long (got %d)", passhash.MaxPasswordBytes, len(pw))
	}
	return nil
}

// CheckAccountName checks an account name: 1 to 100 characters, printable,
// no spaces at either end.
func CheckAccountName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return rampart.Errorf(rampart.EINVALID, "account name must be 1 to 100 characters of UTF-8 (got %q)", name)
	}
	if strings.TrimSpace(name) != name || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return rampart.Errorf(rampart.EINVALID, "account name %q must not have spaces at either end nor unprintable characters", name)
	}
	return nil
}

// AccountNotFound returns the ENOTFOUND error for an account.
func AccountNotFound(name string) error {
	return rampart.Errorf(rampart.ENOTFOUND, "account %q not found", name)
}

// ErrBadCredentials is the answer to a failed login, the same whether the
// account or the password was wrong.
var ErrBadCredentials = rampart.Errorf(rampart.EUNAUTHORIZED, "invalid account name or password")

// ErrBadToken is the answer to a token that is malformed, unknown or
// revoked.
var ErrBadToken = rampart.Errorf(rampart.EUNAUTHORIZED, "invalid or revoked token")

// Passwords is the password side of both stores' AccountService: it hashes
// new passwords and checks given ones. The zero value is ready to use, and
// it is safe for concurrent use.
//
// Check takes the same time whether or not the account exists (it verifies
// against a dummy hash when it does not), so it does not reveal account
// names. It does not limit the rate of guesses: the server does.
type Passwords struct {
	dummyOnce sync.Once
	dummy     string
}

// Hash checks a new password (EINVALID when it is too short or too long)
// and returns its argon2id hash made with params.
func (p *Passwords) Hash(password string, params passhash.Params) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", err
	}
	return passhash.HashWith(password, params)
}

// Check reports whether password is the password of an account whose
// stored hash is hash; found is false when there is no such account, and
// then the answer is false after as much work. When the password is right
// but hash was made with other parameters than params, fresh is a new
// hash made with params, for the store to put in hash's place (best
// effort); otherwise it is "".
func (p *Passwords) Check(found bool, hash, password string, params passhash.Params) (ok bool, fresh string) {
	if !found {
		// Verified against so that the answer takes as long as for an
		// account that exists.
		p.dummyOnce.Do(func() {
			p.dummy, _ = passhash.HashWith("rampart dummy password", params)
		})
		passhash.Verify(p.dummy, password)
		return false, ""
	}
	if ok, err := passhash.Verify(hash, password); err != nil || !ok {
		return false, ""
	}
	if passhash.ParamsOf(hash) != params {
		if h, err := passhash.HashWith(password, params); err == nil {
			fresh = h
		}
	}
	return true, fresh
}

// OrganizationNotFound returns the ENOTFOUND error for an organisation.
func OrganizationNotFound(id string) error {
	return rampart.Errorf(rampart.ENOTFOUND, "organisation %q not found", id)
}

// LastAdmin returns the ECONFLICT error for deleting the last
// administrator.
func LastAdmin(name string) error {
	return rampart.Errorf(rampart.ECONFLICT, "cannot delete the last administrator %q: nobody could manage the node without one; create another administrator first", name)
}
