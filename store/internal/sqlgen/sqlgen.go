// Package sqlgen writes the SQL statements of the object services that
// the SQLite and PostgreSQL stores share, in either store's dialect, and
// reads the rows those statements return. The listing statement
// (FindQuery) and the read of an object's stored versions
// (StoredVersions) are the same logic in both stores; only their
// placeholders, list parameters and a few function names differ, and
// those are what a Dialect describes. Migrate is the migration runner of
// both.
//
// It runs no statement itself: each store runs them with its own driver
// (database/sql for SQLite, pgx for PostgreSQL) and hands the rows back
// to ReadPage or ReadVersions, which take the rows of either driver.
// Statements that differ between the stores by more than a Dialect stay
// in the store that runs them; the other services run on database/sql in
// both stores and are implemented once, in package sqlstore.
package sqlgen

import (
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart/store/internal/versions"
)

// Dialect is what the statements written here differ in between the
// stores: SQLite or PostgreSQL.
type Dialect struct {
	// Numbered writes placeholders as $1, $2, … (PostgreSQL) instead of ?
	// (SQLite).
	Numbered bool
	// Arrays passes a list of values as one array parameter,
	// "column = ANY($n)", instead of an IN list with a placeholder a value.
	Arrays bool
	// NullRaw is the raw column of a metadata-only listing: a NULL that
	// every branch of a UNION ALL agrees on the type of.
	NullRaw string
	// Length names the function that returns the length in bytes of a
	// stored raw column without reading it: SQLite's length() of a BLOB
	// reads the record header only (never the overflow pages that hold
	// a large value), PostgreSQL's octet_length() of a bytea the header
	// of its TOAST pointer.
	Length string
	// Greatest names the function that returns the larger of its
	// arguments ("max" in SQLite, "greatest" in PostgreSQL).
	Greatest string
	// Branch opens one branch of a UNION ALL, closed by ")": SQLite takes
	// a branch with its own ORDER BY and LIMIT only as a subquery.
	Branch string
	// Time returns the parameter for a time given in microseconds since
	// the Unix epoch, as the store's date_added column holds it.
	Time func(us int64) any
}

// The dialects of the two stores.
var (
	// SQLite: ? placeholders, IN lists, times as INTEGER microseconds.
	SQLite = &Dialect{
		NullRaw:  "NULL",
		Length:   "length",
		Greatest: "max",
		Branch:   "SELECT * FROM (",
		Time:     func(us int64) any { return us },
	}
	// PostgreSQL: numbered placeholders, lists as arrays, times as
	// timestamptz.
	PostgreSQL = &Dialect{
		Numbered: true,
		Arrays:   true,
		NullRaw:  "NULL::bytea AS raw",
		Length:   "octet_length",
		Greatest: "greatest",
		Branch:   "(",
		Time:     func(us int64) any { return versions.Time(us) },
	}
)

// Builder accumulates SQL text and its arguments in step.
type Builder struct {
	strings.Builder
	d    *Dialect
	args []any
}

// NewBuilder returns an empty Builder for d.
func NewBuilder(d *Dialect) *Builder {
	return &Builder{d: d}
}

// Args returns the arguments of the placeholders written so far, in order.
func (b *Builder) Args() []any { return b.args }

// Arg writes a placeholder for v.
func (b *Builder) Arg(v any) {
	b.args = append(b.args, v)
	if b.d.Numbered {
		b.WriteString("$" + strconv.Itoa(len(b.args)))
	} else {
		b.WriteString("?")
	}
}

// In writes the condition that column is one of vs.
func (b *Builder) In(column string, vs []string) {
	b.WriteString(column)
	if b.d.Arrays {
		b.WriteString(" = ANY(")
		b.Arg(vs)
		b.WriteString(")")
		return
	}
	b.WriteString(" IN (")
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Arg(v)
	}
	b.WriteString(")")
}
