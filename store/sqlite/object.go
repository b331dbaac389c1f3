package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// ObjectService stores object versions in collections. It is safe for
// concurrent use; writes are serialised by the DB's single writer.
type ObjectService struct {
	db *DB
}

var _ rampart.ObjectService = (*ObjectService)(nil)

// NewObjectService returns an ObjectService on db.
func NewObjectService(db *DB) *ObjectService {
	return &ObjectService{db: db}
}

// FindObjects returns one page of the versions that match filter, in Seq
// order, with two SQL queries whatever the page size. With filter.MetadataOnly the objects
// carry only Type, ID, SpecVersion, SpecVersionSet, Created and Modified,
// and no Raw.
func (s *ObjectService) FindObjects(ctx context.Context, filter rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	q, err := versions.ParseFilter(filter)
	if err != nil {
		return nil, err
	}
	// Two queries in one read transaction, so both see one snapshot: the
	// collection's state, then the page.
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	defer tx.Rollback()
	var pk, mixed int64
	err = tx.QueryRowContext(ctx, `SELECT pk, mixed FROM collections WHERE id = ?`, q.CollectionID).Scan(&pk, &mixed)
	if err == sql.ErrNoRows {
		return nil, collectionNotFound(q.CollectionID)
	} else if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	q.Simplify(mixed > 0)
	query, args := findQuery(q, pk)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	defer rows.Close()
	page := &rampart.ObjectPage{Versions: make([]*rampart.ObjectVersion, 0, min(q.Limit+1, 1024))}
	for rows.Next() {
		var (
			v                                rampart.ObjectVersion
			id, typ, spec, created, modified string
			specSet                          bool
			dateAdded                        int64
			raw                              []byte
		)
		if err := rows.Scan(&v.Seq, &id, &typ, &spec, &specSet, &created, &modified, &dateAdded, &raw); err != nil {
			return nil, fmt.Errorf("find objects: %w", err)
		}
		if q.MetadataOnly {
			v.Object, err = versions.MetadataObject(typ, id, spec, specSet, created, modified)
		} else {
			v.Object, err = stix.ParseObject(raw)
		}
		if err != nil {
			return nil, fmt.Errorf("find objects: stored version %d: %w", v.Seq, err)
		}
		v.DateAdded = versions.Time(dateAdded)
		page.Versions = append(page.Versions, &v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	if len(page.Versions) > q.Limit {
		page.Versions, page.More = page.Versions[:q.Limit], true
	}
	return page, nil
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *ObjectService) collectionPK(ctx context.Context, db queryer, id string) (int64, error) {
	var pk int64
	err := db.QueryRowContext(ctx, `SELECT pk FROM collections WHERE id = ?`, id).Scan(&pk)
	if err == sql.ErrNoRows {
		return 0, collectionNotFound(id)
	}
	return pk, err
}

// builder accumulates SQL text and its positional arguments in step.
type builder struct {
	strings.Builder
	args []any
}

func (b *builder) arg(v any) {
	b.args = append(b.args, v)
	b.WriteString("?")
}

func (b *builder) list(vs []string) {
	b.WriteString("(")
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.arg(v)
	}
	b.WriteString(")")
}

// findQuery returns the one statement that reads a page for q. Each
// branch of it reads one ordered index range (one value of latest, one
// type) with its own LIMIT, and the branches are merged, so no query
// sorts more than Limit+1 rows per branch however large the collection.
// A listing by ids reads the few versions of those ids instead.
func findQuery(q *versions.Query, pk int64) (string, []any) {
	var b builder
	if len(q.IDs) > 0 {
		branch(&b, q, pk, q.Types, -1)
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
		branch(&b, q, pk, types[0], latest[0])
		return b.String(), b.args
	}
	n := 0
	for _, t := range types {
		for _, l := range latest {
			if n > 0 {
				b.WriteString(" UNION ALL ")
			}
			n++
			b.WriteString("SELECT * FROM (")
			branch(&b, q, pk, t, l)
			b.WriteString(")")
		}
	}
	b.WriteString(" ORDER BY seq LIMIT ")
	b.arg(q.Limit + 1)
	return b.String(), b.args
}

// onlyLatest reports whether q selects only versions marked latest.
func onlyLatest(q *versions.Query) bool {
	return q.Default() && q.Last && !q.First && !q.All && len(q.Timestamps) == 0
}

// branch writes one SELECT of the versions of q with the given types (at
// most one unless ids are given) and latest mark (-1: either).
func branch(b *builder, q *versions.Query, pk int64, types []string, latest int) {
	b.WriteString("SELECT v.seq, v.id, v.type, v.spec_version, v.spec_set, v.created, v.modified, v.date_added, ")
	if q.MetadataOnly {
		b.WriteString("NULL")
	} else {
		b.WriteString("v.raw")
	}
	b.WriteString(" FROM objects v WHERE v.collection = ")
	b.arg(pk)
	switch len(types) {
	case 0:
	case 1:
		b.WriteString(" AND v.type = ")
		b.arg(types[0])
	default:
		b.WriteString(" AND v.type IN ")
		b.list(types)
	}
	if latest >= 0 {
		b.WriteString(" AND v.latest = ")
		b.arg(latest)
	}
	// One lower bound for the seq range, so the index range starts there:
	// with two (a cursor and added_after) the planner would start at one
	// and filter the rest row by row, reading half a large collection.
	b.WriteString(" AND v.seq > ")
	if q.HasAddedAfter {
		// date_added grows with seq within a collection, so the versions
		// added after a time are those after one seq, found with one probe
		// of objects_added; the date_added test keeps this exact anyway.
		b.WriteString("max(")
		b.arg(q.AfterSeq)
		b.WriteString(", coalesce((SELECT w.seq FROM objects w WHERE w.collection = ")
		b.arg(pk)
		b.WriteString(" AND w.date_added <= ")
		b.arg(q.AddedAfter)
		b.WriteString(" ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > ")
		b.arg(q.AddedAfter)
	} else {
		b.arg(q.AfterSeq)
	}
	if len(q.IDs) > 0 {
		b.WriteString(" AND v.id IN ")
		b.list(q.IDs)
	}
	if latest != 1 || !onlyLatest(q) {
		b.WriteString(" AND (")
		selection(b, q)
		b.WriteString(")")
	}
	if len(q.OnlySpecs) > 0 {
		b.WriteString(" AND v.spec_version IN ")
		b.list(q.OnlySpecs)
	}
	b.WriteString(" ORDER BY v.seq LIMIT ")
	b.arg(q.Limit + 1)
}

// selection writes the match[version] and match[spec_version] condition on
// the version v.
func selection(b *builder, q *versions.Query) {
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
			or = append(or, func() { b.WriteString("v.top AND v.version IN "); b.list(q.Timestamps) })
		}
		join(b, or)
		return
	}
	b.WriteString("v.spec_version IN ")
	b.list(q.Specs)
	if q.All {
		return
	}
	b.WriteString(" AND (")
	var or []func()
	// first/last across the listed spec versions: no later (earlier)
	// version of the object among them.
	extreme := func(op string) func() {
		return func() {
			b.WriteString("NOT EXISTS (SELECT 1 FROM objects w WHERE w.collection = v.collection AND w.id = v.id AND w.version " + op + " v.version AND w.spec_version IN ")
			b.list(q.Specs)
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
		or = append(or, func() { b.WriteString("v.version IN "); b.list(q.Timestamps) })
	}
	join(b, or)
	b.WriteString(")")
}

