package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// MaxSettingNameBytes bounds the length of a setting's name.
const MaxSettingNameBytes = 200

// SettingService stores a node's settings. It is safe for concurrent use,
// also by several processes on one database: SetSetting compares and sets
// in one statement, which waits for a concurrent change of the same
// setting to commit and then sees it.
type SettingService struct {
	db *DB
}

var _ rampart.SettingService = (*SettingService)(nil)

// NewSettingService returns a SettingService on db.
func NewSettingService(db *DB) *SettingService {
	return &SettingService{db: db}
}

const settingColumns = `name, value, version, updated_at`

func scanSetting(row row) (*rampart.Setting, error) {
	var (
		st      rampart.Setting
		updated int64
	)
	if err := row.Scan(&st.Name, &st.Value, &st.Version, &updated); err != nil {
		return nil, err
	}
	st.UpdatedAt = versions.Time(updated)
	return &st, nil
}

// checkSettingName returns EINVALID for a name that cannot be a setting's.
func checkSettingName(name string) error {
	if name == "" || len(name) > MaxSettingNameBytes || !utf8.ValidString(name) {
		return rampart.Errorf(rampart.EINVALID, "setting name must be 1 to %d bytes of UTF-8 (got %q)", MaxSettingNameBytes, name)
	}
	return nil
}

func settingNotFound(name string) error {
	return rampart.Errorf(rampart.ENOTFOUND, "setting %q not found", name)
}

// FindSetting returns ENOTFOUND when there is no setting by that name.
func (s *SettingService) FindSetting(ctx context.Context, name string) (*rampart.Setting, error) {
	st, err := scanSetting(s.db.read().queryRow(ctx, `SELECT `+settingColumns+` FROM settings WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, settingNotFound(name)
	} else if err != nil {
		return nil, fmt.Errorf("find setting %q: %w", name, err)
	}
	return st, nil
}

// FindSettings returns the settings whose names start with prefix, ordered
// by name (byte-wise); every setting for an empty prefix. It returns
// EINVALID for a prefix that is not UTF-8.
func (s *SettingService) FindSettings(ctx context.Context, prefix string) ([]*rampart.Setting, error) {
	if !utf8.ValidString(prefix) {
		return nil, rampart.Errorf(rampart.EINVALID, "setting prefix must be UTF-8 (got %q)", prefix)
	}
	// A range of the primary key rather than LIKE, whose wildcards would
	// need escaping and which SQLite compares without regard to case.
	query, args := `SELECT `+settingColumns+` FROM settings WHERE name >= ?`, []any{prefix}
	if end, ok := prefixEnd(prefix); ok {
		query += ` AND name < ?`
		args = append(args, end)
	}
	out, err := queryAll(ctx, s.db.read(), scanSetting, query+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("find settings %q: %w", prefix, err)
	}
	return out, nil
}

// prefixEnd returns the least UTF-8 string above every string that starts
// with prefix (in byte order, which for UTF-8 is code point order), and
// false when there is none (an empty prefix, or one of only the highest
// code point). Every string s with prefix <= s < end starts with prefix.
func prefixEnd(prefix string) (string, bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r == 0xD800 { // surrogates are not UTF-8
			r = 0xE000
		}
		if r <= utf8.MaxRune {
			rs[i] = r
			return string(rs[:i+1]), true
		}
	}
	return "", false
}

// SetSetting stores value under name if the setting's version is still
// version (0: it must not exist yet; negative: whatever is there), and
// returns the new setting. It returns ECONFLICT, saying what the version
// is, when the version differs, EINVALID for a bad name.
func (s *SettingService) SetSetting(ctx context.Context, name string, value []byte, version int64) (*rampart.Setting, error) {
	if err := checkSettingName(name); err != nil {
		return nil, err
	}
	if value == nil {
		value = []byte{} // NOT NULL
	}
	now := s.db.now()
	st := &rampart.Setting{Name: name, Value: value, UpdatedAt: versions.Time(now)}
	what := fmt.Sprintf("set setting %q", name)
	err := s.db.write(ctx, what, func(tx conn, sqlTx *sql.Tx) error {
		var row *sql.Row
		switch {
		case version < 0:
			row = tx.queryRow(ctx, `INSERT INTO settings (`+settingColumns+`) VALUES (?, ?, 1, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = settings.version + 1, updated_at = excluded.updated_at
				RETURNING version`, name, value, now)
		case version == 0:
			row = tx.queryRow(ctx, `INSERT INTO settings (`+settingColumns+`) VALUES (?, ?, 1, ?)
				ON CONFLICT (name) DO NOTHING RETURNING version`, name, value, now)
		default:
			// In PostgreSQL, a concurrent update of the row makes this
			// one wait for it to commit and test the version again.
			row = tx.queryRow(ctx, `UPDATE settings SET value = ?, version = version + 1, updated_at = ?
				WHERE name = ? AND version = ? RETURNING version`, value, now, name, version)
		}
		err := row.Scan(&st.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return s.conflict(ctx, tx, name, version)
		} else if err != nil {
			return wrap(what, err)
		}
		return s.changed(ctx, tx, sqlTx, what)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// conflict returns the ECONFLICT error for a SetSetting of name at
// version that found another.
func (s *SettingService) conflict(ctx context.Context, tx conn, name string, version int64) error {
	var current int64
	err := tx.queryRow(ctx, `SELECT version FROM settings WHERE name = ?`, name).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return rampart.Errorf(rampart.ECONFLICT, "setting %q does not exist (any more), so version %d cannot be replaced; set it with version 0 to create it", name, version)
	case err != nil:
		return fmt.Errorf("set setting %q: %w", name, err)
	case version == 0:
		return rampart.Errorf(rampart.ECONFLICT, "setting %q exists already (version %d); read it and set it with its version", name, current)
	}
	return rampart.Errorf(rampart.ECONFLICT, "setting %q is at version %d, not %d: it changed since it was read; read it again", name, current, version)
}

// changed records, in the transaction that changed a setting, that the
// settings changed: SettingsVersion grows, and other processes hear of it.
func (s *SettingService) changed(ctx context.Context, tx conn, sqlTx *sql.Tx, what string) error {
	if _, err := tx.exec(ctx, `UPDATE settings_version SET version = version + 1`); err != nil {
		return wrap(what, err)
	}
	if s.db.Notify != nil {
		if err := s.db.Notify(ctx, sqlTx); err != nil {
			return wrap(what, err)
		}
	}
	return nil
}

// DeleteSetting removes a setting (ENOTFOUND when there is none).
func (s *SettingService) DeleteSetting(ctx context.Context, name string) error {
	what := fmt.Sprintf("delete setting %q", name)
	return s.db.write(ctx, what, func(tx conn, sqlTx *sql.Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM settings WHERE name = ?`, name)
		if err != nil {
			return wrap(what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(what, err)
		} else if n == 0 {
			return settingNotFound(name)
		}
		return s.changed(ctx, tx, sqlTx, what)
	})
}

// SettingsVersion returns a number that grows whenever any setting is set
// or deleted, from any process.
func (s *SettingService) SettingsVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.read().queryRow(ctx, `SELECT version FROM settings_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the settings version: %w", err)
	}
	return v, nil
}
