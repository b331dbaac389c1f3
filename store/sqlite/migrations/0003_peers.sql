-- Federation: the peers of this node, how far it has pulled each of their
-- collections, and what came of it. Kept in step with PostgreSQL's 0003.

CREATE TABLE peers (
	id            TEXT PRIMARY KEY, -- the organisation's STIX identity id
	name          TEXT NOT NULL,
	url           TEXT NOT NULL,
	api_root      TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	last_sync     INTEGER NOT NULL DEFAULT 0, -- 0: never
	last_error    TEXT NOT NULL DEFAULT '',
	last_error_at INTEGER NOT NULL DEFAULT 0,
	objects_in    INTEGER NOT NULL DEFAULT 0,
	objects_out   INTEGER NOT NULL DEFAULT 0,
	rejections    INTEGER NOT NULL DEFAULT 0
) STRICT;

-- added_after is the date_added (peer's clock, microseconds) of the last
-- version processed; it only ever grows.
CREATE TABLE peer_cursors (
	peer          TEXT NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
	collection_id TEXT NOT NULL,
	added_after   INTEGER NOT NULL,
	lag           INTEGER NOT NULL, -- microseconds
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (peer, collection_id)
) STRICT;

CREATE TABLE peer_rejections (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	peer      TEXT NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
	at        INTEGER NOT NULL,
	object_id TEXT NOT NULL,
	version   TEXT NOT NULL,
	reason    TEXT NOT NULL,
	message   TEXT NOT NULL
) STRICT;

CREATE INDEX peer_rejections_peer ON peer_rejections (peer, seq);