func join(b *builder, or []func()) {
	for i, f := range or {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(")
		f()
		b.WriteString(")")
	}
}

// CreateObjects stores objs in the collection in one transaction. See
// rampart.ObjectService. It returns ENOTFOUND for a missing collection and
// EINVALID, naming the object, when one cannot be stored (then nothing is).
func (s *ObjectService) CreateObjects(ctx context.Context, collectionID string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	for i, o := range objs {
		if err := versions.CheckObject(i, o); err != nil {
			return nil, err
		}
	}
	var plan *versions.Plan
	err := s.write(ctx, collectionID, objs, func(existing []versions.Row, last int64) (*versions.Plan, error) {
		plan = versions.PlanCreate(objs, existing, s.db.now(), last)
		return plan, nil
	})
	if err != nil {
		return nil, err
	}
	return plan.Results, nil
}

// RestoreObjects stores versions with their own DateAdded, in DateAdded
// order. See rampart.ObjectService.
func (s *ObjectService) RestoreObjects(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) error {
	objs := make([]*stix.Object, len(vs))
	for i, v := range vs {
		if v == nil {
			return versions.ObjectError(i, nil, "no object")
		}
		if err := versions.CheckObject(i, v.Object); err != nil {
			return err
		}
		objs[i] = v.Object
	}
	return s.write(ctx, collectionID, objs, func(existing []versions.Row, last int64) (*versions.Plan, error) {
		return versions.PlanRestore(vs, existing, last)
	})
}

// write runs one CreateObjects or RestoreObjects transaction: it reads the
// collection's state and the stored versions of the objects' ids, lets
// plan decide, and writes the plan.
func (s *ObjectService) write(ctx context.Context, collectionID string, objs []*stix.Object,
	plan func(existing []versions.Row, last int64) (*versions.Plan, error)) error {
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	defer tx.Rollback()

	var pk, last int64
	err = tx.QueryRowContext(ctx, `SELECT pk, last_added FROM collections WHERE id = ?`, collectionID).Scan(&pk, &last)
	if err == sql.ErrNoRows {
		return collectionNotFound(collectionID)
	} else if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	existing, err := storedVersions(ctx, tx, pk, objs)
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	p, err := plan(existing, last)
	if err != nil {
		return err
	}
	if len(p.Inserts) == 0 {
		return nil // nothing new: leave the collection untouched
	}
	if err := insertVersions(ctx, tx, pk, p.Inserts); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := updateMarks(ctx, tx, p.Updates); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE collections SET last_added = ?, mixed = mixed + ? WHERE pk = ?`, p.LastAdded, p.Mixed, pk); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	return nil
}

// insertRows is the number of rows one INSERT statement writes: many rows
// per statement spare most of the per-statement work (13 parameters a row,
// far below SQLite's limit of 32,766).
const insertRows = 64

// OR FAIL: versions are checked against the stored ones under the write
// lock before they are inserted, so a conflict would be a bug that fails
// the whole transaction anyway; not having to undo a half-done statement
// spares SQLite its statement journal, a copy of every page a statement
// touches.
const insertColumns = `INSERT OR FAIL INTO objects (collection, id, type, version, spec_version,
	spec_set, created, modified, date_added, top, latest, earliest, raw) VALUES `

func insertVersions(ctx context.Context, tx *sql.Tx, pk int64, ins []*versions.Insert) error {
	var full *sql.Stmt
	args := make([]any, 0, 13*insertRows)
	for len(ins) > 0 {
		chunk := ins[:min(insertRows, len(ins))]
		ins = ins[len(chunk):]
		args = args[:0]
		for _, in := range chunk {
			o := in.Object
			args = append(args, pk, o.ID, o.Type, in.Key, o.SpecVersion, o.SpecVersionSet,
				o.Created.String(), o.Modified.String(), in.DateAdded, in.Top, in.Latest, in.Earliest, []byte(o.Raw))
		}
		var err error
		if len(chunk) == insertRows {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertStatement(insertRows)); err != nil {
					return err
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertStatement(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func insertStatement(rows int) string {
	var b strings.Builder
	b.WriteString(insertColumns)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// idChunk bounds the number of ids in one IN list.
const idChunk = 500

// storedVersions reads the stored versions of the objects' ids.
func storedVersions(ctx context.Context, tx *sql.Tx, pk int64, objs []*stix.Object) ([]versions.Row, error) {
	seen := make(map[string]bool, len(objs))
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		if !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	var out []versions.Row
	for len(ids) > 0 {
		chunk := ids[:min(idChunk, len(ids))]
		ids = ids[len(chunk):]
		var b builder
		b.WriteString(`SELECT seq, id, version, spec_version, date_added, top, latest, earliest
			FROM objects WHERE collection = `)
		b.arg(pk)
		b.WriteString(" AND id IN ")
		b.list(chunk)
		rows, err := tx.QueryContext(ctx, b.String(), b.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r versions.Row
			if err := rows.Scan(&r.Seq, &r.ID, &r.Key, &r.Spec, &r.DateAdded, &r.Top, &r.Latest, &r.Earliest); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func updateMarks(ctx context.Context, tx *sql.Tx, rows []*versions.Row) error {
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET top = ?, latest = ?, earliest = ? WHERE seq = ?`,
			r.Top, r.Latest, r.Earliest, r.Seq); err != nil {
			return err
		}
	}
	return nil
}

// DeleteObjects removes the versions of one object that filter selects.
// See rampart.ObjectService.
func (s *ObjectService) DeleteObjects(ctx context.Context, filter rampart.ObjectFilter) (int, error) {
	q, err := versions.ParseDeleteFilter(filter)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	defer tx.Rollback()
	pk, err := s.collectionPK(ctx, tx, q.CollectionID)
	if err != nil {
		return 0, err
	}
	rows, err := storedVersions(ctx, tx, pk, []*stix.Object{{ID: q.IDs[0]}})
	if err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if len(q.Types) > 0 && !slices.Contains(q.Types, stix.IDType(q.IDs[0])) {
		rows = nil
	}
	del, updates, mixed, err := versions.PlanDelete(q, rows)
	if err != nil {
		return 0, err
	}
	for _, seq := range del {
		if _, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE seq = ?`, seq); err != nil {
			return 0, fmt.Errorf("delete objects: %w", err)
		}
	}
	if err := updateMarks(ctx, tx, updates); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE collections SET mixed = mixed + ? WHERE pk = ?`, mixed, pk); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	return len(del), nil
}
