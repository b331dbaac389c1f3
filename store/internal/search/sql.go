package search

import (
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart/store/internal/sqlgen"
)

// Dialect is what the search statements differ in between the stores:
// sqlgen's dialect, and the text index.
type Dialect struct {
	*sqlgen.Dialect
	// FTS5 says that the text index is SQLite's FTS5 table search_text
	// (rowid: the version's seq; columns name and body); otherwise it is
	// PostgreSQL's search_docs table, whose doc column is a tsvector with
	// the name's words at weight A and the body's at weight B.
	FTS5 bool
	// Lock ends a SELECT of a row that the transaction locks as a writer
	// of the collection does; "" where a write transaction excludes every
	// other writer already (SQLite).
	Lock string
}

// The dialects of the two stores.
var (
	SQLite     = &Dialect{Dialect: sqlgen.SQLite, FTS5: true}
	PostgreSQL = &Dialect{Dialect: sqlgen.PostgreSQL, Lock: " FOR NO KEY UPDATE"}
)

// DeleteCollection returns the statements that remove a collection's
// entries from the indexes, to run in the transaction that deletes it,
// before its objects: each takes the collection's pk as its one ?
// parameter.
func DeleteCollection(d *Dialect) []string {
	text := "DELETE FROM search_docs WHERE seq IN (SELECT seq FROM objects WHERE collection = ? AND latest)"
	if d.FTS5 {
		text = "DELETE FROM search_text WHERE rowid IN (SELECT seq FROM objects WHERE collection = ? AND latest = 1)"
	}
	return []string{
		text,
		"DELETE FROM object_values WHERE collection = ?",
		"DELETE FROM search_backfill WHERE collection = ?",
	}
}

// Ranks of hits (rampart.SearchHit.Rank): tierName when the name, aliases
// or external ids hold every word of the text, tierOther otherwise. A
// query without words has tierOther alone.
const (
	tierName  = 2
	tierOther = 1
	tierAll   = 0 // both: what is counted
)

// tiers returns the ranks a query's hits have, best first.
func (q *Query) tiers() []int {
	if len(q.Phrases) == 0 {
		return []int{tierOther}
	}
	return []int{tierName, tierOther}
}

// textQuery returns the text condition of a tier in the dialect's query
// language: an FTS5 expression, or tsquery text.
func (d *Dialect) textQuery(ps []Phrase, tier int) string {
	all := d.phrases(ps, false)
	switch tier {
	case tierName:
		if d.FTS5 {
			return "{name} : (" + all + ")"
		}
		return d.phrases(ps, true)
	case tierOther:
		if d.FTS5 {
			return "(" + all + ") NOT ({name} : (" + all + "))"
		}
		return "(" + all + ") & !(" + d.phrases(ps, true) + ")"
	}
	return all
}

// phrases writes the conjunction of ps; inName (PostgreSQL) keeps to the
// words of weight A. Words hold letters, digits and marks only (Words),
// so they need no escaping beyond their quotes.
func (d *Dialect) phrases(ps []Phrase, inName bool) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			if d.FTS5 {
				b.WriteString(" AND ")
			} else {
				b.WriteString(" & ")
			}
		}
		if d.FTS5 {
			b.WriteString(`"` + strings.Join(p.Words, " ") + `"`)
			if p.Prefix {
				b.WriteString("*")
			}
			continue
		}
		b.WriteString("(")
		for j, w := range p.Words {
			if j > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString("'" + w + "'")
			last := j == len(p.Words)-1
			switch {
			case last && p.Prefix && inName:
				b.WriteString(":*A")
			case last && p.Prefix:
				b.WriteString(":*")
			case inName:
				b.WriteString(":A")
			}
		}
		b.WriteString(")")
	}
	return b.String()
}

// driver is the condition a statement reads candidates from, in
// descending seq order where it can; the others are checked on each
// candidate.
type driver int

const (
	byValue  driver = iota // the first exact value (or author, or marking)
	byDomain               // the first domain: one range of the value index
	byID                   // the first STIX id: the object, and the values naming it
	byText                 // the text index
	byScan                 // the collection's latest versions
)

// plan is how a statement reads its candidates.
type plan struct {
	driver driver
	value  value // byValue (Key), byDomain, byID
}

