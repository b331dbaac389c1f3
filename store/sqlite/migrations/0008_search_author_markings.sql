-- The author and the markings of each indexed version become columns of
-- search_docs, rather than rows of object_values ('c:identity--…',
-- 'm:marking-definition--…'): nearly every object has both, and those
-- two rows (each written to the table and to object_values_seq) were
-- almost half of what an import wrote to the value index. A search by
-- author or marking now checks the columns while it reads a collection's
-- search_docs newest first. Kept in step with PostgreSQL's 0008.

-- created_by: the created_by_ref in lower case, '' for none. markings:
-- the object_marking_refs in lower case, each followed by a space, after
-- a leading space (' marking-definition--a marking-definition--b '), ''
-- for none; a search finds one as LIKE '% marking-definition--a %'.
ALTER TABLE search_docs ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE search_docs ADD COLUMN markings TEXT NOT NULL DEFAULT '';

UPDATE search_docs SET
	created_by = coalesce((SELECT substr(x.value, 3) FROM object_values x
		WHERE x.seq = search_docs.seq AND x.value >= 'c:' AND x.value < 'c;' LIMIT 1), ''),
	markings = coalesce((SELECT ' ' || group_concat(substr(x.value, 3), ' ') || ' ' FROM object_values x
		WHERE x.seq = search_docs.seq AND x.value >= 'm:' AND x.value < 'm;'), '');

DELETE FROM object_values WHERE value >= 'c:' AND value < 'c;' OR value >= 'm:' AND value < 'm;';
