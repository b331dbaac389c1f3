// Package coordtest holds what the tests of the coordination packages
// share: an in-memory object store with the semantics the Service and
// the early-warning engine rely on, and the makings of STIX test objects.
package coordtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Store is an in-memory ObjectService and CollectionService with the
// semantics the engine relies on: versions per collection in the order
// they were added, a duplicate version ignored, latest or all versions,
// paging by Seq. It is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	seq   int64
	colls map[string][]*rampart.ObjectVersion
	held  map[string]bool // collection, id and version of every version held
	// PageSize forces small pages, to exercise paging.
	PageSize int
}

var (
	_ rampart.ObjectService     = (*Store)(nil)
	_ rampart.CollectionService = (*Store)(nil)
)

// NewStore returns an empty store holding the collections colls, with
// pages of three versions.
func NewStore(colls ...string) *Store {
	m := &Store{colls: map[string][]*rampart.ObjectVersion{}, held: map[string]bool{}, PageSize: 3}
	for _, c := range colls {
		m.colls[c] = nil
	}
	return m
}

func (m *Store) FindObjects(_ context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vs, ok := m.colls[f.CollectionID]
	if !ok {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no collection %q", f.CollectionID)
	}
	all := slices.Contains(f.Versions, rampart.VersionAll)
	latest := map[string]*rampart.ObjectVersion{}
	for _, v := range vs {
		if p := latest[v.Object.ID]; p == nil || v.Object.Version().Compare(p.Object.Version()) > 0 {
			latest[v.Object.ID] = v
		}
	}
	page := &rampart.ObjectPage{}
	for _, v := range vs {
		o := v.Object
		switch {
		case v.Seq <= f.AfterSeq:
			continue
		case len(f.Types) > 0 && !slices.Contains(f.Types, o.Type):
			continue
		case len(f.IDs) > 0 && !slices.Contains(f.IDs, o.ID):
			continue
		case !all && latest[o.ID] != v:
			continue
		}
		if len(page.Versions) == m.PageSize {
			page.More = true
			break
		}
		page.Versions = append(page.Versions, v)
	}
	return page, nil
}

func (m *Store) CreateObjects(_ context.Context, coll string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.colls[coll]; !ok {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no collection %q", coll)
	}
	var res []rampart.ObjectResult
	for _, o := range objs {
		key := coll + " " + o.ID + " " + o.Version().Key()
		dup := m.held[key]
		res = append(res, rampart.ObjectResult{ID: o.ID, Version: o.Version(), Added: !dup})
		if !dup {
			m.held[key] = true
			m.seq++
			m.colls[coll] = append(m.colls[coll], &rampart.ObjectVersion{Object: o, Seq: m.seq, DateAdded: time.Unix(m.seq, 0)})
		}
	}
	return res, nil
}

func (m *Store) RestoreObjects(context.Context, string, []*rampart.ObjectVersion) error {
	return fmt.Errorf("not implemented")
}

func (m *Store) DeleteObjects(context.Context, rampart.ObjectFilter) (int, error) {
	return 0, fmt.Errorf("not implemented")
}

func (m *Store) FindAPIRoots(context.Context) ([]*rampart.APIRoot, error) { return nil, nil }
func (m *Store) FindAPIRootByName(context.Context, string) (*rampart.APIRoot, error) {
	return nil, rampart.Errorf(rampart.ENOTFOUND, "none")
}
func (m *Store) CreateAPIRoot(context.Context, *rampart.APIRoot) error { return nil }
func (m *Store) FindCollections(context.Context, rampart.CollectionFilter) ([]*rampart.Collection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*rampart.Collection
	for id := range m.colls {
		out = append(out, &rampart.Collection{ID: id, APIRoot: "api"})
	}
	slices.SortFunc(out, func(a, b *rampart.Collection) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
func (m *Store) FindCollectionByID(context.Context, string, string) (*rampart.Collection, error) {
	return nil, rampart.Errorf(rampart.ENOTFOUND, "none")
}
func (m *Store) CreateCollection(context.Context, *rampart.Collection) error { return nil }
func (m *Store) DeleteCollection(context.Context, string, string) error      { return nil }

// Objects returns the latest version of every object of typ in coll.
func (m *Store) Objects(t testing.TB, coll, typ string) []*stix.Object {
	t.Helper()
	var out []*stix.Object
	f := rampart.ObjectFilter{CollectionID: coll, Types: []string{typ}}
	for {
		page, err := m.FindObjects(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			out = append(out, v.Object)
		}
		if !page.More {
			return out
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
}

// Versions returns how many versions of id coll holds.
func (m *Store) Versions(id string, coll string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.colls[coll] {
		if v.Object.ID == id {
			n++
		}
	}
	return n
}

// MustObject parses a STIX object or fails the test.
func MustObject(t testing.TB, s string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(s))
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return o
}

// T0 is the tests' reference time.
var T0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// Timestamp returns t as a STIX timestamp.
func Timestamp(t time.Time) string { return stix.NewTimestamp(t).String() }

// UUID returns a fixed-looking id of type prefix for test objects.
func UUID(prefix string, n int) string {
	return fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", prefix, n, len(prefix))
}