func (q *Query) plan() plan {
	for _, v := range q.values {
		if !v.Domain && v.ID == "" {
			return plan{driver: byValue, value: v}
		}
	}
	for _, v := range q.values {
		if v.Domain {
			return plan{driver: byDomain, value: v}
		}
	}
	if len(q.values) > 0 {
		return plan{driver: byID, value: q.values[0]}
	}
	switch {
	case len(q.Phrases) > 0:
		return plan{driver: byText}
	case q.createdBy != "":
		return plan{driver: byValue, value: value{Key: q.createdBy}}
	case q.marking != "":
		return plan{driver: byValue, value: value{Key: q.marking}}
	}
	return plan{driver: byScan}
}

// hitColumns are the columns of a hit, which readHits scans.
func hitColumns(d *Dialect) string {
	return "o.collection, o.seq, o.date_added, " + d.Length + "(o.raw) AS size, o.raw"
}

// statement writes the statement that reads hits of one tier of q from
// the collections pks (in the order of their seq, newest first, limit of
// them, after afterSeq when it is positive), or, with count, the one that
// counts up to limit matches of every tier.
func statement(d *Dialect, q *Query, pks []int64, tier int, afterSeq int64, limit int, count bool) (string, []any) {
	b := sqlgen.NewBuilder(d.Dialect)
	p := q.plan()
	cols := hitColumns(d)
	if count {
		cols = "o.seq"
		b.WriteString("SELECT count(*) FROM (")
	}
	// Statements driven by the text index read it once for every
	// collection; the others read each collection's part of an index
	// apart (and each type's, for a scan), newest first, and merge them.
	type branch struct {
		pk  int64
		typ string
	}
	var branches []branch
	switch {
	case p.driver == byText:
		branches = []branch{{}}
	case p.driver == byScan && len(q.Types) > 0:
		for _, pk := range pks {
			for _, t := range q.Types {
				branches = append(branches, branch{pk, t})
			}
		}
	default:
		for _, pk := range pks {
			branches = append(branches, branch{pk: pk})
		}
	}
	for i, br := range branches {
		if len(branches) > 1 {
			if i > 0 {
				b.WriteString(" UNION ALL ")
			}
			b.WriteString(d.Branch)
		}
		order := d.from(b, q, p, pks, br.pk, br.typ, tier, cols)
		if afterSeq > 0 {
			b.WriteString(" AND " + order + " < ")
			b.Arg(afterSeq)
		}
		if !count {
			b.WriteString(" ORDER BY " + order + " DESC")
		}
		b.WriteString(" LIMIT ")
		b.Arg(limit)
		if len(branches) > 1 {
			b.WriteString(")")
		}
	}
	if count {
		b.WriteString(") AS matches")
	} else if len(branches) > 1 {
		b.WriteString(" ORDER BY seq DESC LIMIT ")
		b.Arg(limit)
	}
	return b.String(), b.Args()
}

