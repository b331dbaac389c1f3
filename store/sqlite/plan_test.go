package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
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
			query, args := findQuery(q, 1)
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
