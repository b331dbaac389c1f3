-- The transparency log (package translog): one row per leaf of its
-- Merkle tree. idx is assigned by AppendLog under an advisory lock, the
-- last one plus one, so the leaves have no gaps; a document (its leaf
-- hash) is logged once. Kept in step with SQLite's 0007; at is
-- microseconds since the Unix epoch.
CREATE TABLE translog (
	idx       bigint PRIMARY KEY,
	leaf_hash bytea NOT NULL UNIQUE,
	kind      text COLLATE "C" NOT NULL, -- object or registry
	object_id text COLLATE "C" NOT NULL,
	version   text COLLATE "C" NOT NULL,
	at        bigint NOT NULL
);

CREATE INDEX translog_object ON translog (object_id);
