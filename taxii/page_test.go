package taxii_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// sizedNote is version v (0, 1, …) of note n, of about size bytes of JSON.
func sizedNote(t testing.TB, n, v, size int) *stix.Object {
	t.Helper()
	modified := time.Date(2026, 11, 1, 0, 0, v, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--%08d-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":%q,"content":%q,"object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`, n, modified, strings.Repeat("x", max(size-250, 1))))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// spyObjects is an ObjectService that records the most JSON one
// FindObjects call returned and how many times each object's JSON was
// read, and fails every call after failAfter calls when failAfter > 0.
type spyObjects struct {
	rampart.ObjectService
	mu        sync.Mutex
	calls     int
	failAfter int
	largest   int            // bytes of JSON in one answer
	bodies    map[string]int // object id → reads of its JSON
}

func (s *spyObjects) FindObjects(ctx context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	s.mu.Lock()
	s.calls++
	fail := s.failAfter > 0 && s.calls > s.failAfter
	s.mu.Unlock()
	if fail {
		return nil, errors.New("the disk is on fire")
	}
	p, err := s.ObjectService.FindObjects(ctx, f)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, v := range p.Versions {
		n += len(v.Object.Raw)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.largest = max(s.largest, n)
	if s.bodies == nil {
		s.bodies = map[string]int{}
	}
	for _, v := range p.Versions {
		if v.Object.Raw != nil {
			s.bodies[v.Object.ID]++
		}
	}
	return p, nil
}

// reads returns how many times the JSON of each object was read, and
// forgets it.
func (s *spyObjects) reads() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bodies
	s.bodies = nil
	return b
}

// withholdIDs is an AccessService that withholds the objects it names.
type withholdIDs map[string]bool

func (withholdIDs) Reader(context.Context, *rampart.Account) (rampart.Reader, error) {
	return rampart.Reader{Relation: rampart.RelationOwn}, nil
}

func (w withholdIDs) Release(_ context.Context, _ rampart.Reader, _ string, objs []*stix.Object) ([]*stix.Object, error) {
	out := make([]*stix.Object, len(objs))
	for i, o := range objs {
		if !w[o.ID] {
			out[i] = o
		}
	}
	return out, nil
}

// TestPageStopsAtByteCap checks that a page of large objects ends before
// the object that would take it beyond MaxPageBytes, with "more" and a
// "next" that resumes after it, that an object larger than the cap comes
// alone, and that no read from the store brings much more than
// PageBufferBytes into memory.
func TestPageStopsAtByteCap(t *testing.T) {
	var objs []*stix.Object
	for i := range 6 {
		objs = append(objs, sizedNote(t, i, 0, 4000))
	}
	big := sizedNote(t, 6, 0, 12000)
	objs = append(objs, big, sizedNote(t, 7, 0, 4000))
	spy := &spyObjects{}
	hs := newHookServer(t, func(s *taxii.Server) {
		spy.ObjectService = s.Objects
		s.Objects = spy
		s.MaxPageBytes = 10000
		s.PageBufferBytes = 5000
	}, objs...)
	ctx := context.Background()

	var pages [][]string
	q := taxii.Query{Limit: 100}
	for len(pages) < 10 {
		p, err := hs.client.Objects(ctx, "api", hs.coll, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range p.Objects {
			ids = append(ids, o.ID[len("note--"):len("note--")+8])
		}
		pages = append(pages, ids)
		if !p.More {
			break
		}
		if p.Next == "" {
			t.Fatalf("page %d: more without next", len(pages))
		}
		q.Next = p.Next
	}
	want := [][]string{{"00000000", "00000001"}, {"00000002", "00000003"}, {"00000004", "00000005"}, {"00000006"}, {"00000007"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	if limit := 5000 + len(big.Raw); spy.largest > limit {
		t.Errorf("one read from the store returned %d bytes of JSON; want at most %d (PageBufferBytes and one object)", spy.largest, limit)
	}
}

// TestPagingReturnsEachVersionOnce pages through every version of a
// collection of objects of mixed sizes, some withheld, under several caps
// (pages held whole, pages read again as they are written), and checks
// that each released version comes exactly once, in date_added order,
// that no page exceeds its caps unless it holds one object, and that the
// date headers of consecutive pages follow each other.
func TestPagingReturnsEachVersionOnce(t *testing.T) {
	var objs []*stix.Object
	withheld := withholdIDs{}
	var want []string
	for i := range 30 {
		size := 300 + (i*7919)%5000
		if i%11 == 5 {
			size = 9000
		}
		versions := 1 + i%3
		for v := range versions {
			o := sizedNote(t, i, v, size)
			objs = append(objs, o)
			if i%4 == 3 {
				withheld[o.ID] = true
				continue
			}
			want = append(want, o.ID+"@"+o.Modified.String())
		}
	}
	for _, tc := range []struct {
		name             string
		maxBytes, buffer int64
		limit            int
	}{
		{"held", 1 << 20, 1 << 20, 7},
		{"capped and held", 8000, 1 << 20, 50},
		{"capped and read again", 8000, 2000, 50},
		{"read again", 1 << 20, 3000, 13},
		{"one at a time", 1, 1, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHookServer(t, func(s *taxii.Server) {
				s.Access = withheld
				s.MaxPageBytes, s.PageBufferBytes = tc.maxBytes, tc.buffer
			}, objs...)
			ctx := context.Background()
			var got []string
			var last time.Time
			q := taxii.Query{Limit: tc.limit, Versions: []string{"all"}}
			for page := 0; ; page++ {
				if page > 200 {
					t.Fatal("paging does not end")
				}
				p, err := hs.client.Objects(ctx, "api", hs.coll, q)
				if err != nil {
					t.Fatal(err)
				}
				bytes := 0
				for _, o := range p.Objects {
					got = append(got, o.ID+"@"+o.Modified.String())
					bytes += len(o.Raw)
				}
				if len(p.Objects) > 1 && int64(bytes) > tc.maxBytes {
					t.Errorf("page %d: %d objects, %d bytes: beyond MaxPageBytes %d", page, len(p.Objects), bytes, tc.maxBytes)
				}
				if len(p.Objects) > tc.limit {
					t.Errorf("page %d: %d objects, limit %d", page, len(p.Objects), tc.limit)
				}
				if !p.DateAddedFirst.IsZero() {
					if !p.DateAddedFirst.After(last) || p.DateAddedLast.Before(p.DateAddedFirst) {
						t.Errorf("page %d: dates %v..%v after a page ending %v", page, p.DateAddedFirst, p.DateAddedLast, last)
					}
					last = p.DateAddedLast
				}
				if !p.More {
					break
				}
				q.Next = p.Next
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("versions served (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPageReadFailsAfterHeaders checks that a page whose body is being
// written when the store fails ends in a broken response, never in an
// envelope that looks whole without the objects it should hold.
func TestPageReadFailsAfterHeaders(t *testing.T) {
	var objs []*stix.Object
	for i := range 6 {
		objs = append(objs, sizedNote(t, i, 0, 3000))
	}
	spy := &spyObjects{}
	hs := newHookServer(t, func(s *taxii.Server) {
		spy.ObjectService = s.Objects
		s.Objects = spy
		s.PageBufferBytes = 4000
	}, objs...)
	// The metadata listing and the page's first part are read before
	// the status is written; the second part fails.
	spy.mu.Lock()
	spy.calls, spy.failAfter = 0, 2
	spy.mu.Unlock()
	req, _ := http.NewRequest("GET", hs.url+"/api/collections/"+hs.coll+"/objects/", nil)
	req.SetBasicAuth("admin", "correct horse battery staple")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if err == nil {
		t.Errorf("the body ended cleanly after the store failed (%d bytes): %s", len(body), body[:min(len(body), 200)])
	}
}

// TestPageReadsEachObjectOnce checks that a page's extent is decided
// without reading the JSON of the versions it does not cover (the
// version after its last one is not read to learn that it does not fit),
// and that each object the page covers is read from the store once,
// whether the page is held or written as the client takes it, with
// Access asked about every object.
func TestPageReadsEachObjectOnce(t *testing.T) {
	var objs []*stix.Object
	for i := range 5 {
		objs = append(objs, sizedNote(t, i, 0, 4000))
	}
	// One object near the byte cap, then one more.
	objs = append(objs, sizedNote(t, 5, 0, 11000), sizedNote(t, 6, 0, 4000))
	id := func(i int) string { return objs[i].ID }
	// Pages of three objects of about 4000 bytes.
	maxBytes := int64(3*len(objs[0].Raw) + 10)
	for _, tc := range []struct {
		name             string
		maxBytes, buffer int64
		pages            []map[string]int // reads of JSON while each page is served
	}{
		{"held", maxBytes, maxBytes, []map[string]int{
			{id(0): 1, id(1): 1, id(2): 1},
			{id(3): 1, id(4): 1},
			{id(5): 1},
			{id(6): 1},
		}},
		{"read as written", maxBytes, 5000, []map[string]int{
			{id(0): 1, id(1): 1, id(2): 1},
			{id(3): 1, id(4): 1},
			{id(5): 1},
			{id(6): 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spy := &spyObjects{}
			hs := newHookServer(t, func(s *taxii.Server) {
				spy.ObjectService = s.Objects
				s.Objects = spy
				s.Access = releaseAll{}
				s.MaxPageBytes, s.PageBufferBytes = tc.maxBytes, tc.buffer
			}, objs...)
			spy.reads()
			var got []map[string]int
			q := taxii.Query{Limit: 100}
			for range 10 {
				p, err := hs.client.Objects(context.Background(), "api", hs.coll, q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, spy.reads())
				if !p.More {
					break
				}
				q.Next = p.Next
			}
			if diff := cmp.Diff(tc.pages, got); diff != "" {
				t.Errorf("reads of each object's JSON, page by page (-want +got):\n%s", diff)
			}
		})
	}
}

// blockingFinds is an ObjectService whose FindObjects tells started and
// waits for its request to end, then fails as SQLite does when a
// statement is cancelled.
type blockingFinds struct {
	rampart.ObjectService
	started chan struct{}
}

func (b *blockingFinds) FindObjects(ctx context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	close(b.started)
	<-ctx.Done()
	return nil, errors.New("find objects: sqlite3: interrupted")
}

// TestPageClientGoneIsNotAnError checks that a client that goes away while
// its page is read is logged at INFO, not as an internal error.
func TestPageClientGoneIsNotAnError(t *testing.T) {
	logs := &syncBuffer{}
	store := &blockingFinds{started: make(chan struct{})}
	hs := newHookServer(t, func(s *taxii.Server) {
		store.ObjectService = s.Objects
		s.Objects = store
		s.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := hs.client.Objects(ctx, "api", hs.coll, taxii.Query{})
		done <- err
	}()
	<-store.started
	cancel()
	<-done
	for deadline := time.Now().Add(time.Minute); !strings.Contains(logs.String(), "client gone") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := logs.String(); !strings.Contains(got, "level=INFO msg=\"client gone\"") || strings.Contains(got, "level=ERROR") {
		t.Errorf("a client gone while its page was read was logged as:\n%s", got)
	}
}
