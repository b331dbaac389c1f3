package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/stix"
)

// memObjects stores batches in memory; the batch numbered failAt (from 1)
// fails, and so does every later one.
type memObjects struct {
	rampart.ObjectService
	held    map[string]bool
	batches []int
	failAt  int
}

func (m *memObjects) CreateObjects(ctx context.Context, _ string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store objects: %w", err)
	}
	if m.failAt > 0 && len(m.batches)+1 >= m.failAt {
		return nil, errors.New("store objects: disk full")
	}
	if m.held == nil {
		m.held = map[string]bool{}
	}
	m.batches = append(m.batches, len(objs))
	res := make([]rampart.ObjectResult, len(objs))
	for i, o := range objs {
		key := o.ID + "@" + o.Version().String()
		res[i] = rampart.ObjectResult{ID: o.ID, Version: o.Version(), Added: !m.held[key], DateAdded: time.Unix(1, 0)}
		m.held[key] = true
	}
	return res, nil
}

func note(n int) string {
	return fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--%08d-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","content":"n","object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`, n)
}

func bundle(objs ...string) string {
	return `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + strings.Join(objs, ",") + `]}`
}

// run ingests in with in, and returns the outcomes as
// "index id version state: error".
func run(t *testing.T, ctx context.Context, in *ingest.Ingester, src string) ([]string, ingest.Summary, error) {
	t.Helper()
	var got []string
	in.Report = func(o ingest.Outcome) {
		s := fmt.Sprintf("%d %s %s %s", o.Index, o.ID, o.Version, o.State)
		if o.Err != nil {
			s += ": " + o.Err.Error()
		}
		got = append(got, s)
	}
	sum, err := in.Ingest(ctx, "c", stix.NewObjectReader(strings.NewReader(src)))
	return got, sum, err
}

const version = "2026-11-02T00:00:00.000Z"

func id(n int) string { return fmt.Sprintf("note--%08d-0000-4000-8000-000000000000", n) }

// TestIngestReportsEveryObject checks that valid objects are stored in
// batches, that an object failing alone (unreadable, or refused by Check)
// is reported with its id, version and where it was, and that a version
// stored already is Present.
func TestIngestReportsEveryObject(t *testing.T) {
	store := &memObjects{held: map[string]bool{id(1) + "@" + version: true}}
	in := &ingest.Ingester{
		Objects:   store,
		BatchSize: 2,
		Check: func(o *stix.Object) error {
			if o.ID == id(3) {
				return errors.New("refused")
			}
			return nil
		},
	}
	broken := `{"type":"note","id":"` + id(9) + `","modified":"` + version + `","created":"soon"}`
	got, sum, err := run(t, context.Background(), in, bundle(note(0), note(1), broken, note(3), note(4), note(5)))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"0 " + id(0) + " " + version + " added",
		"1 " + id(1) + " " + version + " present",
		"2 " + id(9) + " " + version + " invalid: objects[2]: note \"" + id(9) + "\": created timestamp \"soon\" is not of the form YYYY-MM-DDTHH:MM:SS[.s+]Z",
		"3 " + id(3) + " " + version + " invalid: objects[3]: refused",
		"4 " + id(4) + " " + version + " added",
		"5 " + id(5) + " " + version + " added",
	}
	// A batch is reported once stored, while later objects are read
	// (and the invalid ones reported at once): compared in stream order.
	slices.SortStableFunc(got, func(a, b string) int {
		ai, _ := strconv.Atoi(strings.Fields(a)[0])
		bi, _ := strconv.Atoi(strings.Fields(b)[0])
		return ai - bi
	})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ingest.Summary{Added: 3, Present: 1, Invalid: 2}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 2}, store.batches); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
}

// TestIngestStopsMidway checks what is stored and reported when an ingest
// stops before the end of its stream: a store that fails after a batch, a
// stream that breaks (with and without StoreBeforeBreak), a context that
// ends.
func TestIngestStopsMidway(t *testing.T) {
	five := []string{note(0), note(1), note(2), note(3), note(4)}
	cut := bundle(five...)
	cut = cut[:strings.LastIndex(cut, note(4))+40] // inside objects[4]
	for _, tc := range []struct {
		name        string
		src         string
		failAt      int
		before      bool
		cancel      bool
		batches     []int
		sum         ingest.Summary
		errContains string
	}{
		// The next batch is read while one is stored: objects 2 and 3
		// fail with their batch, 4 was read meanwhile and is not stored.
		{"store fails after a batch", bundle(five...), 2, false, false, []int{2}, ingest.Summary{Added: 2, NotStored: 3}, "disk full"},
		{"stream breaks", cut, 0, false, false, []int{2, 2}, ingest.Summary{Added: 4}, "unexpected end of input"},
		{"stream breaks mid-batch", bundle(note(0), note(1), note(2)) + "]", 0, false, false, []int{2}, ingest.Summary{Added: 2, NotStored: 1}, "unexpected data after the end"},
		{"stream breaks mid-batch, kept", bundle(note(0), note(1), note(2)) + "]", 0, true, false, []int{2, 1}, ingest.Summary{Added: 3}, "unexpected data after the end"},
		{"context ends", bundle(five...), 0, false, true, nil, ingest.Summary{}, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memObjects{failAt: tc.failAt}
			in := &ingest.Ingester{Objects: store, BatchSize: 2, StoreBeforeBreak: tc.before}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			got, sum, err := run(t, ctx, in, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.errContains) {
				t.Errorf("error %v, want one saying %q", err, tc.errContains)
			}
			var re *ingest.ReadError
			if isRead := errors.As(err, &re); isRead != strings.HasPrefix(tc.name, "stream") {
				t.Errorf("error %v: a *ReadError is %v", err, isRead)
			}
			if diff := cmp.Diff(tc.sum, sum); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.batches, store.batches); diff != "" {
				t.Errorf("batches (-want +got):\n%s", diff)
			}
			for _, o := range got {
				if strings.Contains(o, "not stored") && !strings.Contains(o, tc.errContains) {
					t.Errorf("outcome %q does not say why", o)
				}
			}
		})
	}
}

