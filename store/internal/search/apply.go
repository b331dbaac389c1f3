package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
)

// Conn is a write transaction of either store's driver, as Apply and
// Backfill use it.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) error
	// Query returns the rows of a statement and how to close them.
	Query(ctx context.Context, query string, args ...any) (sqlgen.Rows, func(), error)
	// ExecPrepared runs one of the statements of Prepared, which the
	// connection may keep prepared from one transaction to the next.
	ExecPrepared(ctx context.Context, query string, args ...any) error
}

// Apply writes c, a change of the indexes of the collection pk, in the
// write transaction tx that stores the versions it follows. Versions to
// Load that the back-fill has not reached yet are left to it.
func Apply(ctx context.Context, d *Dialect, tx Conn, pk int64, c Change) error {
	if len(c.Remove) > 0 {
		if err := remove(ctx, d, tx, c.Remove); err != nil {
			return fmt.Errorf("update search index: %w", err)
		}
	}
	add := c.Add
	if len(c.Load) > 0 {
		loaded, err := load(ctx, d, tx, pk, c.Load)
		if err != nil {
			return fmt.Errorf("update search index: %w", err)
		}
		add = append(slices.Clip(add), loaded...)
	}
	if len(add) == 0 {
		return nil
	}
	if err := insert(ctx, d, tx, pk, add); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	return nil
}

// seqList writes seqs as a list of integer literals: they come from the
// store, and one statement takes any number of them.
func seqList(seqs []int64) string {
	var b strings.Builder
	for i, s := range seqs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(s, 10))
	}
	return b.String()
}

func remove(ctx context.Context, d *Dialect, tx Conn, seqs []int64) error {
	list := seqList(seqs)
	if d.FTS5 {
		for _, table := range []string{"search_text", "search_names"} {
			if err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE rowid IN ("+list+")"); err != nil {
				return err
			}
		}
	}
	if err := tx.Exec(ctx, "DELETE FROM search_docs WHERE seq IN ("+list+")"); err != nil {
		return err
	}
	return tx.Exec(ctx, "DELETE FROM object_values WHERE seq IN ("+list+")")
}

// load reads the versions of seqs to index, but those the back-fill has
// yet to index.
func load(ctx context.Context, d *Dialect, tx Conn, pk int64, seqs []int64) ([]Entry, error) {
	var done, last int64
	rows, closeRows, err := tx.Query(ctx, "SELECT done, last FROM search_backfill WHERE collection = "+strconv.FormatInt(pk, 10))
	if err != nil {
		return nil, err
	}
	if rows.Next() {
		err = rows.Scan(&done, &last)
	}
	if err == nil {
		err = rows.Err()
	}
	closeRows()
	if err != nil {
		return nil, err
	}
	seqs = slices.DeleteFunc(slices.Clone(seqs), func(s int64) bool { return done < s && s <= last })
	if len(seqs) == 0 {
		return nil, nil
	}
	return readEntries(ctx, tx, "SELECT seq, raw FROM objects WHERE seq IN ("+seqList(seqs)+") ORDER BY seq")
}

