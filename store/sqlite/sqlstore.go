package sqlite

import "github.com/rampart-cti/rampart/store/internal/sqlstore"

// NewServices returns every service of the store on db but the object
// service and the change feed: API roots and collections, accounts with
// their grants and tokens (whose PasswordParams, the argon2id cost of new
// password hashes, may be set before use), statuses, secrets, peers,
// organisations (one of the node's own; none deleted while accounts
// belong to it), settings (compare and set), deliveries and the audit log
// (appended under the file's write lock, chained after the last record). They are
// implemented once for both stores, in store/internal/sqlstore; each is
// safe for concurrent use, also by several processes on one file.
func NewServices(db *DB) *sqlstore.Services {
	return sqlstore.NewServices(db.shared)
}
