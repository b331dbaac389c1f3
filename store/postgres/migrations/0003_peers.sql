-- Federation: the peers of this node, how far it has pulled each of their
-- collections, and what came of it. Kept in step with SQLite's 0003.

CREATE TABLE peers (
	id            text COLLATE "C" PRIMARY KEY, -- the organisation's STIX identity id
	name          text NOT NULL,
	url           text NOT NULL,
	api_root      text NOT NULL,
	created_at    timestamptz NOT NULL,
	last_sync     timestamptz, -- NULL: never
	last_error    text NOT NULL DEFAULT '',
	last_error_at timestamptz,
	objects_in    bigint NOT NULL DEFAULT 0,
	objects_out   bigint NOT NULL DEFAULT 0,
	rejections    bigint NOT NULL DEFAULT 0
);

-- added_after is the date_added (peer's clock) of the last version
-- processed; it only ever grows.
CREATE TABLE peer_cursors (
	peer          text COLLATE "C" NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
	collection_id text COLLATE "C" NOT NULL,
	added_after   timestamptz NOT NULL,
	lag           bigint NOT NULL, -- microseconds
	updated_at    timestamptz NOT NULL,
	PRIMARY KEY (peer, collection_id)
);

CREATE TABLE peer_rejections (
	seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	peer      text COLLATE "C" NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
	at        timestamptz NOT NULL,
	object_id text NOT NULL,
	version   text NOT NULL,
	reason    text NOT NULL,
	message   text NOT NULL
);

CREATE INDEX peer_rejections_peer ON peer_rejections (peer, seq);
