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
	// FTS5 says that the text indexes are SQLite's FTS5 tables
	// search_text (columns name and body) and search_names (name), whose
	// rowid is the version's seq; otherwise they are the tsvector columns
	// doc (every word) and name of PostgreSQL's search_docs table.
	FTS5 bool
	// Lock ends a SELECT of a row that the transaction locks as a writer
	// of the collection does; "" where a write transaction excludes every
	// other writer already (SQLite).
	Lock string
	// Timeout, when set, is the statement (with a %d for milliseconds)
	// that bounds the time of the next ones in a transaction; without it,
	// a statement's context bounds it.
	Timeout string
	// Values reads the values a STIX pattern names for the index (With).
	Values PatternValues
}

// With returns a copy of d whose indexes hold the values patterns name,
// as values reads them.
func (d *Dialect) With(values PatternValues) *Dialect {
	c := *d
	c.Values = values
	return &c
}

// The dialects of the two stores.
var (
	SQLite     = &Dialect{Dialect: sqlgen.SQLite, FTS5: true}
	PostgreSQL = &Dialect{Dialect: sqlgen.PostgreSQL, Lock: " FOR NO KEY UPDATE", Timeout: "SET LOCAL statement_timeout = %d"}
)

// DeleteCollection returns the statements that remove a collection's
// entries from the indexes, to run in the transaction that deletes it:
// each takes the collection's pk as its one ? parameter.
func DeleteCollection(d *Dialect) []string {
	var out []string
	if d.FTS5 {
		out = append(out,
			"DELETE FROM search_text WHERE rowid IN (SELECT seq FROM search_docs WHERE collection = ?)",
			"DELETE FROM search_names WHERE rowid IN (SELECT seq FROM search_docs WHERE collection = ?)")
	}
	return append(out,
		"DELETE FROM search_docs WHERE collection = ?",
		"DELETE FROM object_values WHERE collection = ?",
		"DELETE FROM search_backfill WHERE collection = ?")
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
// language: the FTS5 expression, or the tsquery text, that textIndex's
// index must match.
func (d *Dialect) textQuery(ps []Phrase, tier int) string {
	q := d.phrases(ps)
	if tier == tierOther && d.FTS5 {
		return "(" + q + ") NOT ({name} : (" + q + "))"
	}
	return q
}

// textIndex returns the text index a tier reads: in SQLite the FTS5
// table, in PostgreSQL the tsvector column of search_docs d. A name's
// words have an index of their own (search_names, search_docs.name),
// whose lists are a fraction of the whole text's: finding the hits whose
// name holds every word does not read those of every match.
func (d *Dialect) textIndex(tier int) string {
	switch {
	case tier == tierName && d.FTS5:
		return "search_names"
	case d.FTS5:
		return "search_text"
	case tier == tierName:
		return "d.name"
	}
	return "d.doc"
}

// textCondition writes the text condition of a tier on search_docs d in
// PostgreSQL.
func (d *Dialect) textCondition(b *sqlgen.Builder, ps []Phrase, tier int) {
	q := d.textQuery(ps, tier)
	b.WriteString(d.textIndex(tier) + " @@ ")
	b.Arg(q)
	b.WriteString("::tsquery")
	if tier == tierOther {
		b.WriteString(" AND NOT d.name @@ ")
		b.Arg(q)
		b.WriteString("::tsquery")
	}
}

// phrases writes the conjunction of ps. Words hold letters, digits and
// marks only (Words), so they need no escaping beyond their quotes.
func (d *Dialect) phrases(ps []Phrase) string {
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
			if j == len(p.Words)-1 && p.Prefix {
				b.WriteString(":*")
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
	byValue  driver = iota // the first exact value
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
	if len(q.Phrases) > 0 {
		return plan{driver: byText}
	}
	// The author and the markings are columns of search_docs, with no
	// index of their own: a search by them alone reads the collection
	// newest first, and stops after a page.
	return plan{driver: byScan}
}

// statement writes the statement that reads hits of one tier of q from
// the collections pks (in the order of their seq, newest first, limit of
// them, after afterSeq when it is positive), or, with count, the one that
// counts up to limit matches of every tier.
//
// Candidates are found and checked in the indexes alone: search_docs, one
// narrow row per indexed version (collection, type, version), the text
// index and the value index, which stay in memory where the objects
// table does not; the objects table is read for the hits of the page
// only.
func statement(d *Dialect, q *Query, pks []int64, tier int, afterSeq int64, limit int, count bool) (string, []any) {
	b := sqlgen.NewBuilder(d.Dialect)
	p := q.plan()
	if count {
		b.WriteString("SELECT count(*) FROM (")
	} else {
		b.WriteString("SELECT o.collection, o.seq, o.date_added, " + d.Length + "(o.raw) AS size, o.raw FROM (")
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
		order := d.from(b, q, p, pks, br.pk, br.typ, tier)
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
		return b.String(), b.Args()
	}
	if len(branches) > 1 {
		b.WriteString(" ORDER BY seq DESC LIMIT ")
		b.Arg(limit)
	}
	b.WriteString(") AS h CROSS JOIN objects o WHERE o.seq = h.seq ORDER BY o.seq DESC")
	return b.String(), b.Args()
}

// from writes one branch: the seqs of the indexed versions of the
// collection pk (of all pks when driven by the text index) and of type
// typ (any when "") that meet every condition of q in the tier. It
// returns the column the branch is ordered by.
func (d *Dialect) from(b *sqlgen.Builder, q *Query, p plan, pks []int64, pk int64, typ string, tier int) string {
	b.WriteString("SELECT d.seq AS seq FROM ")
	order := "d.seq"
	c := strconv.FormatInt(pk, 10)
	switch p.driver {
	case byValue:
		// The index's range for one value in one collection is in seq
		// order: the newest are read first, and no more than needed.
		b.WriteString("object_values x CROSS JOIN search_docs d WHERE x.collection = " + c + " AND x.value = ")
		b.Arg(p.value.Key)
		b.WriteString(" AND d.seq = x.seq")
		order = "x.seq"
	case byDomain:
		b.WriteString("search_docs d WHERE d.collection = " + c + " AND d.seq IN (SELECT x.seq FROM object_values x WHERE x.collection = " + c + " AND x.value >= ")
		b.Arg(p.value.Key)
		b.WriteString(" AND x.value < ")
		b.Arg(keyAfter(p.value.Key))
		b.WriteString(")")
	case byID:
		// Every version of the object, of which the indexes hold the
		// latest, and the versions that name it.
		b.WriteString("search_docs d WHERE d.collection = " + c + " AND d.seq IN (SELECT w.seq FROM objects w WHERE w.collection = " + c + " AND w.id = ")
		b.Arg(p.value.ID)
		b.WriteString(" UNION SELECT x.seq FROM object_values x WHERE x.collection = " + c + " AND x.value = ")
		b.Arg(p.value.Key)
		b.WriteString(")")
	case byText:
		if d.FTS5 {
			// FTS5 hands out its matches in rowid order: the newest are
			// read first, and no more than needed.
			t := d.textIndex(tier)
			b.WriteString(t + " CROSS JOIN search_docs d WHERE " + t + " MATCH ")
			b.Arg(d.textQuery(q.Phrases, tier))
			b.WriteString(" AND d.seq = " + t + ".rowid")
			order = t + ".rowid"
		} else {
			b.WriteString("search_docs d WHERE ")
			d.textCondition(b, q.Phrases, tier)
		}
		b.WriteString(" AND d.collection IN (")
		for i, pk := range pks {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(pk, 10))
		}
		b.WriteString(")")
	case byScan:
		b.WriteString("search_docs d WHERE d.collection = " + c)
	}
	if typ != "" {
		b.WriteString(" AND d.type = ")
		b.Arg(typ)
	} else if len(q.Types) > 0 {
		b.WriteString(" AND ")
		b.In("d.type", q.Types)
	}
	if q.since != "" || q.until != "" {
		b.WriteString(" AND d.version <> ''")
	}
	if q.since != "" {
		b.WriteString(" AND d.version >= ")
		b.Arg(q.since)
	}
	if q.until != "" {
		b.WriteString(" AND d.version < ")
		b.Arg(q.until)
	}
	if p.driver != byText && len(q.Phrases) > 0 {
		b.WriteString(" AND ")
		if d.FTS5 {
			t := d.textIndex(tier)
			b.WriteString("EXISTS (SELECT 1 FROM " + t + " WHERE " + t + " MATCH ")
			b.Arg(d.textQuery(q.Phrases, tier))
			b.WriteString(" AND " + t + ".rowid = d.seq)")
		} else {
			d.textCondition(b, q.Phrases, tier)
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
			b.WriteString("EXISTS (SELECT 1 FROM object_values x WHERE x.seq = d.seq AND x.collection = d.collection AND x.value >= ")
			b.Arg(v.Key)
			b.WriteString(" AND x.value < ")
			b.Arg(keyAfter(v.Key))
			b.WriteString(")")
		case v.ID != "":
			b.WriteString("(EXISTS (SELECT 1 FROM objects w WHERE w.seq = d.seq AND w.id = ")
			b.Arg(v.ID)
			b.WriteString(") OR ")
			exists(b, v.Key)
			b.WriteString(")")
		default:
			exists(b, v.Key)
		}
	}
	if q.createdBy != "" {
		b.WriteString(" AND d.created_by = ")
		b.Arg(q.createdBy)
	}
	if q.marking != "" {
		b.WriteString(" AND d.markings LIKE ")
		b.Arg(markingTerm(q.marking))
	}
	return order
}

// markingTerm returns the LIKE pattern that finds the marking id (lower
// case, a checked STIX id: no "%" nor "_" in it) in search_docs.markings
// (Doc.MarkingsColumn).
func markingTerm(id string) string {
	return "% " + id + " %"
}

// exists writes the condition that the indexed version d has the key k.
func exists(b *sqlgen.Builder, k string) {
	b.WriteString("EXISTS (SELECT 1 FROM object_values x WHERE x.seq = d.seq AND x.collection = d.collection AND x.value = ")
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
