package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// ObjectService stores object versions in collections. It is safe for
// concurrent use, also by several processes on one database.
type ObjectService struct {
	db *DB
}

var _ rampart.ObjectService = (*ObjectService)(nil)

// NewObjectService returns an ObjectService on db.
func NewObjectService(db *DB) *ObjectService {
	return &ObjectService{db: db}
}

// FindObjects returns one page of the versions that match filter, in Seq
// order, with two SQL queries whatever the page size. With
// filter.MetadataOnly the objects carry only Type, ID, SpecVersion,
// SpecVersionSet, Created and Modified, and no Raw.
func (s *ObjectService) FindObjects(ctx context.Context, filter rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	q, err := versions.ParseFilter(filter)
	if err != nil {
		return nil, err
	}
	// Both queries see one snapshot: the collection's state, then the page.
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	defer tx.Rollback(ctx)
	var pk, mixed int64
	err = tx.QueryRow(ctx, `SELECT pk, mixed FROM collections WHERE id = $1`, q.CollectionID).Scan(&pk, &mixed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, collectionNotFound(q.CollectionID)
	} else if err != nil {
		return nil, fmt.Errorf("find objects: %w", err)
	}
	q.Simplify(mixed > 0)
	query, args := findQuery(q, pk)
	rows, err := tx.Query(ctx, query, args...)
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
			dateAdded                        time.Time
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
		v.DateAdded = dateAdded.UTC()
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

// builder accumulates SQL text and its numbered arguments in step.
type builder struct {
	strings.Builder
	args []any
}

func (b *builder) arg(v any) {
	b.args = append(b.args, v)
	b.WriteString("$" + strconv.Itoa(len(b.args)))
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
			b.WriteString("(")
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
		b.WriteString("NULL::bytea AS raw")
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
		b.WriteString(" AND v.type = ANY(")
		b.arg(types)
		b.WriteString(")")
	}
	if latest >= 0 {
		b.WriteString(" AND v.latest = ")
		b.arg(latest == 1)
	}
	// One lower bound for the seq range, so the index range starts there:
	// with two (a cursor and added_after) the planner would start at one
	// and filter the rest row by row, reading half a large collection.
	b.WriteString(" AND v.seq > ")
	if q.HasAddedAfter {
		// date_added grows with seq within a collection, so the versions
		// added after a time are those after one seq, found with one probe
		// of objects_added; the date_added test keeps this exact anyway.
		after := versions.Time(q.AddedAfter)
		b.WriteString("greatest(")
		b.arg(q.AfterSeq)
		b.WriteString(", coalesce((SELECT w.seq FROM objects w WHERE w.collection = ")
		b.arg(pk)
		b.WriteString(" AND w.date_added <= ")
		b.arg(after)
		b.WriteString(" ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > ")
		b.arg(after)
	} else {
		b.arg(q.AfterSeq)
	}
	if len(q.IDs) > 0 {
		b.WriteString(" AND v.id = ANY(")
		b.arg(q.IDs)
		b.WriteString(")")
	}
	if latest != 1 || !onlyLatest(q) {
		b.WriteString(" AND (")
		selection(b, q)
		b.WriteString(")")
	}
	if len(q.OnlySpecs) > 0 {
		b.WriteString(" AND v.spec_version = ANY(")
		b.arg(q.OnlySpecs)
		b.WriteString(")")
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
			or = append(or, func() {
				b.WriteString("v.top AND v.version = ANY(")
				b.arg(q.Timestamps)
				b.WriteString(")")
			})
		}
		join(b, or)
		return
	}
	b.WriteString("v.spec_version = ANY(")
	b.arg(q.Specs)
	b.WriteString(")")
	if q.All {
		return
	}
	b.WriteString(" AND (")
	var or []func()
	// first/last across the listed spec versions: no later (earlier)
	// version of the object among them.
	extreme := func(op string) func() {
		return func() {
			b.WriteString("NOT EXISTS (SELECT 1 FROM objects w WHERE w.collection = v.collection AND w.id = v.id AND w.version " + op + " v.version AND w.spec_version = ANY(")
			b.arg(q.Specs)
			b.WriteString("))")
		}
	}
	if q.Last {
		or = append(or, extreme(">"))
	}
	if q.First {
		or = append(or, extreme("<"))
	}
	if len(q.Timestamps) > 0 {
		or = append(or, func() {
			b.WriteString("v.version = ANY(")
			b.arg(q.Timestamps)
			b.WriteString(")")
		})
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
		plan = versions.PlanCreate(objs, existing, versions.Micros(s.db.Now()), last)
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

// lockCollection locks the collection's row until tx ends, serialising the
// writers of one collection (across processes too), and returns its pk
// and newest DateAdded (µs).
func lockCollection(ctx context.Context, tx pgx.Tx, id string) (pk, last int64, err error) {
	var lastAdded time.Time
	// NO KEY UPDATE: the writers exclude each other, while inserting grants
	// (whose foreign key takes KEY SHARE on this row) need not wait.
	err = tx.QueryRow(ctx, `SELECT pk, last_added FROM collections WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&pk, &lastAdded)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, collectionNotFound(id)
	}
	return pk, versions.Micros(lastAdded), err
}

// write runs one CreateObjects or RestoreObjects transaction: it locks the
// collection, reads the stored versions of the objects' ids, lets plan
// decide, and writes the plan.
func (s *ObjectService) write(ctx context.Context, collectionID string, objs []*stix.Object,
	plan func(existing []versions.Row, last int64) (*versions.Plan, error)) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	defer tx.Rollback(ctx)
	pk, last, err := lockCollection(ctx, tx, collectionID)
	if err != nil {
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			return err
		}
		return fmt.Errorf("store objects: %w", err)
	}
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	slices.Sort(ids)
	existing, err := storedVersions(ctx, tx, pk, slices.Compact(ids))
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	p, err := plan(existing, last)
	if err != nil {
		return err
	}
	if len(p.Inserts) == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"objects"},
		[]string{"collection", "id", "type", "version", "spec_version", "spec_set", "created", "modified",
			"date_added", "top", "latest", "earliest", "raw"},
		pgx.CopyFromSlice(len(p.Inserts), func(i int) ([]any, error) {
			in := p.Inserts[i]
			o := in.Object
			return []any{pk, o.ID, o.Type, in.Key, o.SpecVersion, o.SpecVersionSet, o.Created.String(), o.Modified.String(),
				versions.Time(in.DateAdded), in.Top, in.Latest, in.Earliest, []byte(o.Raw)}, nil
		})); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := updateMarks(ctx, tx, p.Updates); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE collections SET last_added = $1, mixed = mixed + $2 WHERE pk = $3`,
		versions.Time(p.LastAdded), p.Mixed, pk); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	return nil
}

// storedVersions reads the stored versions of the ids.
func storedVersions(ctx context.Context, tx pgx.Tx, pk int64, ids []string) ([]versions.Row, error) {
	rows, err := tx.Query(ctx, `SELECT seq, id, version, spec_version, date_added, top, latest, earliest
		FROM objects WHERE collection = $1 AND id = ANY($2)`, pk, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []versions.Row
	for rows.Next() {
		var r versions.Row
		var added time.Time
		if err := rows.Scan(&r.Seq, &r.ID, &r.Key, &r.Spec, &added, &r.Top, &r.Latest, &r.Earliest); err != nil {
			return nil, err
		}
		r.DateAdded = versions.Micros(added)
		out = append(out, r)
	}
	return out, rows.Err()
}

// updateMarks writes new marks of stored versions in one statement.
func updateMarks(ctx context.Context, tx pgx.Tx, rows []*versions.Row) error {
	if len(rows) == 0 {
		return nil
	}
	seqs := make([]int64, len(rows))
	top, latest, earliest := make([]bool, len(rows)), make([]bool, len(rows)), make([]bool, len(rows))
	for i, r := range rows {
		seqs[i], top[i], latest[i], earliest[i] = r.Seq, r.Top, r.Latest, r.Earliest
	}
	_, err := tx.Exec(ctx, `UPDATE objects o SET top = u.top, latest = u.latest, earliest = u.earliest
		FROM unnest($1::bigint[], $2::boolean[], $3::boolean[], $4::boolean[]) AS u(seq, top, latest, earliest)
		WHERE o.seq = u.seq`, seqs, top, latest, earliest)
	return err
}

// DeleteObjects removes the versions of one object that filter selects.
// See rampart.ObjectService.
func (s *ObjectService) DeleteObjects(ctx context.Context, filter rampart.ObjectFilter) (int, error) {
	q, err := versions.ParseDeleteFilter(filter)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	defer tx.Rollback(ctx)
	pk, _, err := lockCollection(ctx, tx, q.CollectionID)
	if err != nil {
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			return 0, err
		}
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	rows, err := storedVersions(ctx, tx, pk, q.IDs)
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
	if _, err := tx.Exec(ctx, `DELETE FROM objects WHERE seq = ANY($1)`, del); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if err := updateMarks(ctx, tx, updates); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE collections SET mixed = mixed + $1 WHERE pk = $2`, mixed, pk); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	return len(del), nil
}
