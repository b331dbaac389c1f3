package rampart

import (
	"context"
	"time"
)

// Setting is one named piece of a node's configuration, stored with the
// node's data so that every process serving the store reads the same and
// a change takes effect without a restart: early-warning rules, webhooks,
// watchlists, the node's keys and registry, federation cursors. Its value
// is JSON, as the package that owns the name defines it.
type Setting struct {
	Name  string
	Value []byte
	// Version grows with every change of this setting, from 1.
	Version   int64
	UpdatedAt time.Time
}

// SettingService stores a node's settings. Values may hold secrets
// (webhook keys); they never leave the node. Implementations are safe for
// concurrent use, also from several processes.
type SettingService interface {
	// FindSetting returns ENOTFOUND when there is no setting by that name.
	FindSetting(ctx context.Context, name string) (*Setting, error)
	// FindSettings returns the settings whose names start with prefix,
	// ordered by name.
	FindSettings(ctx context.Context, prefix string) ([]*Setting, error)
	// SetSetting stores value under name if the setting's version is
	// still version (0 for a setting that does not exist yet), and
	// returns the new setting; ECONFLICT otherwise, so that two writers
	// never lose each other's change. A negative version replaces
	// whatever is there.
	SetSetting(ctx context.Context, name string, value []byte, version int64) (*Setting, error)
	// DeleteSetting removes a setting (ENOTFOUND when there is none).
	DeleteSetting(ctx context.Context, name string) error
	// SettingsVersion returns a number that changes whenever any setting
	// changes: one cheap read to learn whether anything must be read
	// again.
	SettingsVersion(ctx context.Context) (int64, error)
}
