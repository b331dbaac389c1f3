-- Search (store/internal/search): a text index and a value index of the
-- latest version of every object in a collection, written in the
-- transaction that stores or deletes versions. Kept in step with
-- PostgreSQL's 0005, whose text index is a tsvector column instead.

-- One narrow row per indexed version (the latest of each object in a
-- collection), with what searches filter on: a search finds and checks
-- its candidates in these tables alone, which stay in memory where the
-- objects table does not, and reads objects for the hits of a page only.
CREATE TABLE search_docs (
	seq        INTEGER PRIMARY KEY, -- objects.seq
	collection INTEGER NOT NULL,    -- collections.pk
	type       TEXT NOT NULL,
	version    TEXT NOT NULL        -- objects.version
) STRICT;

CREATE INDEX search_docs_collection ON search_docs (collection, seq);
CREATE INDEX search_docs_type ON search_docs (collection, type, seq);

-- The words of each indexed version, rowid = objects.seq: name holds the
-- name, aliases and external ids, body the rest. Contentless: the text is
-- in objects.raw already. Words are cut (and lower-cased) by the store
-- before they get here, so the ascii tokenizer only splits at the spaces.
CREATE VIRTUAL TABLE search_text USING fts5 (
	name, body,
	content = '', contentless_delete = 1, tokenize = 'ascii'
);

-- The name's words again, on their own: a search ranks first the objects
-- whose name holds every word, and finds them in these short lists rather
-- than in the whole text's, which are twenty times as long.
CREATE VIRTUAL TABLE search_names USING fts5 (
	name,
	content = '', contentless_delete = 1, tokenize = 'ascii'
);

-- The values each indexed version names, and its markings and author:
-- 'v:198.51.100.7', 'd:com.example.evil.' (a domain, labels reversed, so
-- that its subdomains follow it), 'm:marking-definition--…',
-- 'c:identity--…'. Byte order (BINARY), so that a domain's subdomains are
-- one range.
CREATE TABLE object_values (
	collection INTEGER NOT NULL, -- collections.pk
	value      TEXT NOT NULL,
	seq        INTEGER NOT NULL, -- objects.seq
	PRIMARY KEY (collection, value, seq)
) STRICT, WITHOUT ROWID;

-- A version's entries, to remove them.
CREATE INDEX object_values_seq ON object_values (seq);

-- What the store held before this migration, for the back-fill that
-- opening the store runs (search.Backfill): each collection's latest
-- versions with seqs in (done, last] are not indexed yet. A row goes once
-- its collection is done.
CREATE TABLE search_backfill (
	collection INTEGER PRIMARY KEY, -- collections.pk
	done       INTEGER NOT NULL,
	last       INTEGER NOT NULL
) STRICT;

INSERT INTO search_backfill (collection, done, last)
SELECT collection, 0, max(seq) FROM objects GROUP BY collection;
