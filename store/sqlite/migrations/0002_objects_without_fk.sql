-- objects loses its foreign key to collections: checking it for every
-- inserted row cost more than the rest of the insert on PostgreSQL, and the
-- stores already check the collection under the write lock, while
-- DeleteCollection deletes the collection's objects itself. Kept in step
-- with PostgreSQL's 0002. SQLite cannot drop a constraint, so the table is
-- rebuilt; its AUTOINCREMENT counter is carried over so that no seq is
-- ever handed out twice.

CREATE TABLE objects_new (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	collection   INTEGER NOT NULL, -- collections.pk
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

INSERT INTO objects_new (seq, collection, id, type, version, spec_version, spec_set, created, modified,
	date_added, top, latest, earliest, raw)
SELECT seq, collection, id, type, version, spec_version, spec_set, created, modified,
	date_added, top, latest, earliest, raw
FROM objects ORDER BY seq;

INSERT INTO sqlite_sequence (name, seq)
SELECT 'objects_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'objects_new');
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'objects'), 0))
WHERE name = 'objects_new';

DROP TABLE objects;
ALTER TABLE objects_new RENAME TO objects;

CREATE UNIQUE INDEX objects_version ON objects (collection, id, version);
-- Listings walk these in seq order, one range per value of latest (and of
-- type); a listing of only the latest versions reads the latest = 1 range
-- alone.
CREATE INDEX objects_latest ON objects (collection, latest, seq);
CREATE INDEX objects_type ON objects (collection, type, latest, seq);
-- added_after: the last seq at or before a date_added, in one probe.
CREATE INDEX objects_added ON objects (collection, date_added, seq);
