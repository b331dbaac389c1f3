package postgres

import (
	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/sqlstore"
)

// Every service but the object service is implemented once for both
// stores, in store/internal/sqlstore; these constructors give them this
// store's database. Each is safe for concurrent use, also by several
// processes on one database.

var (
	_ rampart.CollectionService   = (*sqlstore.CollectionService)(nil)
	_ rampart.AccountService      = (*sqlstore.AccountService)(nil)
	_ rampart.StatusService       = (*sqlstore.StatusService)(nil)
	_ rampart.SecretService       = (*sqlstore.SecretService)(nil)
	_ rampart.PeerService         = (*sqlstore.PeerService)(nil)
	_ rampart.OrganizationService = (*sqlstore.OrganizationService)(nil)
	_ rampart.SettingService      = (*sqlstore.SettingService)(nil)
	_ rampart.DeliveryService     = (*sqlstore.DeliveryService)(nil)
	_ rampart.AuditService        = (*sqlstore.AuditService)(nil)
)

// NewCollectionService returns the CollectionService on db: API roots
// and collections.
func NewCollectionService(db *DB) *sqlstore.CollectionService {
	return sqlstore.NewCollectionService(db.shared)
}

// NewAccountService returns the AccountService on db: accounts, their
// grants and tokens. Its PasswordParams, the argon2id cost of new
// password hashes, may be set before it is used.
func NewAccountService(db *DB) *sqlstore.AccountService {
	return sqlstore.NewAccountService(db.shared)
}

// NewStatusService returns the StatusService on db.
func NewStatusService(db *DB) *sqlstore.StatusService {
	return sqlstore.NewStatusService(db.shared)
}

// NewSecretService returns the SecretService on db.
func NewSecretService(db *DB) *sqlstore.SecretService {
	return sqlstore.NewSecretService(db.shared)
}

// NewPeerService returns the PeerService on db: the node's peers, their
// cursors and their status.
func NewPeerService(db *DB) *sqlstore.PeerService {
	return sqlstore.NewPeerService(db.shared)
}

// NewOrganizationService returns the OrganizationService on db. It
// returns ECONFLICT for a second organisation of the node's own, and for
// the deletion of one that accounts belong to.
func NewOrganizationService(db *DB) *sqlstore.OrganizationService {
	return sqlstore.NewOrganizationService(db.shared)
}

// NewSettingService returns the SettingService on db, whose SetSetting
// compares and sets (ECONFLICT when the version changed).
func NewSettingService(db *DB) *sqlstore.SettingService {
	return sqlstore.NewSettingService(db.shared)
}

// NewDeliveryService returns the DeliveryService on db.
func NewDeliveryService(db *DB) *sqlstore.DeliveryService {
	return sqlstore.NewDeliveryService(db.shared)
}

// NewAuditService returns the AuditService on db: records are appended
// under an advisory lock, numbered and chained after the last one
// committed by any process.
func NewAuditService(db *DB) *sqlstore.AuditService {
	return sqlstore.NewAuditService(db.shared)
}
