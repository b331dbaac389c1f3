package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/storetest"
)

// TestUpgradeFrom0001 builds a database at migration 0001 with objects in
// it, the newest since deleted, and opens it: 0002 must keep every row,
// and the next seq must follow the deleted one, not reuse it.
func TestUpgradeFrom0001(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	init, err := migrationFS.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := driver.Open(path, func(c *sqlite3.Conn) error { return c.Exec(`PRAGMA foreign_keys = ON`) })
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		string(init),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`,
		`INSERT INTO migrations VALUES ('0001_init.sql', 0)`,
		`INSERT INTO api_roots VALUES ('api', '', '', 0, 0)`,
		`INSERT INTO collections (pk, id, api_root, title, description, alias, media_types, created_at, last_added)
			VALUES (1, '00000000-0000-4000-8000-000000000001', 'api', '', '', '', '[]', 0, 3)`,
		`INSERT INTO objects (collection, id, type, version, spec_version, spec_set, created, modified, date_added, top, latest, earliest, raw)
			VALUES (1, 'tool--1', 'tool', '', '2.1', 1, '', '', 1, 1, 1, 1, X'7B7D'),
			       (1, 'tool--2', 'tool', '', '2.1', 1, '', '', 2, 1, 1, 1, X'7B7D'),
			       (1, 'tool--3', 'tool', '', '2.1', 1, '', '', 3, 1, 1, 1, X'7B7D')`,
		`DELETE FROM objects WHERE seq = 3`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()

	db := NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	objects := NewObjectService(db)
	p, err := objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: "00000000-0000-4000-8000-000000000001", MetadataOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 2 || p.Versions[0].Seq != 1 || p.Versions[1].Seq != 2 {
		t.Fatalf("after the upgrade: %d versions, want Seqs 1 and 2", len(p.Versions))
	}
	if _, err := objects.CreateObjects(ctx, "00000000-0000-4000-8000-000000000001", storetest.Indicators(0, 1)); err != nil {
		t.Fatal(err)
	}
	p, err = objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: "00000000-0000-4000-8000-000000000001", AfterSeq: 2, MetadataOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 1 || p.Versions[0].Seq != 4 {
		var seqs []int64
		for _, v := range p.Versions {
			seqs = append(seqs, v.Seq)
		}
		t.Errorf("versions after the upgrade have Seqs %v, want [4] (3 was handed out before)", seqs)
	}
	var fks int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_list('objects')`).Scan(&fks); err != nil {
		t.Fatal(err)
	}
	if fks != 0 {
		t.Errorf("objects still has %d foreign keys", fks)
	}
}
