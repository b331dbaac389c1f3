package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// openCommitterTest opens a store with one API root and one collection,
// and a table of text rows for writes made directly on the committer.
func openCommitterTest(t *testing.T) (*DB, string) {
	t.Helper()
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "rampart.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	colls := NewServices(db).Collections
	if err := colls.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api"}); err != nil {
		t.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "api", Title: "c", MediaTypes: []string{"application/stix+json;version=2.1"}}
	if err := colls.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.Exec(`CREATE TABLE test_rows (v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db, c.ID
}

// hold starts a write on c that keeps its group's transaction open until
// release is called, so that the writes queued meanwhile form the next
// group.
func hold(t *testing.T, c *committer) (release func()) {
	t.Helper()
	started, done := make(chan struct{}), make(chan error, 1)
	rel := make(chan struct{})
	go func() {
		done <- c.do(context.Background(), "hold", 1, func(context.Context, *sql.Tx) error {
			close(started)
			<-rel
			return nil
		})
	}()
	<-started
	return func() {
		close(rel)
		if err := <-done; err != nil {
			t.Errorf("the holding write: %v", err)
		}
	}
}

// waitQueued waits until n writes are queued on c.
func waitQueued(c *committer, n int) {
	for c.queued() < n {
		time.Sleep(time.Millisecond)
	}
}

// insertRow is a write of one row of test_rows.
func insertRow(v string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO test_rows (v) VALUES (?)`, v)
		return err
	}
}

// rows returns the values in test_rows, sorted.
func rows(t *testing.T, db *DB) []string {
	t.Helper()
	rs, err := db.read.Query(`SELECT v FROM test_rows ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var v string
		if err := rs.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func indicator(t *testing.T, n int) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}`, n))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestConcurrentCreateObjectsShareOneCommit has many goroutines call
// CreateObjects while a group holds the writer: they are all committed in
// the next transaction, and each gets the results of its own objects.
func TestConcurrentCreateObjectsShareOneCommit(t *testing.T) {
	db, coll := openCommitterTest(t)
	objects := NewObjectService(db)
	const writers, each = 50, 3
	posts := make([][]*stix.Object, writers)
	for w := range posts {
		for i := range each {
			posts[w] = append(posts[w], indicator(t, w*each+i))
		}
	}
	groups, writes := db.group.groups.Load(), db.group.writes.Load()
	release := hold(t, db.group)

	results := make([][]rampart.ObjectResult, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { results[w], errs[w] = objects.CreateObjects(context.Background(), coll, posts[w]) })
	}
	waitQueued(db.group, writers)
	release()
	wg.Wait()

	seqs := map[int64]bool{}
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v", w, errs[w])
		}
		if len(results[w]) != each {
			t.Fatalf("writer %d: %d results, want %d", w, len(results[w]), each)
		}
		for i, r := range results[w] {
			if want := posts[w][i].ID; r.ID != want || !r.Added {
				t.Errorf("writer %d, result %d: %s (added %v), want its own object %s, added", w, i, r.ID, r.Added, want)
			}
			if r.Seq <= 0 || seqs[r.Seq] {
				t.Errorf("writer %d, result %d: Seq %d is not a new positive number", w, i, r.Seq)
			}
			seqs[r.Seq] = true
		}
	}
	// The holding write's group, then one group for all the writers.
	if got := db.group.groups.Load() - groups; got != 2 {
		t.Errorf("%d calls committed in %d transactions after the held one, want 1", writers, got-1)
	}
	if got := db.group.writes.Load() - writes; got != writers+1 {
		t.Errorf("%d writes committed, want %d (the held one and the writers)", got, writers+1)
	}
	page, err := objects.FindObjects(context.Background(), rampart.ObjectFilter{CollectionID: coll, Limit: rampart.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Versions) != writers*each {
		t.Errorf("the collection lists %d versions, want %d", len(page.Versions), writers*each)
	}
	for i := 1; i < len(page.Versions); i++ {
		a, b := page.Versions[i-1], page.Versions[i]
		if b.Seq <= a.Seq || !b.DateAdded.After(a.DateAdded) {
			t.Fatalf("versions %d and %d: Seq %d then %d, DateAdded %s then %s: not increasing", i-1, i, a.Seq, b.Seq, a.DateAdded, b.DateAdded)
		}
	}
}