// from writes the FROM and WHERE of one branch: the versions of the
// collection pk (of all pks when driven by the text index) and of type
// typ (any when "") that meet every condition of q in the tier. It
// returns the column the branch is ordered by.
func (d *Dialect) from(b *sqlgen.Builder, q *Query, p plan, pks []int64, pk int64, typ string, tier int, cols string) string {
	b.WriteString("SELECT " + cols + " FROM ")
	order := "o.seq"
	collection := func() {
		b.WriteString("o.collection = " + strconv.FormatInt(pk, 10))
	}
	switch p.driver {
	case byValue:
		// The index's range for one value in one collection is in seq
		// order: the newest are read first, and no more than needed.
		b.WriteString("object_values x CROSS JOIN objects o WHERE x.collection = " + strconv.FormatInt(pk, 10) + " AND x.value = ")
		b.Arg(p.value.Key)
		b.WriteString(" AND o.seq = x.seq")
		order = "x.seq"
	case byDomain:
		b.WriteString("objects o WHERE ")
		collection()
		b.WriteString(" AND o.seq IN (SELECT x.seq FROM object_values x WHERE x.collection = " + strconv.FormatInt(pk, 10) + " AND x.value >= ")
		b.Arg(p.value.Key)
		b.WriteString(" AND x.value < ")
		b.Arg(keyAfter(p.value.Key))
		b.WriteString(")")
	case byID:
		b.WriteString("objects o WHERE ")
		collection()
		b.WriteString(" AND o.seq IN (SELECT w.seq FROM objects w WHERE w.collection = " + strconv.FormatInt(pk, 10) + " AND w.id = ")
		b.Arg(p.value.ID)
		b.WriteString(" UNION SELECT x.seq FROM object_values x WHERE x.collection = " + strconv.FormatInt(pk, 10) + " AND x.value = ")
		b.Arg(p.value.Key)
		b.WriteString(")")
	case byText:
		if d.FTS5 {
			// FTS5 hands out its matches in rowid order: the newest are
			// read first, and no more than needed.
			b.WriteString("search_text CROSS JOIN objects o WHERE search_text MATCH ")
			b.Arg(d.textQuery(q.Phrases, tier))
			b.WriteString(" AND o.seq = search_text.rowid")
			order = "search_text.rowid"
		} else {
			b.WriteString("search_docs f JOIN objects o ON o.seq = f.seq WHERE f.doc @@ ")
			b.Arg(d.textQuery(q.Phrases, tier))
			b.WriteString("::tsquery")
			order = "f.seq"
		}
		b.WriteString(" AND o.collection IN (")
		for i, pk := range pks {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(pk, 10))
		}
		b.WriteString(")")
	case byScan:
		b.WriteString("objects o WHERE ")
		collection()
	}
	b.WriteString(" AND o.latest = ")
	b.Arg(true)
	if typ != "" {
		b.WriteString(" AND o.type = ")
		b.Arg(typ)
	} else if len(q.Types) > 0 {
		b.WriteString(" AND ")
		b.In("o.type", q.Types)
	}
	if q.since != "" || q.until != "" {
		b.WriteString(" AND o.version <> ''")
	}
	if q.since != "" {
		b.WriteString(" AND o.version >= ")
		b.Arg(q.since)
	}
	if q.until != "" {
		b.WriteString(" AND o.version < ")
		b.Arg(q.until)
	}
	if p.driver != byText && len(q.Phrases) > 0 {
		b.WriteString(" AND ")
		if d.FTS5 {
			b.WriteString("EXISTS (SELECT 1 FROM search_text WHERE search_text MATCH ")
			b.Arg(d.textQuery(q.Phrases, tier))
			b.WriteString(" AND search_text.rowid = o.seq)")
		} else {
			b.WriteString("EXISTS (SELECT 1 FROM search_docs f WHERE f.seq = o.seq AND f.doc @@ ")
			b.Arg(d.textQuery(q.Phrases, tier))
			b.WriteString("::tsquery)")
		}
	}
	driving := true // the driver's own value is not checked again
	for _, v := range q.values {
		if driving && p.driver != byText && p.driver != byScan && v.Key == p.value.Key {
			driving = false
			continue
		}
		b.WriteString(" AND ")
		switch {
		case v.Domain:
			b.WriteString("EXISTS (SELECT 1 FROM object_values x WHERE x.seq = o.seq AND x.collection = o.collection AND x.value >= ")
			b.Arg(v.Key)
			b.WriteString(" AND x.value < ")
			b.Arg(keyAfter(v.Key))
			b.WriteString(")")
		case v.ID != "":
			b.WriteString("(o.id = ")
			b.Arg(v.ID)
			b.WriteString(" OR ")
			exists(b, v.Key)
			b.WriteString(")")
		default:
			exists(b, v.Key)
		}
	}
	for _, k := range []string{q.createdBy, q.marking} {
		if k == "" {
			continue
		}
		if driving && p.driver == byValue && k == p.value.Key {
			driving = false
			continue
		}
		b.WriteString(" AND ")
		exists(b, k)
	}
	return order
}

// exists writes the condition that the version o has the index key k.
func exists(b *sqlgen.Builder, k string) {
	b.WriteString("EXISTS (SELECT 1 FROM object_values x WHERE x.seq = o.seq AND x.collection = o.collection AND x.value = ")
	b.Arg(k)
	b.WriteString(")")
}

// collectionsStatement returns the statement that reads the pk and id of
// each collection of ids.
func collectionsStatement(d *Dialect, ids []string) (string, []any) {
	b := sqlgen.NewBuilder(d.Dialect)
	b.WriteString("SELECT pk, id FROM collections WHERE ")
	b.In("id", ids)
	return b.String(), b.Args()
}