// readEntries reads the entries of a statement that returns seq and raw;
// an entry whose raw is not a STIX object has a nil Object.
func readEntries(ctx context.Context, tx Conn, text string, args ...any) ([]Entry, error) {
	rows, closeRows, err := tx.Query(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer closeRows()
	var out []Entry
	for rows.Next() {
		var (
			seq int64
			raw []byte
		)
		if err := rows.Scan(&seq, &raw); err != nil {
			return nil, err
		}
		// A stored version that is not a STIX object any more (written
		// by hand, or by a bug) is not indexed; FindObjects reports it.
		o, _ := stix.ParseObject(raw)
		out = append(out, Entry{Seq: seq, Object: o})
	}
	return out, rows.Err()
}

// maxParams bounds the parameters of one multi-row INSERT in SQLite,
// whose limit is 32,766. Each statement that writes to an FTS5 table
// makes it write what it holds in memory to a new segment on disk (FTS5
// does so at every savepoint, and SQLite opens one for every statement
// in the committer's savepoints), so a write inserts into each table with
// as few statements as it can.
const maxParams = 32000

// insert indexes the entries, none of which the indexes hold, but those
// without an Object.
func insert(ctx context.Context, d *Dialect, tx Conn, pk int64, es []Entry) error {
	es = slices.DeleteFunc(slices.Clone(es), func(e Entry) bool { return e.Object == nil })
	if len(es) == 0 {
		return nil
	}
	docs := make([]*Doc, len(es))
	for i, e := range es {
		if docs[i] = e.Doc; docs[i] == nil {
			docs[i] = NewDoc(e.Object, d.Values)
		}
	}
	if !d.FTS5 {
		// PostgreSQL: one statement per table, with array parameters.
		n := len(es)
		seqs, types, vers, names, texts := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		authors, markings := make([]string, n), make([]string, n)
		var keySeqs []int64
		var keys []string
		for i, e := range es {
			seqs[i], types[i], vers[i] = e.Seq, e.Object.Type, e.Object.Version().Key()
			names[i], texts[i] = TSVector(docs[i].Name), TSVector(docs[i].Name, docs[i].Body)
			authors[i], markings[i] = docs[i].CreatedBy, docs[i].MarkingsColumn()
			for _, k := range docs[i].Keys {
				keySeqs, keys = append(keySeqs, e.Seq), append(keys, k)
			}
		}
		if err := tx.Exec(ctx, `INSERT INTO search_docs (seq, collection, type, version, name, doc, created_by, markings)
			SELECT s, $1, t, v, n::tsvector, d::tsvector, c, m FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(s, t, v, n, d, c, m)`,
			pk, seqs, types, vers, names, texts, authors, markings); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		return tx.Exec(ctx, `INSERT INTO object_values (collection, value, seq) SELECT $1, k, s FROM unnest($2::text[], $3::bigint[]) AS u(k, s)`, pk, keys, keySeqs)
	}
	// pk boxed once rather than in every row.
	pkArg := any(pk)
	if err := insertPrepared(ctx, tx, docsTable, docsColumns, func(row func(...any)) {
		for i, e := range es {
			row(e.Seq, pkArg, e.Object.Type, e.Object.Version().Key(), docs[i].CreatedBy, docs[i].MarkingsColumn())
		}
	}); err != nil {
		return err
	}
	// A version without words has no row in the text tables: an empty
	// row matches nothing and costs an FTS5 insert (most indicators of a
	// MISP import have no name).
	if err := insertRows(ctx, tx, "search_text (rowid, name, body)", 3, func(row func(...any)) {
		for i, e := range es {
			if len(docs[i].Name) > 0 || len(docs[i].Body) > 0 {
				row(e.Seq, strings.Join(docs[i].Name, " "), strings.Join(docs[i].Body, " "))
			}
		}
	}); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "search_names (rowid, name)", 2, func(row func(...any)) {
		for i, e := range es {
			if len(docs[i].Name) > 0 {
				row(e.Seq, strings.Join(docs[i].Name, " "))
			}
		}
	}); err != nil {
		return err
	}
	return insertPrepared(ctx, tx, valuesTable, valuesColumns, func(row func(...any)) {
		for i, e := range es {
			seq := any(e.Seq)
			for _, k := range docs[i].Keys {
				row(pkArg, k, seq)
			}
		}
	})
}

// The tables insertPrepared writes in SQLite, and their columns.
const (
	docsTable     = "search_docs (seq, collection, type, version, created_by, markings)"
	docsColumns   = 6
	valuesTable   = "object_values (collection, value, seq)"
	valuesColumns = 3
)

// maxPreparedRows is the most rows of one prepared INSERT: a write
// inserts its rows 256 at a time, and the rest in chunks of 128, 64, …,
// 1 rows, so that every statement is one of a few texts, prepared once
// per connection (Prepared), where statements of as many rows as a write
// has were each parsed anew (a twentieth of a MISP import's CPU).
const maxPreparedRows = 256

