// Package search is the search of stored objects that both SQL stores
// share: what is indexed of an object (NewDoc: the words of its name,
// aliases, external ids, description and labels, and the values it names
// in its pattern, observables, references and text), the query language
// (Parse), the statements that answer a query (Find) and those that keep
// the indexes in step with the objects (Apply, Backfill).
//
// Each store has two indexes of the latest version of every object in a
// collection. The text index holds words: SQLite's FTS5 table
// search_text, PostgreSQL's tsvector column search_docs.doc with a GIN
// index. The value index, the table object_values(collection, value,
// seq) in both, holds keys such as "v:198.51.100.7" (an exact value) and
// "d:com.example.evil." (a domain, labels reversed so that its subdomains
// are one range of the index), ordered byte-wise; the author and the
// markings are columns of search_docs (created_by, markings), checked on
// each candidate. Words are cut by Words, here, for both stores, so that
// both find the same objects.
//
// A store calls Apply with the Change of every write (ChangeOfWrite,
// ChangeOfDelete), in the transaction of the write, so the indexes never
// disagree with the objects; DeleteCollection's statements run with a
// collection's deletion, and Backfill indexes, at open, what was stored
// before migration 0005 made the indexes.
package search
