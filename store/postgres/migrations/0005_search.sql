-- Search (store/internal/search): a text index and a value index of the
-- latest version of every object in a collection, written in the
-- transaction that stores or deletes versions. Kept in step with SQLite's
-- 0005, whose text index is an FTS5 table instead.

-- One row per indexed version (the latest of each object in a
-- collection), with what searches filter on and its words: doc holds them
-- all, name those of its name, aliases and external ids again (a search
-- ranks first the objects whose name holds every word, and finds them in
-- name's short lists). The store writes the tsvectors itself
-- (search.TSVector), with words cut as SQLite's are, so that both stores
-- find the same objects. A search finds and checks its candidates in the
-- search tables alone, and reads objects for the hits of a page only.
CREATE TABLE search_docs (
	seq        bigint PRIMARY KEY, -- objects.seq
	collection bigint NOT NULL,    -- collections.pk
	type       text COLLATE "C" NOT NULL,
	version    text COLLATE "C" NOT NULL, -- objects.version
	name       tsvector NOT NULL,
	doc        tsvector NOT NULL
);

CREATE INDEX search_docs_collection ON search_docs (collection, seq);
CREATE INDEX search_docs_type ON search_docs (collection, type, seq);
CREATE INDEX search_docs_name ON search_docs USING gin (name);
CREATE INDEX search_docs_doc ON search_docs USING gin (doc);

-- A page of a search is its newest matches: the planner reads the table
-- backwards for a frequent word (stopping at a page) and the GIN index for
-- a rare one. It tells them apart by the most common words ANALYZE
-- records, 1,000 of them by default: with a million objects it then took
-- a word in no object for one in 2,000 and read every row to find it
-- (0.9 s). Ten times the statistics target keeps 100,000 words.
ALTER TABLE search_docs ALTER COLUMN doc SET STATISTICS 10000;
ALTER TABLE search_docs ALTER COLUMN name SET STATISTICS 10000;

-- The values each indexed version names, and its markings and author:
-- 'v:198.51.100.7', 'd:com.example.evil.' (a domain, labels reversed, so
-- that its subdomains follow it), 'm:marking-definition--…',
-- 'c:identity--…'. COLLATE "C", so that a domain's subdomains are one
-- range.
CREATE TABLE object_values (
	collection bigint NOT NULL, -- collections.pk
	value      text COLLATE "C" NOT NULL,
	seq        bigint NOT NULL, -- objects.seq
	PRIMARY KEY (collection, value, seq)
);

-- A version's entries, to remove them and to check a value of one.
CREATE INDEX object_values_seq ON object_values (seq, value);

-- What the store held before this migration, for the back-fill that
-- opening the store runs (search.Backfill): each collection's latest
-- versions with seqs in (done, last] are not indexed yet. A row goes once
-- its collection is done.
CREATE TABLE search_backfill (
	collection bigint PRIMARY KEY, -- collections.pk
	done       bigint NOT NULL,
	last       bigint NOT NULL
);

INSERT INTO search_backfill (collection, done, last)
SELECT collection, 0, max(seq) FROM objects GROUP BY collection;
