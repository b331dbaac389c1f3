package rampart

import (
	"context"
	"time"
)

// Account is a user or a machine that talks to the node.
type Account struct {
	Name  string
	Admin bool // may read and write every collection and manage accounts
	// Organization is the STIX identity id of the account's organisation
	// (an Organization of the node); "" means the node's own. It decides
	// which objects of a readable collection the account may read
	// (Policy).
	Organization string
	// Grants are per-collection permissions; an admin needs none.
	Grants    []Grant
	CreatedAt time.Time
	// PasswordStamp changes whenever the account's stored password hash
	// does (a new password, an account deleted and made again): a short
	// digest of that hash, from which nothing about the password can be
	// learnt. Caches of verified passwords compare it on every use, so a
	// password change made by any process on the store applies at once.
	PasswordStamp string
}

// Grant gives an account access to one collection. A grant with neither
// Read nor Write makes the collection visible to the account (listed, and
// answered with "forbidden" rather than "not found") without access to its
// objects.
type Grant struct {
	CollectionID string
	Read         bool
	Write        bool
}

// CanRead reports whether the account may read the collection.
func (a *Account) CanRead(collectionID string) bool {
	if a.Admin {
		return true
	}
	for _, g := range a.Grants {
		if g.CollectionID == collectionID && g.Read {
			return true
		}
	}
	return false
}

// CanWrite reports whether the account may add objects to, or delete objects
// from, the collection.
func (a *Account) CanWrite(collectionID string) bool {
	if a.Admin {
		return true
	}
	for _, g := range a.Grants {
		if g.CollectionID == collectionID && g.Write {
			return true
		}
	}
	return false
}

// CanSee reports whether the collection may be named to the account at all:
// to anyone else it does not exist.
func (a *Account) CanSee(collectionID string) bool {
	if a.Admin {
		return true
	}
	for _, g := range a.Grants {
		if g.CollectionID == collectionID {
			return true
		}
	}
	return false
}

// AccountService stores accounts and their credentials. Passwords and tokens
// are stored only as hashes. Implementations are safe for concurrent use.
type AccountService interface {
	// FindAccountByName returns ENOTFOUND when there is no such account.
	FindAccountByName(ctx context.Context, name string) (*Account, error)
	// FindAccounts returns all accounts ordered by name.
	FindAccounts(ctx context.Context) ([]*Account, error)
	// CreateAccount stores a with a password (ECONFLICT when the name is
	// taken, EINVALID for an empty name or a password under 12 characters,
	// ENOTFOUND when a.Organization is set and no Organization has that
	// id).
	CreateAccount(ctx context.Context, a *Account, password string) error
	// SetPassword replaces the account's password.
	SetPassword(ctx context.Context, name, password string) error
	// DeleteAccount removes the account, its grants and tokens. It
	// returns ECONFLICT for the last administrator, without whom nobody
	// could manage the node.
	DeleteAccount(ctx context.Context, name string) error
	// Authenticate returns the account when password is its password and
	// EUNAUTHORIZED otherwise, without saying whether the name exists.
	Authenticate(ctx context.Context, name, password string) (*Account, error)
	// CreateToken returns a new bearer token for the account; only its hash
	// is stored, so it can never be shown again.
	CreateToken(ctx context.Context, name, label string) (string, error)
	// AuthenticateToken returns the token's account, or EUNAUTHORIZED. A
	// revoked token is refused from the moment DeleteToken returns.
	AuthenticateToken(ctx context.Context, token string) (*Account, error)
	// FindTokens returns the account's tokens, oldest first, without their
	// secrets (ENOTFOUND for an unknown account).
	FindTokens(ctx context.Context, name string) ([]*Token, error)
	// DeleteToken revokes one token of the account, named by its ID or its
	// label, and returns it. It returns ENOTFOUND when no token of the
	// account has that ID or label, and ECONFLICT when the label names
	// several (revoke them by ID).
	DeleteToken(ctx context.Context, name, idOrLabel string) (*Token, error)
	// SetGrant sets the account's permissions on a collection (ENOTFOUND
	// for an unknown account or collection).
	SetGrant(ctx context.Context, name string, g Grant) error
	// DeleteGrant removes the account's grant on a collection, after which
	// the collection is invisible to it.
	DeleteGrant(ctx context.Context, name, collectionID string) error
	// SetOrganization moves the account to an organisation, "" for the
	// node's own (ENOTFOUND for an unknown account or organisation).
	SetOrganization(ctx context.Context, name, organization string) error
}
