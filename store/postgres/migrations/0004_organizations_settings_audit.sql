-- Organisations and the account each belongs to; the record of deletions
-- that other processes follow (ChangeFeed); settings; what became of the
-- versions sent sealed (deliveries); and the audit log of what was shared
-- with whom. Kept in step with SQLite's 0004: times in these tables are
-- microseconds since the Unix epoch (bigint) in both stores, so that one
-- implementation (store/internal/sqlstore) reads both.

-- The account's organisation (its STIX identity id); '' is the node's own.
ALTER TABLE accounts ADD COLUMN organization text COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX accounts_organization ON accounts (organization);

CREATE TABLE organizations (
	id         text COLLATE "C" PRIMARY KEY, -- STIX identity id
	name       text COLLATE "C" NOT NULL,
	relation   text COLLATE "C" NOT NULL, -- own, constituent or partner
	country    text NOT NULL, -- ISO 3166-1 alpha-2, '' when unknown
	created_at bigint NOT NULL
);

-- A node has one organisation of its own.
CREATE UNIQUE INDEX organizations_own ON organizations (relation) WHERE relation = 'own';

-- One row per DeleteObjects, written in its transaction. Writers take an
-- advisory lock before they insert here, so seq grows in commit order and
-- a reader that has seen up to a seq never misses a later deletion.
CREATE TABLE object_deletions (
	seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	collection_id text COLLATE "C" NOT NULL,
	object_id     text COLLATE "C" NOT NULL,
	at            bigint NOT NULL
);

CREATE TABLE settings (
	-- Byte-wise order: FindSettings reads a range of names.
	name       text COLLATE "C" PRIMARY KEY,
	value      bytea NOT NULL, -- JSON, as the package that owns the name defines it
	version    bigint NOT NULL, -- 1, 2, … with every change of this setting
	updated_at bigint NOT NULL
);

-- One row whose version grows with every change of any setting, in the
-- same transaction: SettingsVersion is one read of it.
CREATE TABLE settings_version (
	id      integer PRIMARY KEY CHECK (id = 1),
	version bigint NOT NULL
);

INSERT INTO settings_version (id, version) VALUES (1, 0);

CREATE TABLE deliveries (
	object_id   text COLLATE "C" NOT NULL,
	version     text COLLATE "C" NOT NULL,
	recipient   text COLLATE "C" NOT NULL, -- STIX identity id of the organisation
	status      text COLLATE "C" NOT NULL, -- sealed or failed
	envelope_id text NOT NULL,
	reason      text NOT NULL,
	attempts    bigint NOT NULL,
	updated_at  bigint NOT NULL,
	PRIMARY KEY (object_id, version, recipient)
);

-- Listings newest first, whole or by status; by recipient, the summaries
-- (counts by status, the latest failure) too.
CREATE INDEX deliveries_updated ON deliveries (updated_at);
CREATE INDEX deliveries_status ON deliveries (status, updated_at);
CREATE INDEX deliveries_recipient ON deliveries (recipient, status, updated_at);

-- The audit log. seq is assigned by AppendAudit under an advisory lock,
-- the last one plus one, so the log has no gaps; hash chains each record
-- to the one before (rampart.AuditHash).
CREATE TABLE audit (
	seq       bigint PRIMARY KEY,
	at        bigint NOT NULL,
	object_id text COLLATE "C" NOT NULL,
	version   text COLLATE "C" NOT NULL,
	recipient text COLLATE "C" NOT NULL,
	channel   text COLLATE "C" NOT NULL, -- peer or account
	via       text COLLATE "C" NOT NULL,
	sealed    boolean NOT NULL,
	hash      bytea NOT NULL,
	-- A version is recorded once per recipient, channel and via.
	UNIQUE (object_id, version, recipient, channel, via)
);

CREATE INDEX audit_recipient ON audit (recipient, seq);
CREATE INDEX audit_at ON audit (at, seq);

CREATE TABLE audit_checkpoints (
	seq       bigint PRIMARY KEY, -- the last record covered
	hash      bytea NOT NULL,     -- that record's hash
	at        bigint NOT NULL,
	signature bytea NOT NULL      -- JWS by the node's keys
);
