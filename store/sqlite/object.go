package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/search"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// ObjectService stores object versions in collections. It is safe for
// concurrent use; CreateObjects and RestoreObjects calls made at once are
// committed together, each in a savepoint of its own (see DB), and
// every write is serialised by the DB's single writer.
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
	return sqlgen.FindPage[int64, sql.RawBytes](sqlgen.SQLite, snapshot{ctx, tx}, q, versions.Time)
}

// snapshot is a read transaction as sqlgen.FindPage reads through it.
type snapshot struct {
	ctx context.Context
	tx  *sql.Tx
}

func (s snapshot) Row(query string, dest []any, args ...any) (bool, error) {
	err := s.tx.QueryRowContext(s.ctx, query, args...).Scan(dest...)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

func (s snapshot) Query(query string, args ...any) (sqlgen.Rows, func(), error) {
	rows, err := s.tx.QueryContext(s.ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	return rows, func() { rows.Close() }, nil
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
		return 0, versions.CollectionNotFound(id)
	}
	return pk, err
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
// is written, and the writer goes from one to the next without waiting.
func (s *ObjectService) PrepareObjects(objs []*stix.Object) func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
	write := s.writer(s.db.index().Docs(objs))
	return func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
		return versions.Create(ctx, collectionID, objs, s.db.now, write)
	}
}

// RestoreObjects stores versions with their own DateAdded, in DateAdded
// order. See rampart.ObjectService.
func (s *ObjectService) RestoreObjects(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) error {
	return versions.Restore(ctx, collectionID, vs, s.writer(s.db.index().VersionDocs(vs)))
}

// writer returns a versions.Writer that runs one CreateObjects or
// RestoreObjects write in a group transaction (see committer): it reads
// the collection's state and the stored versions of the objects' ids,
// lets plan decide, and writes the plan and its search entries (from
// docs, the objects' documents). It returns once the group has
// committed.
func (s *ObjectService) writer(docs search.Docs) versions.Writer {
	return func(ctx context.Context, collectionID string, ids []string, plan versions.PlanFunc) error {
		return s.db.group.do(ctx, "store objects", len(ids), func(ctx context.Context, tx *sql.Tx) error {
			return writeVersions(ctx, s.db.index(), tx, s.db.prepared, collectionID, ids, plan, docs)
		})
	}
}

// writeVersions is the writer's part of its group transaction.
func writeVersions(ctx context.Context, index *search.Dialect, tx *sql.Tx, prepared map[string]*sql.Stmt, collectionID string, ids []string, plan versions.PlanFunc, docs search.Docs) error {
	var pk, last int64
	err := tx.QueryRowContext(ctx, `SELECT pk, last_added FROM collections WHERE id = ?`, collectionID).Scan(&pk, &last)
	if err == sql.ErrNoRows {
		return versions.CollectionNotFound(collectionID)
	} else if err != nil {
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
		return nil // nothing new: leave the collection untouched
	}
	if err := insertVersions(ctx, tx, prepared, pk, p.Inserts); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := updateMarks(ctx, tx, p.Updates); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if err := search.Apply(ctx, index, txConn{tx, prepared}, pk, search.ChangeOfWrite(latest, p, docs)); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE collections SET last_added = ?, mixed = mixed + ? WHERE pk = ?`, p.LastAdded, p.Mixed, pk); err != nil {
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
// the whole write anyway (its savepoint is rolled back); not having to undo a half-done statement
// spares SQLite its statement journal, a copy of every page a statement
// touches.
const insertColumns = `INSERT OR FAIL INTO objects (collection, id, type, version, spec_version,
	spec_set, created, modified, date_added, top, latest, earliest, raw) VALUES `

// insertVersions inserts ins and sets the Seq of each, with the statement
// of insertRows rows in prepared when it is there.
func insertVersions(ctx context.Context, tx *sql.Tx, prepared map[string]*sql.Stmt, pk int64, ins []*versions.Insert) error {
	var full *sql.Stmt
	args := make([]any, 0, 13*insertRows)
	pkArg := any(pk) // boxed once rather than in every row
	for len(ins) > 0 {
		chunk := ins[:min(insertRows, len(ins))]
		ins = ins[len(chunk):]
		args = args[:0]
		for _, in := range chunk {
			o := in.Object
			args = append(args, pkArg, o.ID, o.Type, in.Key, o.SpecVersion, o.SpecVersionSet,
				o.Created.String(), o.Modified.String(), in.DateAdded, in.Top, in.Latest, in.Earliest, []byte(o.Raw))
		}
		var (
			rows *sql.Rows
			err  error
		)
		if len(chunk) == insertRows {
			if full == nil {
				if st := prepared[insertStatement(insertRows)]; st != nil {
					full = tx.StmtContext(ctx, st)
				} else if full, err = tx.PrepareContext(ctx, insertStatement(insertRows)); err != nil {
					return err
				}
				defer full.Close()
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, insertStatement(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
		// SQLite does not promise that RETURNING gives the rows in the
		// order of VALUES: they are matched by id and version.
		stored, err := sqlgen.ReadVersions(rows, func(us int64) int64 { return us }, nil)
		rows.Close()
		if err != nil {
			return err
		}
		if err := versions.AssignSeqs(chunk, stored); err != nil {
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
	b.WriteString(" RETURNING " + sqlgen.VersionColumns)
	return b.String()
}

// idChunk bounds the number of ids in one IN list.
const idChunk = 500

// storedVersions reads the stored versions of the ids.
func storedVersions(ctx context.Context, tx *sql.Tx, pk int64, ids []string) ([]versions.Row, error) {
	var out []versions.Row
	for len(ids) > 0 {
		chunk := ids[:min(idChunk, len(ids))]
		ids = ids[len(chunk):]
		query, args := sqlgen.StoredVersions(sqlgen.SQLite, pk, chunk)
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		out, err = sqlgen.ReadVersions(rows, func(us int64) int64 { return us }, out)
		rows.Close()
		if err != nil {
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
	rows, err := storedVersions(ctx, tx, pk, q.IDs)
	if err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	latest := search.Latest(rows)
	del, updates, mixed, err := versions.PlanDelete(q, rows)
	if err != nil {
		return 0, err
	}
	if err := search.Apply(ctx, s.db.index(), txConn{tx, s.db.prepared}, pk, search.ChangeOfDelete(latest, del, updates)); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
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
	// Other processes learn of the deletion from this record (ChangeFeed).
	if _, err := tx.ExecContext(ctx, `INSERT INTO object_deletions (collection_id, object_id, at) VALUES (?, ?, ?)`,
		q.CollectionID, q.IDs[0], s.db.now()); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("delete objects: %w", err)
	}
	return len(del), nil
}
