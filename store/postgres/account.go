package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// AccountService stores accounts, their grants and their tokens. Passwords
// are kept as argon2id hashes and tokens as SHA-256 hashes (see
// internal/passhash). It is safe for concurrent use.
//
// Authenticate takes the same time whether or not the account exists (it
// hashes against a dummy hash when it does not), so it does not reveal
// account names. It does not limit the rate of guesses: the server does.
type AccountService struct {
	db *DB
	// PasswordParams is the argon2id cost for new password hashes (default
	// passhash.Default()); tests lower it.
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
	a, _, _, err := s.findAccount(ctx, s.db.pool, name)
	return a, err
}

// querier is what the pool and a transaction have in common.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// findAccount returns the account with its grants, its pk and its
// password hash.
func (s *AccountService) findAccount(ctx context.Context, db querier, name string) (*rampart.Account, int64, string, error) {
	var (
		a    rampart.Account
		pk   int64
		hash string
	)
	err := db.QueryRow(ctx, `SELECT pk, name, admin, organization, password_hash, created_at FROM accounts WHERE name = $1`, name).
		Scan(&pk, &a.Name, &a.Admin, &a.Organization, &hash, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, "", versions.AccountNotFound(name)
	} else if err != nil {
		return nil, 0, "", fmt.Errorf("find account %q: %w", name, err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	grants, err := s.grants(ctx, db, &pk)
	if err != nil {
		return nil, 0, "", fmt.Errorf("find account %q: %w", name, err)
	}
	a.Grants = grants[pk]
	return &a, pk, hash, nil
}

// grants returns the grants of the account pk, or of every account when
// pk is nil, by account pk.
func (s *AccountService) grants(ctx context.Context, db querier, pk *int64) (map[int64][]rampart.Grant, error) {
	query, args := sqlgen.Grants(sqlgen.PostgreSQL, pk)
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlgen.ReadGrants(rows)
}

// FindAccounts returns all accounts ordered by name.
func (s *AccountService) FindAccounts(ctx context.Context) ([]*rampart.Account, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT pk, name, admin, organization, created_at FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	defer rows.Close()
	var (
		out []*rampart.Account
		pks []int64
	)
	for rows.Next() {
		var a rampart.Account
		var pk int64
		var created time.Time
		if err := rows.Scan(&pk, &a.Name, &a.Admin, &a.Organization, &created); err != nil {
			return nil, fmt.Errorf("find accounts: %w", err)
		}
		a.CreatedAt = created.UTC()
		out = append(out, &a)
		pks = append(pks, pk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	grants, err := s.grants(ctx, s.db.pool, nil)
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
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("create account %q: %w", a.Name, err)
	}
	defer tx.Rollback(ctx)
	if err := checkOrganization(ctx, tx, a.Organization); err != nil {
		return err
	}
	var pk int64
	err = tx.QueryRow(ctx, `INSERT INTO accounts (name, admin, organization, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING pk`,
		a.Name, a.Admin, a.Organization, hash, a.CreatedAt).Scan(&pk)
	if isUnique(err) {
		return rampart.Errorf(rampart.ECONFLICT, "account %q already exists", a.Name)
	} else if err != nil {
		return fmt.Errorf("create account %q: %w", a.Name, err)
	}
	for _, g := range a.Grants {
		if err := setGrant(ctx, tx, pk, a.Name, g); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create account %q: %w", a.Name, err)
	}
	return nil
}

// SetPassword replaces the account's password hash (ENOTFOUND when there is
// no such account, EINVALID for a password under 12 characters).
func (s *AccountService) SetPassword(ctx context.Context, name, password string) error {
	hash, err := s.passwords.Hash(password, s.PasswordParams)
	if err != nil {
		return err
	}
	tag, err := s.db.pool.Exec(ctx, `UPDATE accounts SET password_hash = $1 WHERE name = $2`, hash, name)
	if err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return versions.AccountNotFound(name)
	}
	return nil
}

// DeleteAccount removes the account, its grants and its tokens. It
// returns ENOTFOUND when there is no such account and ECONFLICT for the
// last administrator, without whom nobody could manage the node.
func (s *AccountService) DeleteAccount(ctx context.Context, name string) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	defer tx.Rollback(ctx)
	var admin bool
	err = tx.QueryRow(ctx, `SELECT admin FROM accounts WHERE name = $1`, name).Scan(&admin)
	if errors.Is(err, pgx.ErrNoRows) {
		return versions.AccountNotFound(name)
	} else if err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	if admin {
		// Lock every administrator's row, in one order, until commit: two
		// processes deleting the last two administrators then follow one
		// another, and the second finds one left (a locked row deleted
		// meanwhile is not returned).
		rows, err := tx.Query(ctx, `SELECT name FROM accounts WHERE admin ORDER BY pk FOR UPDATE`)
		if err != nil {
			return fmt.Errorf("delete account %q: %w", name, err)
		}
		admins, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("delete account %q: %w", name, err)
		}
		if !slices.Contains(admins, name) {
			return versions.AccountNotFound(name) // deleted meanwhile
		}
		if len(admins) <= 1 {
			return versions.LastAdmin(name)
		}
	}
	tag, err := tx.Exec(ctx, `DELETE FROM accounts WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return versions.AccountNotFound(name)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	return nil
}

// SetOrganization moves the account to an organisation, "" for the node's
// own. It returns ENOTFOUND for an unknown account or organisation.
func (s *AccountService) SetOrganization(ctx context.Context, name, organization string) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("set organisation of %q: %w", name, err)
	}
	defer tx.Rollback(ctx)
	if err := checkOrganization(ctx, tx, organization); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE accounts SET organization = $1 WHERE name = $2`, organization, name)
	if err != nil {
		return fmt.Errorf("set organisation of %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return versions.AccountNotFound(name)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("set organisation of %q: %w", name, err)
	}
	return nil
}

// checkOrganization returns ENOTFOUND unless id is "" (the node's own
// organisation) or an organisation of the node. It locks the
// organisation's row (FOR KEY SHARE) until tx ends, so that a concurrent
// DeleteOrganization, which locks it FOR UPDATE, either waits and then
// sees the account, or deletes it first and this finds none.
func checkOrganization(ctx context.Context, tx pgx.Tx, id string) error {
	if id == "" {
		return nil
	}
	var found string
	err := tx.QueryRow(ctx, `SELECT id FROM organizations WHERE id = $1 FOR KEY SHARE`, id).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
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
	a, _, hash, err := s.findAccount(ctx, s.db.pool, name)
	if err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
		return nil, err
	}
	ok, fresh := s.passwords.Check(a != nil, hash, password, s.PasswordParams)
	if !ok {
		return nil, versions.ErrBadCredentials
	}
	if fresh != "" {
		// Best effort: the login succeeds even if the upgrade fails.
		s.db.pool.Exec(ctx, `UPDATE accounts SET password_hash = $1 WHERE name = $2 AND password_hash = $3`, fresh, name, hash)
	}
	return a, nil
}