// TestGroupFailureIsItsOwn puts, in one group, writes that succeed, a
// CreateObjects to a missing collection, a write that fails after it
// wrote a row and a status for a missing API root: the failing writes get
// their own errors and leave nothing; the others commit.
func TestGroupFailureIsItsOwn(t *testing.T) {
	db, coll := openCommitterTest(t)
	ctx := context.Background()
	objects, statuses := NewObjectService(db), NewServices(db).Statuses
	one, two := indicator(t, 1), indicator(t, 2)
	groups := db.group.groups.Load()
	release := hold(t, db.group)

	var wg sync.WaitGroup
	var good, missing, partial, kept, status error
	var goodResults []rampart.ObjectResult
	queued := 0
	start := func(f func()) {
		wg.Go(f)
		queued++
		waitQueued(db.group, queued)
	}
	start(func() { goodResults, good = objects.CreateObjects(ctx, coll, []*stix.Object{one}) })
	start(func() {
		_, missing = objects.CreateObjects(ctx, "00000000-0000-4000-8000-000000000000", []*stix.Object{two})
	})
	errPartial := errors.New("fails after writing")
	start(func() {
		partial = db.group.do(ctx, "partial", 1, func(ctx context.Context, tx *sql.Tx) error {
			if err := insertRow("partial")(ctx, tx); err != nil {
				return err
			}
			return errPartial
		})
	})
	start(func() { kept = db.group.do(ctx, "kept", 1, insertRow("kept")) })
	start(func() {
		status = statuses.CreateStatus(ctx, &rampart.Status{APIRoot: "no-such-root", Status: rampart.StatusComplete, RequestTimestamp: time.Now()})
	})
	release()
	wg.Wait()

	if good != nil || len(goodResults) != 1 || !goodResults[0].Added {
		t.Errorf("CreateObjects in the group: %v, %+v; want the object added", good, goodResults)
	}
	if rampart.ErrorCode(missing) != rampart.ENOTFOUND {
		t.Errorf("CreateObjects to a missing collection: %v, want ENOTFOUND", missing)
	}
	if !errors.Is(partial, errPartial) {
		t.Errorf("the failing write: %v, want its own error", partial)
	}
	if kept != nil {
		t.Errorf("the write after the failing one: %v", kept)
	}
	if rampart.ErrorCode(status) != rampart.ENOTFOUND {
		t.Errorf("CreateStatus for a missing API root: %v, want ENOTFOUND", status)
	}
	if got := rows(t, db); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("rows after the group: %q, want only the kept write's", got)
	}
	if got := db.group.groups.Load() - groups; got != 2 {
		t.Errorf("the writes were committed in %d transactions after the held one, want 1", got-1)
	}
	page, err := objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Versions) != 1 || page.Versions[0].Object.ID != one.ID {
		t.Errorf("the collection lists %d versions, want the one good object", len(page.Versions))
	}
}

// TestWriteCancelledWhileQueuedIsNotStored cancels a write that waits for
// its group: the call returns the context's error at once, while the
// writer is still held, and the write is never stored.
func TestWriteCancelledWhileQueuedIsNotStored(t *testing.T) {
	db, _ := openCommitterTest(t)
	release := hold(t, db.group)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- db.group.do(ctx, "cancelled", 1, insertRow("cancelled")) }()
	waitQueued(db.group, 1)
	cancel()
	// The writer is still held: the call returns without its group.
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("a queued write whose context was cancelled returned %v, want context.Canceled", err)
	}
	release()
	if err := db.group.do(context.Background(), "after", 1, insertRow("after")); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, db); !slices.Equal(got, []string{"after"}) {
		t.Errorf("rows: %q, want only the write made after the cancelled one", got)
	}
}

// TestWriteCancelledOnceStartedIsStoredAndTold cancels a write while its
// group runs it: the write is committed and its caller told so.
func TestWriteCancelledOnceStartedIsStoredAndTold(t *testing.T) {
	db, _ := openCommitterTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	started, proceed := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.group.do(ctx, "started", 1, func(fctx context.Context, tx *sql.Tx) error {
			close(started)
			<-proceed
			// The statements of a started write run whatever its
			// caller's context.
			return insertRow("started")(fctx, tx)
		})
	}()
	<-started
	cancel()
	close(proceed)
	if err := <-errc; err != nil {
		t.Errorf("a started write whose context was cancelled returned %v, want its outcome (stored)", err)
	}
	if got := rows(t, db); !slices.Equal(got, []string{"started"}) {
		t.Errorf("rows: %q, want the started write's", got)
	}
}

// TestGroupBound checks that a group takes queued writes, oldest first,
// up to the bound of objects, and that a write above the bound is
// committed in a group of its own.
func TestGroupBound(t *testing.T) {
	db, _ := openCommitterTest(t)
	c := newCommitter(db.write, 10)
	defer c.close()
	release := hold(t, c) // committed in group 0

	weights := []int{4, 4, 4, 20, 1, 1}
	group := make([]int64, len(weights)) // groups committed before each write ran
	var wg sync.WaitGroup
	for i, w := range weights {
		wg.Go(func() {
			err := c.do(context.Background(), "weighed", w, func(ctx context.Context, tx *sql.Tx) error {
				group[i] = c.groups.Load()
				return insertRow(fmt.Sprint(i))(ctx, tx)
			})
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		})
		waitQueued(c, i+1)
	}
	release()
	wg.Wait()
	if want := []int64{1, 1, 2, 3, 4, 4}; !slices.Equal(group, want) {
		t.Errorf("writes of %v objects ran in groups %v, want %v", weights, group, want)
	}
}

// TestCloseCommitsQueuedWrites closes the store while a write waits for
// its group: the write is committed, and a write after Close is refused.
func TestCloseCommitsQueuedWrites(t *testing.T) {
	db, _ := openCommitterTest(t)
	c := newCommitter(db.write, groupObjects)
	release := hold(t, c)
	errc := make(chan error, 1)
	go func() { errc <- c.do(context.Background(), "queued", 1, insertRow("queued")) }()
	waitQueued(c, 1)
	closed := make(chan struct{})
	go func() { c.close(); close(closed) }()
	release()
	<-closed
	if err := <-errc; err != nil {
		t.Errorf("a write queued before close: %v", err)
	}
	if got := rows(t, db); !slices.Equal(got, []string{"queued"}) {
		t.Errorf("rows: %q, want the queued write's", got)
	}
	if err := c.do(context.Background(), "late", 1, insertRow("late")); !errors.Is(err, errClosed) {
		t.Errorf("a write after close: %v, want errClosed", err)
	}
}
