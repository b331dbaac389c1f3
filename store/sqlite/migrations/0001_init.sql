-- Rampart schema, SQLite. Keep in step with store/postgres/migrations.
-- Times are microseconds since the Unix epoch (INTEGER).

CREATE TABLE api_roots (
	name               TEXT PRIMARY KEY,
	title              TEXT NOT NULL,
	description        TEXT NOT NULL,
	max_content_length INTEGER NOT NULL,
	created_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE collections (
	pk          INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	api_root    TEXT NOT NULL REFERENCES api_roots (name) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	description TEXT NOT NULL,
	alias       TEXT NOT NULL,
	media_types TEXT NOT NULL, -- JSON array of strings
	created_at  INTEGER NOT NULL,
	-- The newest date_added in the collection: the floor for the next one.
	last_added  INTEGER NOT NULL DEFAULT 0,
	-- How many objects have versions of more than one spec_version; while
	-- none do, listings by spec_version read the marks (see
	-- versions.Query.Simplify).
	mixed       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX collections_api_root ON collections (api_root, created_at, pk);

-- One row per version of an object in a collection. seq is the collection
-- order: it grows with date_added within a collection (both only ever grow,
-- under the single writer), and AUTOINCREMENT keeps a deleted seq from being
-- handed out again, which would break paging cursors.
CREATE TABLE objects (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	collection   INTEGER NOT NULL REFERENCES collections (pk) ON DELETE CASCADE,
	id           TEXT NOT NULL,
	type         TEXT NOT NULL,
	version      TEXT NOT NULL, -- stix.Timestamp.Key of modified/created, '' for none
	spec_version TEXT NOT NULL,
	spec_set     INTEGER NOT NULL, -- spec_version was present in the JSON
	created      TEXT NOT NULL,    -- as written, '' when absent
	modified     TEXT NOT NULL,
	date_added   INTEGER NOT NULL,
	-- Marks for the default spec_version rule (see store/internal/versions):
	-- top: spec_version is the object's newest; latest/earliest: the
	-- last/first version among those.
	top          INTEGER NOT NULL,
	latest       INTEGER NOT NULL,
	earliest     INTEGER NOT NULL,
	raw          BLOB NOT NULL
) STRICT;

CREATE UNIQUE INDEX objects_version ON objects (collection, id, version);
-- Listings walk these in seq order, one range per value of latest (and of
-- type); a listing of only the latest versions reads the latest = 1 range
-- alone.
CREATE INDEX objects_latest ON objects (collection, latest, seq);
CREATE INDEX objects_type ON objects (collection, type, latest, seq);
-- added_after: the last seq at or before a date_added, in one probe.
CREATE INDEX objects_added ON objects (collection, date_added, seq);

CREATE TABLE accounts (
	pk            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	admin         INTEGER NOT NULL,
	password_hash TEXT NOT NULL, -- argon2id PHC string
	created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE grants (
	account       INTEGER NOT NULL REFERENCES accounts (pk) ON DELETE CASCADE,
	collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
	can_read      INTEGER NOT NULL,
	can_write     INTEGER NOT NULL,
	PRIMARY KEY (account, collection_id)
) STRICT;

CREATE INDEX grants_collection ON grants (collection_id);

CREATE TABLE tokens (
	hash       BLOB PRIMARY KEY, -- SHA-256 of the token text
	account    INTEGER NOT NULL REFERENCES accounts (pk) ON DELETE CASCADE,
	label      TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX tokens_account ON tokens (account);

CREATE TABLE statuses (
	id                TEXT PRIMARY KEY,
	api_root          TEXT NOT NULL REFERENCES api_roots (name) ON DELETE CASCADE,
	account           TEXT NOT NULL,
	status            TEXT NOT NULL,
	request_timestamp INTEGER NOT NULL,
	total_count       INTEGER NOT NULL,
	success_count     INTEGER NOT NULL,
	failure_count     INTEGER NOT NULL,
	pending_count     INTEGER NOT NULL,
	details           TEXT NOT NULL -- JSON: {"successes":[…],"failures":[…],"pendings":[…]}
) STRICT;

CREATE INDEX statuses_request_timestamp ON statuses (request_timestamp);

CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
