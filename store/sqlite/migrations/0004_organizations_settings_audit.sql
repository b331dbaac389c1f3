-- Organisations and the account each belongs to; the record of deletions
-- that other processes follow (ChangeFeed); settings; what became of the
-- versions sent sealed (deliveries); and the audit log of what was shared
-- with whom. Kept in step with PostgreSQL's 0004: times in these tables
-- are microseconds since the Unix epoch in both stores, so that one
-- implementation (store/internal/sqlstore) reads both.

-- The account's organisation (its STIX identity id); '' is the node's own.
ALTER TABLE accounts ADD COLUMN organization TEXT NOT NULL DEFAULT '';

CREATE INDEX accounts_organization ON accounts (organization);

CREATE TABLE organizations (
	id         TEXT PRIMARY KEY, -- STIX identity id
	name       TEXT NOT NULL,
	relation   TEXT NOT NULL, -- own, constituent or partner
	country    TEXT NOT NULL, -- ISO 3166-1 alpha-2, '' when unknown
	created_at INTEGER NOT NULL
) STRICT;

-- A node has one organisation of its own.
CREATE UNIQUE INDEX organizations_own ON organizations (relation) WHERE relation = 'own';

-- One row per DeleteObjects, written in its transaction. AUTOINCREMENT
-- keeps a seq from being handed out twice, so a reader that has seen up
-- to a seq never misses a later deletion.
CREATE TABLE object_deletions (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	collection_id TEXT NOT NULL,
	object_id     TEXT NOT NULL,
	at            INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
	name       TEXT PRIMARY KEY,
	value      BLOB NOT NULL, -- JSON, as the package that owns the name defines it
	version    INTEGER NOT NULL, -- 1, 2, … with every change of this setting
	updated_at INTEGER NOT NULL
) STRICT;

-- One row whose version grows with every change of any setting, in the
-- same transaction: SettingsVersion is one read of it.
CREATE TABLE settings_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
) STRICT;

INSERT INTO settings_version (id, version) VALUES (1, 0);

CREATE TABLE deliveries (
	object_id   TEXT NOT NULL,
	version     TEXT NOT NULL,
	recipient   TEXT NOT NULL, -- STIX identity id of the organisation
	status      TEXT NOT NULL, -- sealed or failed
	envelope_id TEXT NOT NULL,
	reason      TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (object_id, version, recipient)
) STRICT;

-- Listings newest first, whole or by status; by recipient, the summaries
-- (counts by status, the latest failure) too.
CREATE INDEX deliveries_updated ON deliveries (updated_at);
CREATE INDEX deliveries_status ON deliveries (status, updated_at);
CREATE INDEX deliveries_recipient ON deliveries (recipient, status, updated_at);

-- The audit log. seq is assigned by AppendAudit under the write lock, the
-- last one plus one, so the log has no gaps; hash chains each record to
-- the one before (rampart.AuditHash).
CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	object_id TEXT NOT NULL,
	version   TEXT NOT NULL,
	recipient TEXT NOT NULL,
	channel   TEXT NOT NULL, -- peer or account
	via       TEXT NOT NULL,
	sealed    INTEGER NOT NULL,
	hash      BLOB NOT NULL,
	-- A version is recorded once per recipient, channel and via.
	UNIQUE (object_id, version, recipient, channel, via)
) STRICT;

CREATE INDEX audit_recipient ON audit (recipient, seq);
CREATE INDEX audit_at ON audit (at, seq);

CREATE TABLE audit_checkpoints (
	seq       INTEGER PRIMARY KEY, -- the last record covered
	hash      BLOB NOT NULL,       -- that record's hash
	at        INTEGER NOT NULL,
	signature BLOB NOT NULL        -- JWS by the node's keys
) STRICT;
