package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/search"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
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
	return sqlgen.FindPage[time.Time, pgtype.DriverBytes](sqlgen.PostgreSQL, snapshot{ctx, tx}, q, time.Time.UTC)
}

// snapshot is a read-only transaction as sqlgen.FindPage reads through it.
type snapshot struct {
	ctx context.Context
	tx  pgx.Tx
}

func (s snapshot) Row(query string, dest []any, args ...any) (bool, error) {
	err := s.tx.QueryRow(s.ctx, query, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s snapshot) Query(query string, args ...any) (sqlgen.Rows, func(), error) {
	rows, err := s.tx.Query(s.ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	return rows, rows.Close, nil
}

// CreateObjects stores objs in the collection in one transaction. See
// rampart.ObjectService. It returns ENOTFOUND for a missing collection and
// EINVALID, naming the object, when one cannot be stored (then nothing is).
func (s *ObjectService) CreateObjects(ctx context.Context, collectionID string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	return s.PrepareObjects(objs)(ctx, collectionID)
}

// PrepareObjects makes the search documents of objs, on the caller's
// goroutine, and returns what stores objs as CreateObjects does (see
// ingest.Preparer): an import prepares a batch while the one before it
// is written.
func (s *ObjectService) PrepareObjects(objs []*stix.Object) func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
	write := s.writer(s.db.index().Docs(objs))
	return func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
		return versions.Create(ctx, collectionID, objs, func() int64 { return versions.Micros(s.db.Now()) }, write)
	}
}

// RestoreObjects stores versions with their own DateAdded, in DateAdded
// order. See rampart.ObjectService.
func (s *ObjectService) RestoreObjects(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) error {
	return versions.Restore(ctx, collectionID, vs, s.writer(s.db.index().VersionDocs(vs)))
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
		return 0, 0, versions.CollectionNotFound(id)
	}
	return pk, versions.Micros(lastAdded), err
}

// writer returns a versions.Writer that runs one CreateObjects or
// RestoreObjects transaction: it locks the collection, reads the stored
// versions of the objects' ids, lets plan decide, and writes the plan and
// its search entries (from docs, the objects' documents).
func (s *ObjectService) writer(docs search.Docs) versions.Writer {
	return func(ctx context.Context, collectionID string, ids []string, plan versions.PlanFunc) error {
		return s.write(ctx, collectionID, ids, plan, docs)
	}
}

func (s *ObjectService) write(ctx context.Context, collectionID string, ids []string, plan versions.PlanFunc, docs search.Docs) error {
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
	existing, err := storedVersions(ctx, tx, pk, ids)
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	latest := search.Latest(existing)
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
	// COPY returns nothing: the new versions' seqs are read back.
	stored, err := storedVersions(ctx, tx, pk, insertedIDs(p.Inserts))
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := versions.AssignSeqs(p.Inserts, stored); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := updateMarks(ctx, tx, p.Updates); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := search.Apply(ctx, s.db.index(), txConn{tx}, pk, search.ChangeOfWrite(latest, p, docs)); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE collections SET last_added = $1, mixed = mixed + $2 WHERE pk = $3`,
		versions.Time(p.LastAdded), p.Mixed, pk); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := s.db.notify(ctx, tx); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	return nil
}

// insertedIDs returns the ids of ins, each once.
func insertedIDs(ins []*versions.Insert) []string {
	ids := make([]string, 0, len(ins))
	seen := make(map[string]bool, len(ins))
	for _, in := range ins {
		if !seen[in.ID] {
			seen[in.ID] = true
			ids = append(ids, in.ID)
		}
	}
	return ids
}

// storedVersions reads the stored versions of the ids.
func storedVersions(ctx context.Context, tx pgx.Tx, pk int64, ids []string) ([]versions.Row, error) {
	query, args := sqlgen.StoredVersions(sqlgen.PostgreSQL, pk, ids)
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlgen.ReadVersions(rows, versions.Micros, nil)
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
	latest := search.Latest(rows)
	del, updates, mixed, err := versions.PlanDelete(q, rows)
	if err != nil {
		return 0, err
	}
	if err := search.Apply(ctx, s.db.index(), txConn{tx}, pk, search.ChangeOfDelete(latest, del, updates)); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
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
	// Other processes learn of the deletion from this record (ChangeFeed).
	// The lock, held to commit, makes deletions of every collection take
	// their seqs in commit order, so that a reader never sees a later one
	// before an earlier one commits.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(deletionLock)); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO object_deletions (collection_id, object_id, at) VALUES ($1, $2, $3)`,
		q.CollectionID, q.IDs[0], versions.Micros(s.db.Now())); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if err := s.db.notify(ctx, tx); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	return len(del), nil
}