// CreateToken returns a new bearer token for the account (ENOTFOUND when
// there is no such account). Only its hash is stored.
func (s *AccountService) CreateToken(ctx context.Context, name, label string) (string, error) {
	token, hash := passhash.NewToken()
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO tokens (hash, account, label, created_at)
		SELECT $1, pk, $2, $3 FROM accounts WHERE name = $4`, hash[:], label, s.db.now(), name)
	if err != nil {
		return "", fmt.Errorf("create token for %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return "", versions.AccountNotFound(name)
	}
	return token, nil
}

// AuthenticateToken returns the token's account, or EUNAUTHORIZED.
func (s *AccountService) AuthenticateToken(ctx context.Context, token string) (*rampart.Account, error) {
	if !passhash.WellFormedToken(token) {
		return nil, versions.ErrBadToken
	}
	hash := passhash.HashToken(token)
	var name string
	err := s.db.pool.QueryRow(ctx, `SELECT a.name FROM tokens t JOIN accounts a ON a.pk = t.account
		WHERE t.hash = $1`, hash[:]).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, versions.ErrBadToken
	} else if err != nil {
		return nil, fmt.Errorf("authenticate token: %w", err)
	}
	a, _, _, err := s.findAccount(ctx, s.db.pool, name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, versions.ErrBadToken // deleted meanwhile
	}
	return a, err
}

// SetGrant sets the account's permissions on a collection; a grant with
// neither Read nor Write keeps the collection visible to the account.
// ENOTFOUND when the account or the collection does not exist.
func (s *AccountService) SetGrant(ctx context.Context, name string, g rampart.Grant) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("set grant for %q: %w", name, err)
	}
	defer tx.Rollback(ctx)
	var pk int64
	err = tx.QueryRow(ctx, `SELECT pk FROM accounts WHERE name = $1`, name).Scan(&pk)
	if errors.Is(err, pgx.ErrNoRows) {
		return versions.AccountNotFound(name)
	} else if err != nil {
		return fmt.Errorf("set grant for %q: %w", name, err)
	}
	if err := setGrant(ctx, tx, pk, name, g); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("set grant for %q: %w", name, err)
	}
	return nil
}

// DeleteGrant removes the account's grant on a collection (ENOTFOUND when
// there is none).
func (s *AccountService) DeleteGrant(ctx context.Context, name, collectionID string) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM grants WHERE collection_id = $1 AND account = (SELECT pk FROM accounts WHERE name = $2)`, collectionID, name)
	if err != nil {
		return fmt.Errorf("delete grant for %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "account %q has no grant on collection %q", name, collectionID)
	}
	return nil
}

func setGrant(ctx context.Context, tx pgx.Tx, pk int64, name string, g rampart.Grant) error {
	tag, err := tx.Exec(ctx, `INSERT INTO grants (account, collection_id, can_read, can_write)
		SELECT $1, id, $3, $4 FROM collections WHERE id = $2
		ON CONFLICT (account, collection_id) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write`,
		pk, g.CollectionID, g.Read, g.Write)
	if err != nil {
		return fmt.Errorf("set grant for %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return rampart.Errorf(rampart.ENOTFOUND, "grant for %q: collection %q not found", name, g.CollectionID)
	}
	return nil
}
