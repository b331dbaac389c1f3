package sqlgen

import (
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// Rows is what the rows of both drivers (*sql.Rows, pgx.Rows) have in
// common. Closing them is left to the caller, whose driver knows how.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Snapshot is a read-only transaction of either driver, as FindPage
// reads through it.
type Snapshot interface {
	// Row scans the one row of query into dest, and reports false when
	// there is none.
	Row(query string, dest []any, args ...any) (bool, error)
	// Query runs query; done closes its rows.
	Query(query string, args ...any) (rows Rows, done func(), err error)
}

// FindPage reads one page for q in snap, whose two queries then see one
// state of the collection: its pk and whether it holds mixed versions,
// then the page FindQuery selects, which ReadPage reads.
func FindPage[T any, B ~[]byte](d *Dialect, snap Snapshot, q *versions.Query, added func(T) time.Time) (*rampart.ObjectPage, error) {
	b := NewBuilder(d)
	b.Arg(q.CollectionID)
	var pk, mixed int64
	found, err := snap.Row(`SELECT pk, mixed FROM collections WHERE id = `+b.String(), []any{&pk, &mixed}, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	} else if !found {
		return nil, versions.CollectionNotFound(q.CollectionID)
	}
	q.Simplify(mixed > 0)
	query, args := FindQuery(d, q, pk)
	rows, done, err := snap.Query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	defer done()
	return ReadPage[T, B](q, rows, added)
}

// FindQuery returns the one statement that reads a page for q from the
// collection pk. Each branch of it reads one ordered index range (one
// value of latest, one type) with its own LIMIT, and the branches are
// merged, so no query sorts more than Limit+1 rows per branch however
// large the collection. A listing by ids reads the few versions of those
// ids instead. ReadPage reads its rows.
func FindQuery(d *Dialect, q *versions.Query, pk int64) (string, []any) {
	b := NewBuilder(d)
	if len(q.IDs) > 0 {
		branch(b, q, pk, q.Types, -1)
		return b.String(), b.args
	}
	types := [][]string{nil}
	if len(q.Types) > 0 {
		types = types[:0]
		for _, t := range q.Types {
			types = append(types, []string{t})
		}
	}
	latest := []int{0, 1}
	if onlyLatest(q) {
		latest = []int{1}
	}
	if len(types)*len(latest) == 1 {
		branch(b, q, pk, types[0], latest[0])
		return b.String(), b.args
	}
	n := 0
	for _, t := range types {
		for _, l := range latest {
			if n > 0 {
				b.WriteString(" UNION ALL ")
			}
			n++
			b.WriteString(d.Branch)
			branch(b, q, pk, t, l)
			b.WriteString(")")
		}
	}
	b.WriteString(" ORDER BY seq LIMIT ")
	b.Arg(q.Limit + 1)
	return b.String(), b.args
}

// onlyLatest reports whether q selects only versions marked latest.
func onlyLatest(q *versions.Query) bool {
	return q.Default() && q.Last && !q.First && !q.All && len(q.Timestamps) == 0
}

// branch writes one SELECT of the versions of q with the given types (at
// most one unless ids are given) and latest mark (-1: either).
func branch(b *Builder, q *versions.Query, pk int64, types []string, latest int) {
	b.WriteString("SELECT v.seq, v.id, v.type, v.spec_version, v.spec_set, v.created, v.modified, v.date_added, ")
	b.WriteString(b.d.Length + "(v.raw) AS size, ")
	if q.MetadataOnly {
		b.WriteString(b.d.NullRaw)
	} else {
		b.WriteString("v.raw")
	}
	b.WriteString(" FROM objects v WHERE v.collection = ")
	b.Arg(pk)
	switch len(types) {
	case 0:
	case 1:
		b.WriteString(" AND v.type = ")
		b.Arg(types[0])
	default:
		b.WriteString(" AND ")
		b.In("v.type", types)
	}
	if latest >= 0 {
		b.WriteString(" AND v.latest = ")
		b.Arg(latest == 1)
	}
	// One lower bound for the seq range, so the index range starts there:
	// with two (a cursor and added_after) the planner would start at one
	// and filter the rest row by row, reading half a large collection.
	b.WriteString(" AND v.seq > ")
	if q.HasAddedAfter {
		// date_added grows with seq within a collection, so the versions
		// added after a time are those after one seq, found with one probe
		// of objects_added; the date_added test keeps this exact anyway.
		after := b.d.Time(q.AddedAfter)
		b.WriteString(b.d.Greatest + "(")
		b.Arg(q.AfterSeq)
		b.WriteString(", coalesce((SELECT w.seq FROM objects w WHERE w.collection = ")
		b.Arg(pk)
		b.WriteString(" AND w.date_added <= ")
		b.Arg(after)
		b.WriteString(" ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > ")
		b.Arg(after)
	} else {
		b.Arg(q.AfterSeq)
	}
	if q.ThroughSeq > 0 {
		// The same index range, ended: the versions after it are not
		// read, not even the one that would tell of more.
		b.WriteString(" AND v.seq <= ")
		b.Arg(q.ThroughSeq)
	}
	if len(q.IDs) > 0 {
		b.WriteString(" AND ")
		b.In("v.id", q.IDs)
	}
	if latest != 1 || !onlyLatest(q) {
		b.WriteString(" AND (")
		selection(b, q)
		b.WriteString(")")
	}
	if len(q.OnlySpecs) > 0 {
		b.WriteString(" AND ")
		b.In("v.spec_version", q.OnlySpecs)
	}
	b.WriteString(" ORDER BY v.seq LIMIT ")
	b.Arg(q.Limit + 1)
}

// selection writes the match[version] and match[spec_version] condition on
// the version v.
func selection(b *Builder, q *versions.Query) {
	if q.Default() {
		if q.All {
			b.WriteString("v.top")
			return
		}
		var or []func()
		if q.Last {
			or = append(or, func() { b.WriteString("v.latest") })
		}
		if q.First {
			or = append(or, func() { b.WriteString("v.earliest") })
		}
		if len(q.Timestamps) > 0 {
			or = append(or, func() { b.WriteString("v.top AND "); b.In("v.version", q.Timestamps) })
		}
		join(b, or)
		return
	}
	b.In("v.spec_version", q.Specs)
	if q.All {
		return
	}
	b.WriteString(" AND (")
	var or []func()
	// first/last across the listed spec versions: no later (earlier)
	// version of the object among them.
	extreme := func(op string) func() {
		return func() {
			b.WriteString("NOT EXISTS (SELECT 1 FROM objects w WHERE w.collection = v.collection AND w.id = v.id AND w.version " + op + " v.version AND ")
			b.In("w.spec_version", q.Specs)
			b.WriteString(")")
		}
	}
	if q.Last {
		or = append(or, extreme(">"))
	}
	if q.First {
		or = append(or, extreme("<"))
	}
	if len(q.Timestamps) > 0 {
		or = append(or, func() { b.In("v.version", q.Timestamps) })
	}
	join(b, or)
	b.WriteString(")")
}

func join(b *Builder, or []func()) {
	for i, f := range or {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(")
		f()
		b.WriteString(")")
	}
}

// ReadPage reads the rows of a FindQuery statement for q into a page of
// at most q.Limit versions, More set when there were more. T is the type
// the store's driver scans the date_added column into, and added turns it
// into the version's DateAdded. B is the type the driver scans the raw
// column into without a copy of its own (sql.RawBytes, pgx's
// DriverBytes): the bytes are valid until the next row, and
// stix.ParseObject's copy is the only one the page keeps. The row that
// tells of more versions is not scanned. Errors are "find objects: …".
func ReadPage[T any, B ~[]byte](q *versions.Query, rows Rows, added func(T) time.Time) (*rampart.ObjectPage, error) {
	page := &rampart.ObjectPage{Versions: make([]*rampart.ObjectVersion, 0, min(q.Limit, 1024))}
	// One set of destinations for every row: what is scanned into them is
	// copied out (strings, and raw by stix.ParseObject).
	var (
		seq, size                        int64
		id, typ, spec, created, modified string
		specSet                          bool
		dateAdded                        T
		raw                              B
	)
	dest := []any{&seq, &id, &typ, &spec, &specSet, &created, &modified, &dateAdded, &size, &raw}
	for rows.Next() {
		if len(page.Versions) == q.Limit {
			page.More = true
			break
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("find objects: %w", err)
		}
		v := &rampart.ObjectVersion{Seq: seq, DateAdded: added(dateAdded), Size: size}
		var err error
		if q.MetadataOnly {
			v.Object, err = versions.MetadataObject(typ, id, spec, specSet, created, modified)
		} else {
			v.Object, err = stix.ParseObject([]byte(raw))
		}
		if err != nil {
			return nil, fmt.Errorf("find objects: stored version %d: %w", v.Seq, err)
		}
		page.Versions = append(page.Versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	return page, nil
}

// StoredVersions returns the statement that reads the stored versions of
// ids in the collection pk; ReadVersions reads its rows.
func StoredVersions(d *Dialect, pk int64, ids []string) (string, []any) {
	b := NewBuilder(d)
	b.WriteString("SELECT " + VersionColumns + " FROM objects WHERE collection = ")
	b.Arg(pk)
	b.WriteString(" AND ")
	b.In("id", ids)
	return b.String(), b.args
}

// VersionColumns are the columns of objects that StoredVersions reads and
// ReadVersions scans, in order; an INSERT … RETURNING them can be read by
// ReadVersions too.
const VersionColumns = "seq, id, version, spec_version, date_added, top, latest, earliest"

// ReadVersions appends the rows of a StoredVersions statement to out. T is
// the type the store's driver scans date_added into, and added turns it
// into microseconds.
func ReadVersions[T any](rows Rows, added func(T) int64, out []versions.Row) ([]versions.Row, error) {
	var (
		r         versions.Row
		dateAdded T
	)
	dest := []any{&r.Seq, &r.ID, &r.Key, &r.Spec, &dateAdded, &r.Top, &r.Latest, &r.Earliest}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.DateAdded = added(dateAdded)
		out = append(out, r)
	}
	return out, rows.Err()
}
