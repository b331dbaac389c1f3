package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// AccountService stores accounts, their grants and their tokens (token.go).
// Passwords are kept as argon2id hashes and tokens as SHA-256 hashes (see
// internal/passhash). It is safe for concurrent use, also by several
// processes on one database.
//
// Authenticate takes the same time whether or not the account exists (it
// hashes against a dummy hash when it does not), so it does not reveal
// account names. It does not limit the rate of guesses: the server does.
type AccountService struct {
	db *DB
	// PasswordParams is the argon2id cost for new password hashes (default
	// passhash.Default()); tests lower it. Set it before the service is
	// used.
	PasswordParams passhash.Params

	passwords versions.Passwords
}

var _ rampart.AccountService = (*AccountService)(nil)

// NewAccountService returns an AccountService on db.
func NewAccountService(db *DB) *AccountService {
	return &AccountService{db: db, PasswordParams: passhash.Default()}
}

// FindAccountByName returns ENOTFOUND when there is no such account.
func (s *AccountService) FindAccountByName(ctx context.Context, name string) (*rampart.Account, error) {
	a, _, err := s.findAccount(ctx, name)
	return a, err
}

// findAccount returns the account with its grants, and its password hash.
func (s *AccountService) findAccount(ctx context.Context, name string) (*rampart.Account, string, error) {
	var (
		a    rampart.Account
		pk   int64
		hash string
	)
	q := s.db.read()
	err := q.queryRow(ctx, `SELECT pk, name, admin, organization, password_hash, created_at FROM accounts WHERE name = ?`, name).
		Scan(&pk, &a.Name, &a.Admin, &a.Organization, &hash, scanTime(&a.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", versions.AccountNotFound(name)
	} else if err != nil {
		return nil, "", fmt.Errorf("find account %q: %w", name, err)
	}
	grants, err := s.grants(ctx, q, &pk)
	if err != nil {
		return nil, "", fmt.Errorf("find account %q: %w", name, err)
	}
	a.Grants = grants[pk]
	a.PasswordStamp = passhash.Stamp(hash)
	return &a, hash, nil
}

// grants returns the grants of the account pk, or of every account when
// pk is nil, by account pk, each account's ordered by collection id.
func (s *AccountService) grants(ctx context.Context, q conn, pk *int64) (map[int64][]rampart.Grant, error) {
	query, args := `SELECT account, collection_id, can_read, can_write FROM grants`, []any(nil)
	if pk != nil {
		query, args = query+` WHERE account = ?`, []any{*pk}
	}
	rows, err := q.query(ctx, query+` ORDER BY account, collection_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64][]rampart.Grant)
	for rows.Next() {
		var (
			account int64
			g       rampart.Grant
		)
		if err := rows.Scan(&account, &g.CollectionID, &g.Read, &g.Write); err != nil {
			return nil, err
		}
		out[account] = append(out[account], g)
	}
	return out, rows.Err()
}

// FindAccounts returns all accounts ordered by name.
func (s *AccountService) FindAccounts(ctx context.Context) ([]*rampart.Account, error) {
	q := s.db.read()
	rows, err := q.query(ctx, `SELECT pk, name, admin, organization, password_hash, created_at FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	defer rows.Close()
	var (
		out []*rampart.Account
		pks []int64
	)
	for rows.Next() {
		var (
			a    rampart.Account
			pk   int64
			hash string
		)
		if err := rows.Scan(&pk, &a.Name, &a.Admin, &a.Organization, &hash, scanTime(&a.CreatedAt)); err != nil {
			return nil, fmt.Errorf("find accounts: %w", err)
		}
		a.PasswordStamp = passhash.Stamp(hash)
		out = append(out, &a)
		pks = append(pks, pk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	grants, err := s.grants(ctx, q, nil)
	if err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	for i, a := range out {
		a.Grants = grants[pks[i]]
	}
	return out, nil
}

// CreateAccount stores a with the hash of password, and a.Grants. It
// returns ECONFLICT when the name is taken, EINVALID for a bad name or a
// password under 12 characters, and ENOTFOUND for a grant on a collection
// that does not exist or an a.Organization that is not an organisation
// of the node.
func (s *AccountService) CreateAccount(ctx context.Context, a *rampart.Account, password string) error {
	if err := versions.CheckAccountName(a.Name); err != nil {
		return err
	}
	hash, err := s.passwords.Hash(password, s.PasswordParams)
	if err != nil {
		return err
	}
	a.CreatedAt = versions.TimeOrNow(a.CreatedAt, s.db.Now)
	what := fmt.Sprintf("create account %q", a.Name)
	return s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		if err := s.checkOrganization(ctx, tx, a.Organization); err != nil {
			return err
		}
		var pk int64
		err := tx.queryRow(ctx, `INSERT INTO accounts (name, admin, organization, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING pk`,
			a.Name, a.Admin, a.Organization, hash, s.db.Dialect.stamp(a.CreatedAt)).Scan(&pk)
		if s.db.Dialect.Unique(err) {
			return rampart.Errorf(rampart.ECONFLICT, "account %q already exists", a.Name)
		} else if err != nil {
			return wrap(what, err)
		}
		for _, g := range a.Grants {
			if err := setGrant(ctx, tx, pk, a.Name, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetPassword replaces the account's password hash (ENOTFOUND when there is
// no such account, EINVALID for a password under 12 characters).
func (s *AccountService) SetPassword(ctx context.Context, name, password string) error {
	hash, err := s.passwords.Hash(password, s.PasswordParams)
	if err != nil {
		return err
	}
	res, err := s.db.writer().exec(ctx, `UPDATE accounts SET password_hash = ? WHERE name = ?`, hash, name)
	if err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	} else if n == 0 {
		return versions.AccountNotFound(name)
	}
	return nil
}

// DeleteAccount removes the account, its grants and its tokens. It
// returns ENOTFOUND when there is no such account and ECONFLICT for the
// last administrator, without whom nobody could manage the node.
func (s *AccountService) DeleteAccount(ctx context.Context, name string) error {
	what := fmt.Sprintf("delete account %q", name)
	return s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		var admin bool
		err := tx.queryRow(ctx, `SELECT admin FROM accounts WHERE name = ?`, name).Scan(&admin)
		if errors.Is(err, sql.ErrNoRows) {
			return versions.AccountNotFound(name)
		} else if err != nil {
			return wrap(what, err)
		}
		if admin {
			if err := s.notLastAdmin(ctx, tx, name); err != nil {
				return err
			}
		}
		res, err := tx.exec(ctx, `DELETE FROM accounts WHERE name = ?`, name)
		if err != nil {
			return wrap(what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(what, err)
		} else if n == 0 {
			return versions.AccountNotFound(name) // deleted meanwhile
		}
		return nil
	})
}

// notLastAdmin returns ECONFLICT when the administrator name is the last
// one, and ENOTFOUND when it was deleted meanwhile. It locks every
// administrator's row, in one order, until tx ends (PostgreSQL; SQLite's
// write transaction excludes every other writer already): two processes
// deleting the last two administrators then follow one another, and the
// second finds one left (a locked row deleted meanwhile is not returned).
func (s *AccountService) notLastAdmin(ctx context.Context, tx conn, name string) error {
	what := fmt.Sprintf("delete account %q", name)
	rows, err := tx.query(ctx, `SELECT name FROM accounts WHERE admin ORDER BY pk`+s.db.Dialect.ForUpdate)
	if err != nil {
		return wrap(what, err)
	}
	defer rows.Close()
	var admins []string
	for rows.Next() {
		var admin string
		if err := rows.Scan(&admin); err != nil {
			return wrap(what, err)
		}
		admins = append(admins, admin)
	}
	if err := rows.Err(); err != nil {
		return wrap(what, err)
	}
	if !slices.Contains(admins, name) {
		return versions.AccountNotFound(name) // deleted meanwhile
	}
	if len(admins) <= 1 {
		return versions.LastAdmin(name)
	}
	return nil
}

// SetOrganization moves the account to an organisation, "" for the node's
// own. It returns ENOTFOUND for an unknown account or organisation.
func (s *AccountService) SetOrganization(ctx context.Context, name, organization string) error {
	what := fmt.Sprintf("set organisation of %q", name)
	return s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		if err := s.checkOrganization(ctx, tx, organization); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE accounts SET organization = ? WHERE name = ?`, organization, name)
		if err != nil {
			return wrap(what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(what, err)
		} else if n == 0 {
			return versions.AccountNotFound(name)
		}
		return nil
	})
}

// checkOrganization returns ENOTFOUND unless id is "" (the node's own
// organisation) or an organisation of the node. Run in the write
// transaction that gives an account the organisation, it holds until the
// transaction ends: the organisation's row is locked (Dialect.KeyShare),
// so that a concurrent DeleteOrganization, which locks it for update,
// either waits and then sees the account, or deletes it first and this
// finds none.
func (s *AccountService) checkOrganization(ctx context.Context, tx conn, id string) error {
	if id == "" {
		return nil
	}
	var found string
	err := tx.queryRow(ctx, `SELECT id FROM organizations WHERE id = ?`+s.db.Dialect.KeyShare, id).Scan(&found)
	if errors.Is(err, sql.ErrNoRows) {
		return versions.OrganizationNotFound(id)
	} else if err != nil {
		return fmt.Errorf("find organisation %q: %w", id, err)
	}
	return nil
}

// Authenticate returns the account when password is its password, and
// EUNAUTHORIZED otherwise with the same message whether or not the name
// exists. When the stored hash was made with other parameters than
// PasswordParams, it is replaced by a fresh one.
func (s *AccountService) Authenticate(ctx context.Context, name, password string) (*rampart.Account, error) {
	a, hash, err := s.findAccount(ctx, name)
	if err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
		return nil, err
	}
	ok, fresh := s.passwords.Check(a != nil, hash, password, s.PasswordParams)
	if !ok {
		return nil, versions.ErrBadCredentials
	}
	if fresh != "" {
		// Best effort: the login succeeds even if the upgrade fails.
		res, err := s.db.writer().exec(ctx, `UPDATE accounts SET password_hash = ? WHERE name = ? AND password_hash = ?`, fresh, name, hash)
		if err == nil {
			if n, err := res.RowsAffected(); err == nil && n == 1 {
				a.PasswordStamp = passhash.Stamp(fresh)
			}
		}
	}
	return a, nil
}

// SetGrant sets the account's permissions on a collection; a grant with
// neither Read nor Write keeps the collection visible to the account.
// ENOTFOUND when the account or the collection does not exist.
func (s *AccountService) SetGrant(ctx context.Context, name string, g rampart.Grant) error {
	what := fmt.Sprintf("set grant for %q", name)
	return s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		var pk int64
		err := tx.queryRow(ctx, `SELECT pk FROM accounts WHERE name = ?`, name).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return versions.AccountNotFound(name)
		} else if err != nil {
			return wrap(what, err)
		}
		return setGrant(ctx, tx, pk, name, g)
	})
}

// DeleteGrant removes the account's grant on a collection (ENOTFOUND when
// there is none).
func (s *AccountService) DeleteGrant(ctx context.Context, name, collectionID string) error {
	res, err := s.db.writer().exec(ctx, `DELETE FROM grants WHERE collection_id = ? AND account = (SELECT pk FROM accounts WHERE name = ?)`, collectionID, name)
	if err != nil {
		return fmt.Errorf("delete grant for %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete grant for %q: %w", name, err)
	} else if n == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "account %q has no grant on collection %q", name, collectionID)
	}
	return nil
}

// setGrant sets, in tx, the grant g of the account pk, called name; it
// returns ENOTFOUND when the collection does not exist.
func setGrant(ctx context.Context, tx conn, pk int64, name string, g rampart.Grant) error {
	// Inserting from the collection's row: no row, no insert.
	res, err := tx.exec(ctx, `INSERT INTO grants (account, collection_id, can_read, can_write)
		SELECT ?, id, ?, ? FROM collections WHERE id = ?
		ON CONFLICT (account, collection_id) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write`,
		pk, g.Read, g.Write, g.CollectionID)
	if err != nil {
		return fmt.Errorf("set grant for %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set grant for %q: %w", name, err)
	} else if n == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "grant for %q: collection %q not found", name, g.CollectionID)
	}
	return nil
}
