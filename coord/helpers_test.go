package coord

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

var ctx = context.Background()

// memStore is an in-memory ObjectService and CollectionService with the
// semantics the engine relies on: versions per collection in the order
// they were added, a duplicate version ignored, latest or all versions,
// paging by Seq.
type memStore struct {
	mu    sync.Mutex
	seq   int64
	colls map[string][]*rampart.ObjectVersion
	held  map[string]bool // collection, id and version of every version held
	// pageSize forces small pages, to exercise paging.
	pageSize int
}

var (
	_ rampart.ObjectService     = (*memStore)(nil)
	_ rampart.CollectionService = (*memStore)(nil)
)

func newMemStore(colls ...string) *memStore {
	m := &memStore{colls: map[string][]*rampart.ObjectVersion{}, held: map[string]bool{}, pageSize: 3}
	for _, c := range colls {
		m.colls[c] = nil
	}
	return m
}

func (m *memStore) FindObjects(_ context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
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
		if len(page.Versions) == m.pageSize {
			page.More = true
			break
		}
		page.Versions = append(page.Versions, v)
	}
	return page, nil
}

func (m *memStore) CreateObjects(_ context.Context, coll string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
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

func (m *memStore) RestoreObjects(context.Context, string, []*rampart.ObjectVersion) error {
	return fmt.Errorf("not implemented")
}

func (m *memStore) DeleteObjects(context.Context, rampart.ObjectFilter) (int, error) {
	return 0, fmt.Errorf("not implemented")
}

func (m *memStore) FindAPIRoots(context.Context) ([]*rampart.APIRoot, error) { return nil, nil }
func (m *memStore) FindAPIRootByName(context.Context, string) (*rampart.APIRoot, error) {
	return nil, rampart.Errorf(rampart.ENOTFOUND, "none")
}
func (m *memStore) CreateAPIRoot(context.Context, *rampart.APIRoot) error { return nil }
func (m *memStore) FindCollections(context.Context, rampart.CollectionFilter) ([]*rampart.Collection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*rampart.Collection
	for id := range m.colls {
		out = append(out, &rampart.Collection{ID: id, APIRoot: "api"})
	}
	slices.SortFunc(out, func(a, b *rampart.Collection) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
func (m *memStore) FindCollectionByID(context.Context, string, string) (*rampart.Collection, error) {
	return nil, rampart.Errorf(rampart.ENOTFOUND, "none")
}
func (m *memStore) CreateCollection(context.Context, *rampart.Collection) error { return nil }
func (m *memStore) DeleteCollection(context.Context, string, string) error      { return nil }

// objects returns the latest version of every object of typ in coll.
func (m *memStore) objects(t *testing.T, coll, typ string) []*stix.Object {
	t.Helper()
	var out []*stix.Object
	f := rampart.ObjectFilter{CollectionID: coll, Types: []string{typ}}
	for {
		page, err := m.FindObjects(ctx, f)
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

// versions returns how many versions of id coll holds.
func (m *memStore) versions(id string, coll string) int {
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

func mustObject(t testing.TB, s string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(s))
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return o
}

// t0 is the tests' reference time.
var t0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

func ts(t time.Time) string { return stix.NewTimestamp(t).String() }

// uuid returns a fixed-looking UUID for test ids.
func uuid(prefix string, n int) string {
	return fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", prefix, n, len(prefix))
}

// world builds STIX objects for early-warning tests: organisations in
// member states, indicators tied to intrusion sets, sightings.
type world struct {
	t    testing.TB
	objs []*stix.Object
	n    int
}

func (w *world) add(s string) string {
	o := mustObject(w.t, s)
	w.objs = append(w.objs, o)
	return o.ID
}

func (w *world) next() int { w.n++; return w.n }

// org adds an identity located in a country, with sectors.
func (w *world) org(name, country string, sectors ...string) string {
	n := w.next()
	id, loc, rel := uuid("identity", n), uuid("location", n), uuid("relationship", n)
	sec := ""
	if len(sectors) > 0 {
		sec = `,"sectors":["` + strings.Join(sectors, `","`) + `"]`
	}
	w.add(fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q,"identity_class":"organization"%s}`, id, ts(t0), ts(t0), name, sec))
	w.add(fmt.Sprintf(`{"type":"location","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"country":%q}`, loc, ts(t0), ts(t0), country))
	w.add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"relationship_type":"located-at","source_ref":%q,"target_ref":%q}`, rel, ts(t0), ts(t0), id, loc))
	return id
}

func (w *world) indicator(name, pattern string) string {
	id := uuid("indicator", w.next())
	w.add(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q,"pattern":%q,"pattern_type":"stix","valid_from":%q}`, id, ts(t0), ts(t0), name, pattern, ts(t0)))
	return id
}

func (w *world) set(name string) string {
	id := uuid("intrusion-set", w.next())
	w.add(fmt.Sprintf(`{"type":"intrusion-set","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q}`, id, ts(t0), ts(t0), name))
	return id
}

func (w *world) campaign(name string) string {
	id := uuid("campaign", w.next())
	w.add(fmt.Sprintf(`{"type":"campaign","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q}`, id, ts(t0), ts(t0), name))
	return id
}

func (w *world) rel(typ, src, tgt string) string {
	id := uuid("relationship", w.next())
	return w.add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"relationship_type":%q,"source_ref":%q,"target_ref":%q}`, id, ts(t0), ts(t0), typ, src, tgt))
}

// sight adds a sighting of of by org at time at.
func (w *world) sight(of, org string, at time.Time) string {
	id := uuid("sighting", w.next())
	return w.add(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q}`, id, ts(at), ts(at), of, org, ts(at), ts(at)))
}

// take returns the objects added since the last take.
func (w *world) take() []*stix.Object {
	out := w.objs
	w.objs = nil
	return out
}

const alertColl = "coordination"

// newEngine opens an engine on store with the rules and a fixed clock.
func newEngine(t *testing.T, store *memStore, rules Rules, now *time.Time) *EarlyWarning {
	t.Helper()
	e := NewEarlyWarning()
	e.Objects, e.Collections, e.CollectionID = store, store, alertColl
	e.Rules = rules
	e.Organization = "identity--99999999-9999-4999-8999-999999999999"
	e.Now = func() time.Time { return *now }
	if err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// feed stores objects in the "feed" collection and hands them to the
// engine, as a TAXII POST would.
func feed(t *testing.T, store *memStore, e *EarlyWarning, objs []*stix.Object) {
	t.Helper()
	if _, err := store.CreateObjects(ctx, "feed", objs); err != nil {
		t.Fatal(err)
	}
	e.Observe(objs)
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func alertsOf(t *testing.T, store *memStore) []*Alert {
	t.Helper()
	var out []*Alert
	for _, o := range store.objects(t, alertColl, AlertType) {
		if err := stix.Validate(o); err != nil {
			t.Errorf("alert is not valid STIX: %v", err)
		}
		a, err := ParseAlert(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *Alert) int { return strings.Compare(a.Rule+a.SubjectRef, b.Rule+b.SubjectRef) })
	return out
}
