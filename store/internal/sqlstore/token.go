package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// CreateToken returns a new bearer token for the account (ENOTFOUND when
// there is no such account). Only its hash is stored.
func (s *AccountService) CreateToken(ctx context.Context, name, label string) (string, error) {
	token, hash := passhash.NewToken()
	res, err := s.db.writer().exec(ctx, `INSERT INTO tokens (hash, account, label, created_at)
		SELECT ?, pk, ?, ? FROM accounts WHERE name = ?`, hash[:], label, s.db.Dialect.stamp(s.db.Now()), name)
	if err != nil {
		return "", fmt.Errorf("create token for %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("create token for %q: %w", name, err)
	} else if n == 0 {
		return "", versions.AccountNotFound(name)
	}
	return token, nil
}

// AuthenticateToken returns the token's account, or EUNAUTHORIZED. It
// reads the store every time, so a revoked token (or one of a deleted
// account) is refused at once, also when another process revoked it.
func (s *AccountService) AuthenticateToken(ctx context.Context, token string) (*rampart.Account, error) {
	if !passhash.WellFormedToken(token) {
		return nil, versions.ErrBadToken
	}
	hash := passhash.HashToken(token)
	var name string
	err := s.db.read().queryRow(ctx, `SELECT a.name FROM tokens t JOIN accounts a ON a.pk = t.account
		WHERE t.hash = ?`, hash[:]).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, versions.ErrBadToken
	} else if err != nil {
		return nil, fmt.Errorf("authenticate token: %w", err)
	}
	a, _, err := s.findAccount(ctx, name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, versions.ErrBadToken // deleted meanwhile
	}
	return a, err
}

// FindTokens returns the account's tokens, oldest first, without their
// secrets (ENOTFOUND for an unknown account).
func (s *AccountService) FindTokens(ctx context.Context, name string) ([]*rampart.Token, error) {
	q := s.db.read()
	var pk int64
	err := q.queryRow(ctx, `SELECT pk FROM accounts WHERE name = ?`, name).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, versions.AccountNotFound(name)
	} else if err != nil {
		return nil, fmt.Errorf("find tokens of %q: %w", name, err)
	}
	tokens, _, err := s.tokens(ctx, q, pk, name)
	if err != nil {
		return nil, fmt.Errorf("find tokens of %q: %w", name, err)
	}
	return tokens, nil
}

// tokens returns the tokens of the account pk, called name, oldest first,
// and their hashes.
func (s *AccountService) tokens(ctx context.Context, q conn, pk int64, name string) ([]*rampart.Token, [][]byte, error) {
	rows, err := q.query(ctx, `SELECT hash, label, created_at FROM tokens WHERE account = ? ORDER BY created_at, hash`, pk)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var (
		out    []*rampart.Token
		hashes [][]byte
	)
	for rows.Next() {
		var (
			t    = &rampart.Token{Account: name}
			hash []byte
		)
		if err := rows.Scan(&hash, &t.Label, scanTime(&t.CreatedAt)); err != nil {
			return nil, nil, err
		}
		var sum [sha256.Size]byte
		copy(sum[:], hash)
		t.ID = passhash.TokenID(sum)
		out = append(out, t)
		hashes = append(hashes, hash)
	}
	return out, hashes, rows.Err()
}

// DeleteToken revokes the account's token whose ID (or, when no ID
// matches, whose label) is idOrLabel, and returns it. It returns ENOTFOUND
// for an unknown account or when nothing matches, and ECONFLICT when the
// label is that of several tokens. From the moment it returns,
// AuthenticateToken refuses the token.
func (s *AccountService) DeleteToken(ctx context.Context, name, idOrLabel string) (*rampart.Token, error) {
	what := fmt.Sprintf("revoke token %q of %q", idOrLabel, name)
	var deleted *rampart.Token
	err := s.db.write(ctx, what, func(tx conn, _ *sql.Tx) error {
		var pk int64
		err := tx.queryRow(ctx, `SELECT pk FROM accounts WHERE name = ?`, name).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return versions.AccountNotFound(name)
		} else if err != nil {
			return wrap(what, err)
		}
		tokens, hashes, err := s.tokens(ctx, tx, pk, name)
		if err != nil {
			return wrap(what, err)
		}
		i, err := pickToken(tokens, name, idOrLabel)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM tokens WHERE hash = ?`, hashes[i]); err != nil {
			return wrap(what, err)
		}
		deleted = tokens[i]
		return nil
	})
	return deleted, err
}

// pickToken returns the index of the token whose ID is ref (in any case),
// or else of the one token labelled ref.
func pickToken(tokens []*rampart.Token, name, ref string) (int, error) {
	for i, t := range tokens {
		if strings.EqualFold(t.ID, ref) {
			return i, nil
		}
	}
	var ids []string
	at := -1
	for i, t := range tokens {
		if t.Label == ref {
			ids, at = append(ids, t.ID), i
		}
	}
	switch len(ids) {
	case 0:
		return 0, rampart.Errorf(rampart.ENOTFOUND, "account %q has no token with ID or label %q", name, ref)
	case 1:
		return at, nil
	}
	return 0, rampart.Errorf(rampart.ECONFLICT, "label %q names %d tokens of %q (IDs %s): revoke one by its ID", ref, len(ids), name, strings.Join(ids, ", "))
}
