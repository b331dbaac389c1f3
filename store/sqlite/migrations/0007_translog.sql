-- The transparency log (package translog): one row per leaf of its
-- Merkle tree. idx is assigned by AppendLog under the write lock, the last
-- one plus one, so the leaves have no gaps; a document (its leaf hash) is
-- logged once. Kept in step with PostgreSQL's 0007; at is microseconds
-- since the Unix epoch.
CREATE TABLE translog (
	idx       INTEGER PRIMARY KEY,
	leaf_hash BLOB NOT NULL UNIQUE,
	kind      TEXT NOT NULL, -- object or registry
	object_id TEXT NOT NULL,
	version   TEXT NOT NULL,
	at        INTEGER NOT NULL
) STRICT;

CREATE INDEX translog_object ON translog (object_id);
