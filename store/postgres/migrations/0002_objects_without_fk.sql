-- objects loses its foreign key to collections: checking it for every
-- inserted row cost more than the rest of the insert (COPY of 1,000
-- versions: 25 ms with it, under 5 ms without). The stores check the
-- collection under its row lock before writing, and DeleteCollection
-- deletes the collection's objects itself. Kept in step with SQLite's 0002.

ALTER TABLE objects DROP CONSTRAINT IF EXISTS objects_collection_fkey;
