-- Rampart schema, PostgreSQL. Keep in step with store/sqlite/migrations.
-- Identifiers, types and version keys compare byte-wise (COLLATE "C"),
-- whatever the database's locale: their order is part of the contract.

CREATE TABLE api_roots (
	name               text COLLATE "C" PRIMARY KEY,
	title              text NOT NULL,
	description        text NOT NULL,
	max_content_length bigint NOT NULL,
	created_at         timestamptz NOT NULL
);

CREATE TABLE collections (
	pk          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id          text COLLATE "C" NOT NULL UNIQUE,
	api_root    text COLLATE "C" NOT NULL REFERENCES api_roots (name) ON DELETE CASCADE,
	title       text NOT NULL,
	description text NOT NULL,
	alias       text NOT NULL,
	media_types text[] NOT NULL,
	created_at  timestamptz NOT NULL,
	-- The newest date_added in the collection: the floor for the next one.
	last_added  timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00',
	-- How many objects have versions of more than one spec_version (see
	-- versions.Query.Simplify).
	mixed       bigint NOT NULL DEFAULT 0
);

CREATE INDEX collections_api_root ON collections (api_root, created_at, pk);

-- One row per version of an object in a collection. seq is the collection
-- order: writers of one collection hold its row lock (SELECT … FOR UPDATE)
-- from reading last_added to commit, so within a collection both seq and
-- date_added grow in commit order.
CREATE TABLE objects (
	seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	collection   bigint NOT NULL REFERENCES collections (pk) ON DELETE CASCADE,
	id           text COLLATE "C" NOT NULL,
	type         text COLLATE "C" NOT NULL,
	version      text COLLATE "C" NOT NULL, -- stix.Timestamp.Key of modified/created, '' for none
	spec_version text COLLATE "C" NOT NULL,
	spec_set     boolean NOT NULL, -- spec_version was present in the JSON
	created      text NOT NULL,    -- as written, '' when absent
	modified     text NOT NULL,
	date_added   timestamptz NOT NULL,
	-- Marks for the default spec_version rule (see store/internal/versions).
	top          boolean NOT NULL,
	latest       boolean NOT NULL,
	earliest     boolean NOT NULL,
	raw          bytea NOT NULL
);

CREATE UNIQUE INDEX objects_version ON objects (collection, id, version);
-- Listings walk these in seq order, one range per value of latest (and of
-- type); a listing of only the latest versions reads the latest range alone.
CREATE INDEX objects_latest ON objects (collection, latest, seq);
CREATE INDEX objects_type ON objects (collection, type, latest, seq);
-- added_after: the last seq at or before a date_added, in one probe.
CREATE INDEX objects_added ON objects (collection, date_added, seq);

CREATE TABLE accounts (
	pk            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          text COLLATE "C" NOT NULL UNIQUE,
	admin         boolean NOT NULL,
	password_hash text NOT NULL, -- argon2id PHC string
	created_at    timestamptz NOT NULL
);

CREATE TABLE grants (
	account       bigint NOT NULL REFERENCES accounts (pk) ON DELETE CASCADE,
	collection_id text COLLATE "C" NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
	can_read      boolean NOT NULL,
	can_write     boolean NOT NULL,
	PRIMARY KEY (account, collection_id)
);

CREATE INDEX grants_collection ON grants (collection_id);

CREATE TABLE tokens (
	hash       bytea PRIMARY KEY, -- SHA-256 of the token text
	account    bigint NOT NULL REFERENCES accounts (pk) ON DELETE CASCADE,
	label      text NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE INDEX tokens_account ON tokens (account);

CREATE TABLE statuses (
	id                text COLLATE "C" PRIMARY KEY,
	api_root          text COLLATE "C" NOT NULL REFERENCES api_roots (name) ON DELETE CASCADE,
	account           text NOT NULL,
	status            text NOT NULL,
	request_timestamp timestamptz NOT NULL,
	total_count       bigint NOT NULL,
	success_count     bigint NOT NULL,
	failure_count     bigint NOT NULL,
	pending_count     bigint NOT NULL,
	details           jsonb NOT NULL -- {"successes":[…],"failures":[…],"pendings":[…]}
);

CREATE INDEX statuses_request_timestamp ON statuses (request_timestamp);

CREATE TABLE secrets (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);
