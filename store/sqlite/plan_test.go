package sqlite

import (
	"fmt"

	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/rampart-cti/rampart/stix"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// TestQueryPlans checks that every kind of listing reads ordered index
// ranges: no full scan of the objects table, and no sort of a whole
// collection (a sort is only allowed where branches are merged, over at
// most Limit+1 rows each).
func TestQueryPlans(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "plan.db"))
	ctx := context.Background()
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := time.Now()
	tests := []struct {
		name     string
		filter   rampart.ObjectFilter
		mixed    bool
		wantUses []string
	}{
		{"default", rampart.ObjectFilter{}, false, []string{"objects_latest (collection=? AND latest=? AND seq>?)"}},
		{"type", rampart.ObjectFilter{Types: []string{"indicator"}}, false, []string{"objects_type (collection=? AND type=? AND latest=? AND seq>?)"}},
		{"two types", rampart.ObjectFilter{Types: []string{"indicator", "malware"}}, false, []string{"objects_type (collection=? AND type=? AND latest=? AND seq>?)"}},
		{"all", rampart.ObjectFilter{Versions: []string{"all"}}, false, []string{"objects_latest (collection=? AND latest=? AND seq>?)"}},
		{"added_after", rampart.ObjectFilter{AddedAfter: &after}, false, []string{"objects_latest (collection=? AND latest=? AND seq>?)", "objects_added (collection=? AND date_added<?)"}},
		{"spec simplified", rampart.ObjectFilter{SpecVersions: []string{"2.1"}}, false, []string{"objects_latest (collection=? AND latest=? AND seq>?)"}},
		{"spec mixed", rampart.ObjectFilter{SpecVersions: []string{"2.1"}}, true, []string{"objects_latest (collection=? AND latest=? AND seq>?)", "objects_version (collection=? AND id=? AND version>?)"}},
		{"ids", rampart.ObjectFilter{IDs: []string{"indicator--1", "indicator--2"}, Versions: []string{"all"}}, false, []string{"objects_version (collection=? AND id=?)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.filter
			f.CollectionID = "c"
			q, err := versions.ParseFilter(f)
			if err != nil {
				t.Fatal(err)
			}
			q.Simplify(tt.mixed)
			query, args := sqlgen.FindQuery(sqlgen.SQLite, q, 1)
			rows, err := db.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			text := strings.Join(plan, "\n")
			for _, line := range plan {
				if strings.HasPrefix(line, "SCAN v") || strings.HasPrefix(line, "SCAN objects") {
					t.Errorf("full scan %q in plan:\n%s", line, text)
				}
				// A listing by ids sorts the few versions of those ids.
				if strings.Contains(line, "TEMP B-TREE") && len(f.IDs) == 0 && !(strings.Contains(text, "COMPOUND") || strings.Contains(text, "MERGE")) {
					t.Errorf("sort %q outside a merge in plan:\n%s", line, text)
				}
			}
			for _, use := range tt.wantUses {
				if !strings.Contains(text, use) {
					t.Errorf("plan does not use %s:\n%s", use, text)
				}
			}
		})
	}
}

// TestAddedAfterStartsAtItsPosition: a listing with added_after reads the
// collection from that position on, not from its start. (It once gave
// the planner two lower bounds for seq, the cursor's and added_after's;
// the planner started the index range at the cursor's, 0, and filtered
// every row before the position one by one: a page deep into a million
// objects took 70 ms instead of 8.) The number of virtual-machine steps
// of the page's statement is what is checked: it must not grow with the
// rows before the position.
func TestAddedAfterStartsAtItsPosition(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "pos.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, objects := NewServices(db).Collections, NewObjectService(db)
	if err := cs.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "r"}
	if err := cs.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var objs []*stix.Object
	for i := 0; i < n; i++ {
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"x-item","id":"x-item--%08x-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}`, i))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	res, err := objects.CreateObjects(ctx, c.ID, objs)
	if err != nil {
		t.Fatal(err)
	}
	var pk int64
	if err := db.read.QueryRowContext(ctx, `SELECT pk FROM collections WHERE id = ?`, c.ID).Scan(&pk); err != nil {
		t.Fatal(err)
	}
	steps := func(after time.Time) int {
		q, err := versions.ParseFilter(rampart.ObjectFilter{CollectionID: c.ID, AddedAfter: &after, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		q.Simplify(false)
		query, args := sqlgen.FindQuery(sqlgen.SQLite, q, pk)
		conn, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var vm int
		err = conn.Raw(func(dc any) error {
			stmt, _, err := dc.(driver.Conn).Raw().Prepare(query)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i, a := range args {
				switch a := a.(type) {
				case int64:
					stmt.BindInt64(i+1, a)
				case int:
					stmt.BindInt64(i+1, int64(a))
				case string:
					stmt.BindText(i+1, a)
				case bool:
					stmt.BindBool(i+1, a)
				default:
					return fmt.Errorf("argument %d of type %T", i, a)
				}
			}
			rows := 0
			for stmt.Step() {
				rows++
			}
			if err := stmt.Err(); err != nil {
				return err
			}
			if rows != 11 { // Limit+1: the extra row says there is more
				return fmt.Errorf("%d rows, want 11", rows)
			}
			vm = stmt.Status(sqlite3.STMTSTATUS_VM_STEP, false)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return vm
	}
	early := steps(res[100].DateAdded)
	late := steps(res[n-100].DateAdded)
	if late > 2*early+100 {
		t.Errorf("a page after position %d took %d VM steps, after position 100 %d: the listing reads the rows before its position", n-100, late, early)
	}
}