// Prepared returns the statements that SQLite's connection keeps
// prepared for Conn.ExecPrepared: the multi-row INSERTs of insertPrepared.
// The FTS5 tables are not among them: each statement that writes to one
// writes a segment of its own (see maxParams), so a write inserts into
// them with as few statements as it can.
func Prepared() []string {
	var out []string
	for _, t := range []struct {
		table string
		cols  int
	}{{docsTable, docsColumns}, {valuesTable, valuesColumns}} {
		for n := maxPreparedRows; n >= 1; n /= 2 {
			out = append(out, insertOrFailText(t.table, t.cols, n))
		}
	}
	return out
}

// insertText returns the INSERT of n rows of cols columns into table.
func insertText(table string, cols, n int) string {
	placeholders := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return "INSERT INTO " + table + " VALUES " + strings.Repeat(placeholders+", ", n-1) + placeholders
}

// insertOrFailText is insertText with OR FAIL, for the tables that are
// not FTS5's: the indexes hold none of the rows a write inserts (Apply
// removes the old ones first), so a conflict would be a bug that fails
// the whole write anyway (the store rolls its savepoint back); not having
// to undo a half-done statement spares SQLite its statement journal, a
// copy of every page a statement touches.
func insertOrFailText(table string, cols, n int) string {
	return "INSERT OR FAIL" + strings.TrimPrefix(insertText(table, cols, n), "INSERT")
}

// insertPrepared inserts the rows that rows makes, of cols columns each,
// into table ("name (columns)") with the statements of Prepared.
func insertPrepared(ctx context.Context, tx Conn, table string, cols int, rows func(row func(...any))) error {
	var args []any
	rows(func(vs ...any) { args = append(args, vs...) })
	for n := maxPreparedRows; len(args) > 0; n /= 2 {
		for len(args) >= n*cols {
			if err := tx.ExecPrepared(ctx, insertOrFailText(table, cols, n), args[:n*cols]...); err != nil {
				return err
			}
			args = args[n*cols:]
		}
	}
	return nil
}

// insertRows inserts the rows that rows makes, of cols columns each, into
// table ("name (columns)"), in as few multi-row INSERT statements as
// maxParams allows.
func insertRows(ctx context.Context, tx Conn, table string, cols int, rows func(row func(...any))) error {
	var (
		args []any
		err  error
	)
	flush := func() {
		if len(args) == 0 || err != nil {
			return
		}
		err = tx.Exec(ctx, insertText(table, cols, len(args)/cols), args...)
		args = args[:0]
	}
	rows(func(vs ...any) {
		if len(args)+cols > maxParams {
			flush()
		}
		args = append(args, vs...)
	})
	flush()
	return err
}

// TSVector returns the text of PostgreSQL's tsvector of the words, in
// order, each with its positions (at most 256 a word, as PostgreSQL
// keeps).
func TSVector(lists ...[]string) string {
	type entry struct {
		word string
		pos  []int32
	}
	n := 0
	for _, words := range lists {
		n += len(words)
	}
	entries := make([]entry, 0, n)
	index := make(map[string]int, n)
	pos := int32(0)
	size := 0
	for _, words := range lists {
		for _, w := range words {
			pos++
			i, ok := index[w]
			if !ok {
				i = len(entries)
				index[w] = i
				entries = append(entries, entry{word: w})
				size += len(w) + 4
			}
			if e := &entries[i]; len(e.pos) < 256 {
				e.pos = append(e.pos, pos)
				size += 6
			}
		}
	}
	b := make([]byte, 0, size)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, '\'')
		for j := 0; j < len(e.word); j++ {
			if c := e.word[j]; c == '\'' || c == '\\' {
				b = append(b, c)
			}
			b = append(b, e.word[j])
		}
		b = append(b, '\'', ':')
		for j, p := range e.pos {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(p), 10)
		}
	}
	return string(b)
}