// cancellingObjects ends the ingest's context during its second call and
// fails it as SQLite does, in its own words.
type cancellingObjects struct {
	memObjects
	cancel context.CancelFunc
}

func (c *cancellingObjects) CreateObjects(ctx context.Context, coll string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	if len(c.batches) == 1 {
		c.cancel()
		return nil, errors.New("store objects: sqlite3: interrupted")
	}
	return c.memObjects.CreateObjects(ctx, coll, objs)
}

// TestIngestContextEndsDuringStore checks that a store call that fails
// because the context ended is reported as the context's error, so that
// a client that went away is told apart from a store that failed.
func TestIngestContextEndsDuringStore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := &cancellingObjects{cancel: cancel}
	in := &ingest.Ingester{Objects: store, BatchSize: 2}
	_, sum, err := run(t, ctx, in, bundle(note(0), note(1), note(2), note(3), note(4)))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("error %v, want context.Canceled saying what the store said", err)
	}
	// Objects 2 and 3 were in the batch the context ended; 4 was read
	// while it was stored.
	if diff := cmp.Diff(ingest.Summary{Added: 2, NotStored: 3}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

// TestIngestFirstBatchSize checks that the batches start at FirstBatchSize
// and double up to BatchSize, and that every object is stored once, in
// the stream's order.
func TestIngestFirstBatchSize(t *testing.T) {
	var objs []string
	for i := range 40 {
		objs = append(objs, note(i))
	}
	for _, tc := range []struct {
		first, size int
		batches     []int
	}{
		{first: 3, size: 10, batches: []int{3, 6, 10, 10, 10, 1}},
		{first: 0, size: 10, batches: []int{10, 10, 10, 10}},
		{first: 10, size: 10, batches: []int{10, 10, 10, 10}},
		{first: 25, size: 10, batches: []int{10, 10, 10, 10}},
		{first: 1, size: 50, batches: []int{1, 2, 4, 8, 16, 9}},
	} {
		t.Run(fmt.Sprintf("%d-%d", tc.first, tc.size), func(t *testing.T) {
			store := &memObjects{}
			in := &ingest.Ingester{Objects: store, BatchSize: tc.size, FirstBatchSize: tc.first}
			got, sum, err := run(t, context.Background(), in, bundle(objs...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.batches, store.batches); diff != "" {
				t.Errorf("batches (-want +got):\n%s", diff)
			}
			if sum.Added != 40 || len(got) != 40 {
				t.Errorf("added %d, %d outcomes; want 40", sum.Added, len(got))
			}
			for i, g := range got {
				if want := fmt.Sprintf("%d %s %s added", i, id(i), version); g != want {
					t.Errorf("outcome %d = %q, want %q", i, g, want)
				}
			}
		})
	}
}

// preparingObjects is a Preparer whose write of a batch waits until the
// next batch is prepared (or times out, and fails): what Ingest must do
// is prepare a batch while the one before it is written.
type preparingObjects struct {
	memObjects
	prepared chan int // the number of each batch prepared, from 1
	n        int
}

func (p *preparingObjects) PrepareObjects(objs []*stix.Object) func(context.Context, string) ([]rampart.ObjectResult, error) {
	p.n++
	n := p.n
	if n > 1 {
		p.prepared <- n
	}
	return func(ctx context.Context, c string) ([]rampart.ObjectResult, error) {
		if n < 3 {
			select {
			case got := <-p.prepared:
				if got != n+1 {
					return nil, fmt.Errorf("batch %d prepared while batch %d was written", got, n)
				}
			case <-time.After(10 * time.Second):
				return nil, fmt.Errorf("batch %d was not prepared while batch %d was written", n+1, n)
			}
		}
		return p.memObjects.CreateObjects(ctx, c, objs)
	}
}

func (p *preparingObjects) CreateObjects(context.Context, string, []*stix.Object) ([]rampart.ObjectResult, error) {
	return nil, errors.New("CreateObjects called on a Preparer")
}

// TestIngestPrepares checks that Ingest prepares each batch, through the
// store's PrepareObjects, while the one before it is written, and stores
// the objects through what it returns.
func TestIngestPrepares(t *testing.T) {
	var objs []string
	for i := range 7 {
		objs = append(objs, note(i))
	}
	store := &preparingObjects{prepared: make(chan int, 1)}
	_, sum, err := run(t, context.Background(), &ingest.Ingester{Objects: store, BatchSize: 3}, bundle(objs...))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{3, 3, 1}, store.batches); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if sum.Added != 7 {
		t.Errorf("added %d, want 7", sum.Added)
	}
}
