package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// memStore is an object store in memory shared by "processes": one global
// seq, as SQLite's, and a change channel the test fires for writes of
// another process.
type memStore struct {
	mu        sync.Mutex
	seq       int64
	rows      map[string][]*rampart.ObjectVersion // collection -> versions in seq order
	deletions []*rampart.ObjectDeletion
	changes   chan struct{}
}

func newMemStore() *memStore {
	return &memStore{rows: map[string][]*rampart.ObjectVersion{"c1": nil, "c2": nil}, changes: make(chan struct{}, 1)}
}

func (m *memStore) FindObjects(_ context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rows, ok := m.rows[f.CollectionID]
	if !ok {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no collection %q", f.CollectionID)
	}
	page := &rampart.ObjectPage{}
	for _, v := range rows {
		if v.Seq <= f.AfterSeq {
			continue
		}
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, v.Object.ID) {
			continue
		}
		if f.Limit > 0 && len(page.Versions) == f.Limit {
			page.More = true
			break
		}
		page.Versions = append(page.Versions, v)
	}
	return page, nil
}

func (m *memStore) CreateObjects(_ context.Context, c string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := make([]rampart.ObjectResult, len(objs))
	for i, o := range objs {
		m.seq++
		m.rows[c] = append(m.rows[c], &rampart.ObjectVersion{Object: o, Seq: m.seq})
		res[i] = rampart.ObjectResult{ID: o.ID, Added: true, Seq: m.seq}
	}
	return res, nil
}

func (m *memStore) RestoreObjects(context.Context, string, []*rampart.ObjectVersion) error {
	return fmt.Errorf("not used")
}

func (m *memStore) DeleteObjects(_ context.Context, f rampart.ObjectFilter) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	var keep []*rampart.ObjectVersion
	for _, v := range m.rows[f.CollectionID] {
		if v.Object.ID == f.IDs[0] {
			n++
			continue
		}
		keep = append(keep, v)
	}
	m.rows[f.CollectionID] = keep
	if n > 0 {
		m.deletions = append(m.deletions, &rampart.ObjectDeletion{Seq: int64(len(m.deletions) + 1), CollectionID: f.CollectionID, ObjectID: f.IDs[0]})
	}
	return n, nil
}

func (m *memStore) Changes() <-chan struct{} { return m.changes }

func (m *memStore) FeedPosition(context.Context) (map[string]int64, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pos := map[string]int64{}
	for c, rows := range m.rows {
		if len(rows) > 0 {
			pos[c] = rows[len(rows)-1].Seq
		} else {
			pos[c] = 0
		}
	}
	return pos, int64(len(m.deletions)), nil
}

func (m *memStore) FindDeletions(_ context.Context, after int64, limit int) ([]*rampart.ObjectDeletion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*rampart.ObjectDeletion
	for _, d := range m.deletions {
		if d.Seq > after && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

// signal tells the service that "another process" wrote.
func (m *memStore) signal() {
	select {
	case m.changes <- struct{}{}:
	default:
	}
}

// counter is a subscriber that counts what it hears.
type counter struct {
	mu      sync.Mutex
	added   map[string]int // object id -> times delivered
	deleted map[string]int
}

func newCounter() *counter { return &counter{added: map[string]int{}, deleted: map[string]int{}} }

func (c *counter) ObjectsAdded(_ context.Context, _ string, vs []*rampart.ObjectVersion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range vs {
		c.added[v.Object.ID]++
	}
}

func (c *counter) ObjectsDeleted(_ context.Context, _ string, ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		c.deleted[id]++
	}
}

func (c *counter) count(id string) (added, deleted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.added[id], c.deleted[id]
}

func note(t testing.TB, i int) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"n","object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`, i))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func openService(t *testing.T, store *memStore, subs ...rampart.ObjectSubscriber) *ObjectService {
	t.Helper()
	s := NewObjectService(store, store, nil)
	s.TrimInterval = 10 * time.Millisecond
	for _, sub := range subs {
		s.Subscribe(sub)
	}
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestObjectServiceDeliversOnce: versions written by this process and by
// "another" one, concurrently, reach the subscriber exactly once each;
// this process's own before its write returns.
func TestObjectServiceDeliversOnce(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	sub := newCounter()
	s := openService(t, store, sub)
	const n = 300
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range n {
				id := w*n + i
				o := note(t, id)
				if w == 0 {
					// Another process writes straight to the store.
					store.CreateObjects(ctx, "c2", []*stix.Object{o})
					store.signal()
					continue
				}
				if _, err := s.CreateObjects(ctx, "c1", []*stix.Object{o}); err != nil {
					t.Error(err)
					return
				}
				if got, _ := sub.count(o.ID); got != 1 {
					t.Errorf("%s: delivered %d times when its write returned, want 1", o.ID, got)
				}
			}
		})
	}
	wg.Wait()
	store.signal()
	for i := range 3 * n {
		id := note(t, i).ID
		eventually(t, id+" delivered", func() bool { got, _ := sub.count(id); return got >= 1 })
	}
	// Give the follower time to pass again over everything: nothing more.
	store.signal()
	time.Sleep(50 * time.Millisecond)
	eventually(t, "claims passed over", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		k := 0
		for _, c := range s.claimed {
			k += len(c)
		}
		return k == 0
	})
	for i := range 3 * n {
		id := note(t, i).ID
		if got, _ := sub.count(id); got != 1 {
			t.Errorf("%s delivered %d times, want 1", id, got)
		}
	}
}

// TestObjectServiceDeletions: a deletion made here and one made by another
// process each reach the subscriber once.
func TestObjectServiceDeletions(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	sub := newCounter()
	s := openService(t, store, sub)
	a, b := note(t, 1), note(t, 2)
	s.CreateObjects(ctx, "c1", []*stix.Object{a, b})
	if _, err := s.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: "c1", IDs: []string{a.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, d := sub.count(a.ID); d != 1 {
		t.Errorf("own deletion delivered %d times when it returned", d)
	}
	store.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: "c1", IDs: []string{b.ID}})
	store.signal()
	eventually(t, "another process's deletion delivered", func() bool { _, d := sub.count(b.ID); return d == 1 })
	store.signal()
	time.Sleep(50 * time.Millisecond)
	for _, id := range []string{a.ID, b.ID} {
		if _, d := sub.count(id); d != 1 {
			t.Errorf("%s: deletion delivered %d times, want 1", id, d)
		}
	}
}

// TestObjectServiceWithoutFeed: with no feed, writes are notified
// in-process only, and nothing is remembered.
func TestObjectServiceWithoutFeed(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	sub := newCounter()
	s := NewObjectService(store, nil, nil)
	s.Subscribe(sub)
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	o := note(t, 7)
	s.CreateObjects(ctx, "c1", []*stix.Object{o})
	s.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: "c1", IDs: []string{o.ID}})
	if a, d := sub.count(o.ID); a != 1 || d != 1 {
		t.Errorf("added %d, deleted %d; want 1 and 1", a, d)
	}
}
