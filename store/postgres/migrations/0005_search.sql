-- Search (store/internal/search): a text index and a value index of the
-- latest version of every object in a collection, written in the
-- transaction that stores or deletes versions. Kept in step with SQLite's
-- 0005, whose text index is an FTS5 table instead.

-- The words of each indexed version: those of its name, aliases and
-- external ids at weight A, the rest at weight B. The store writes the
-- tsvector itself (search.Doc.TSVector), with words cut as SQLite's are,
-- so that both stores find the same objects.
CREATE TABLE search_docs (
	seq bigint PRIMARY KEY, -- objects.seq
	doc tsvector NOT NULL
);

CREATE INDEX search_docs_doc ON search_docs USING gin (doc);

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
