package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// failingCreates is an ObjectService whose CreateObjects fails from the
// call numbered failAt (from 1) on.
type failingCreates struct {
	rampart.ObjectService
	mu     sync.Mutex
	calls  int
	failAt int
}

func (f *failingCreates) CreateObjects(ctx context.Context, coll string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls >= f.failAt
	f.mu.Unlock()
	if fail {
		return nil, errors.New("store objects: disk full")
	}
	return f.ObjectService.CreateObjects(ctx, coll, objs)
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// notes returns the JSON of n notes, numbered from 0.
func notes(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(sizedNote(t, i, 0, 300).Raw)
	}
	return out
}

// statusOf fetches the status named id as the administrator.
func statusOf(t *testing.T, hs *hookServer, id string) *taxii.StatusResource {
	t.Helper()
	st, err := hs.client.Status(context.Background(), "api", id)
	if err != nil {
		t.Fatalf("GET status %s: %v", id, err)
	}
	return st
}

// checkPartial checks a status of a POST that stopped early: stored
// objects as successes, the others as failures saying why, each named
// with its id and version.
func checkPartial(t *testing.T, st *taxii.StatusResource, stored, notStored int, why string) {
	t.Helper()
	if st.SuccessCount != stored || len(st.Successes) != stored || st.FailureCount != notStored || st.TotalCount != stored+notStored {
		t.Errorf("status: %d successes (%d listed), %d failures, total %d; want %d stored, %d not",
			st.SuccessCount, len(st.Successes), st.FailureCount, st.TotalCount, stored, notStored)
	}
	for _, d := range append(st.Successes, st.Failures...) {
		if d.ID == "" || d.Version == "" {
			t.Errorf("status detail without id or version: %+v", d)
		}
	}
	for _, d := range st.Failures {
		if !strings.HasPrefix(d.Message, "not stored: ") || !strings.Contains(d.Message, why) {
			t.Errorf("failure %s: %q, want it to say it was not stored because %s", d.ID, d.Message, why)
			break
		}
	}
}

// TestPostCutMidwayLeavesStatus checks that a POST whose body breaks after
// a batch was stored records a status listing what was stored and what was
// not, and answers an error that names it; and that one that breaks before
// any batch stores nothing and records nothing.
func TestPostCutMidwayLeavesStatus(t *testing.T) {
	hs := newHookServer(t, func(*taxii.Server) {})
	objs := notes(t, 6000)
	body := `{"objects":[` + strings.Join(objs, ",") + `,{"type":`

	req, _ := http.NewRequest("POST", hs.url+"/api/collections/"+hs.coll+"/objects/", strings.NewReader(body))
	req.SetBasicAuth("admin", "correct horse battery staple")
	req.Header.Set("Content-Type", taxii.MediaTypeTAXII)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var er taxii.ErrorResource
	json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || er.Details["status_id"] == "" || !strings.Contains(er.Description, "5000 objects stored before that") {
		t.Fatalf("POST cut after a batch: %d %+v; want 400 naming a status", resp.StatusCode, er)
	}
	checkPartial(t, statusOf(t, hs, er.Details["status_id"]), 5000, 1000, "the request body could not be read to its end")
	p, err := hs.client.Manifest(context.Background(), "api", hs.coll, taxii.Query{Limit: 1000, AddedAfter: time.Time{}})
	if err != nil || len(p.Objects) != 1000 || p.More == nil || !*p.More {
		t.Errorf("manifest after the cut POST: %v; want the 5000 stored", err)
	}

	// Cut before the first batch: nothing stored, the error alone.
	small := `{"objects":[` + strings.Join(objs[:10], ",") + `,{"type":`
	req, _ = http.NewRequest("POST", hs.url+"/api/collections/"+hs.coll+"/objects/", strings.NewReader(small))
	req.SetBasicAuth("admin", "correct horse battery staple")
	req.Header.Set("Content-Type", taxii.MediaTypeTAXII)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	er = taxii.ErrorResource{}
	json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || er.Details != nil {
		t.Errorf("POST cut before a batch: %d %+v; want 400 without a status", resp.StatusCode, er)
	}
}

// TestPostStoreFailsMidway checks that a POST whose store fails after a
// batch records a status of what was stored, answers 500 naming it, and
// keeps the store's message out of the answer.
func TestPostStoreFailsMidway(t *testing.T) {
	logs := &syncBuffer{}
	hs := newHookServer(t, func(s *taxii.Server) {
		s.Objects = &failingCreates{ObjectService: s.Objects, failAt: 2}
		s.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	_, err := hs.client.PostEnvelope(context.Background(), "api", hs.coll, strings.NewReader(`{"objects":[`+strings.Join(notes(t, 7000), ",")+`]}`))
	var ce *taxii.ClientError
	if !errors.As(err, &ce) || ce.StatusCode != 500 {
		t.Fatalf("POST whose store fails: %v, want 500", err)
	}
	if strings.Contains(ce.Error(), "disk full") {
		t.Errorf("the store's message reached the client: %v", ce)
	}
	m := regexp.MustCompile(`status ([0-9a-f-]{36})`).FindStringSubmatch(ce.Error())
	if m == nil {
		t.Fatalf("the answer names no status: %v", ce)
	}
	checkPartial(t, statusOf(t, hs, m[1]), 5000, 2000, "storing its batch failed: internal error")
	if !strings.Contains(logs.String(), "disk full") {
		t.Errorf("the store's error was not logged:\n%s", logs)
	}
}

// TestPostClientGoneLeavesStatus sends a POST whose client goes away
// after 6,000 of its objects, and checks that the 5,000 stored are listed
// in a status the log names, and that the node logs the disconnection at
// INFO, not as an internal error.
func TestPostClientGoneLeavesStatus(t *testing.T) {
	logs := &syncBuffer{}
	hs := newHookServer(t, func(s *taxii.Server) {
		s.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	u, _ := url.Parse(hs.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	part := `{"objects":[` + strings.Join(notes(t, 6000), ",") + `,`
	fmt.Fprintf(conn, "POST /api/collections/%s/objects/ HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		hs.coll, u.Host, basic("admin", "correct horse battery staple"), taxii.MediaTypeTAXII, len(part)*2)
	io.WriteString(conn, part)
	conn.Close()

	id := loggedStatus(t, logs)
	checkPartial(t, statusOf(t, hs, id), 5000, 1000, "the request body could not be read to its end")
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client that went away was logged as an error:\n%s", logs)
	}
}

// TestPostFailuresNameTheObject checks that every failure of a POST names
// the object's id and version whenever the object had them: objects that
// cannot be read and objects that Validate refuses, with modified or only
// created.
func TestPostFailuresNameTheObject(t *testing.T) {
	hs := newHookServer(t, func(s *taxii.Server) {
		s.Validate = func(o *stix.Object) error {
			if strings.Contains(string(o.Raw), "refuse me") {
				return errors.New("refused by validation")
			}
			return nil
		}
	})
	const (
		unreadable = `{"type":"note","id":"note--00000001-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-03T00:00:00.000Z","content":"x","object_refs":"not a list","spec_version":2.1}`
		noModified = `{"type":"note","spec_version":"2.1","id":"note--00000002-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","content":"refuse me","object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`
		noID       = `{"type":"note","created":"2026-11-01T00:00:00.000Z"}`
	)
	ok := string(sizedNote(t, 4, 0, 300).Raw)
	st, err := hs.client.PostEnvelope(context.Background(), "api", hs.coll, strings.NewReader(`{"objects":[`+strings.Join([]string{unreadable, noModified, noID, ok}, ",")+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range st.Failures {
		got[d.ID] = d.Version
	}
	want := map[string]string{
		"note--00000001-0000-4000-8000-000000000000": "2026-11-03T00:00:00.000Z",
		"note--00000002-0000-4000-8000-000000000000": "2026-11-01T00:00:00.000Z",
		"": "2026-11-01T00:00:00.000Z",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || st.SuccessCount != 1 {
		t.Errorf("failures (id: version) = %v, %d successes; want %v, 1", got, st.SuccessCount, want)
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// blockingCreates is an ObjectService whose second CreateObjects waits
// until the test releases it, then stores.
type blockingCreates struct {
	rampart.ObjectService
	mu       sync.Mutex
	calls    int
	waiting  chan struct{} // closed when the second call begins
	released chan struct{} // closed by the test
}

func (b *blockingCreates) CreateObjects(ctx context.Context, coll string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	b.mu.Lock()
	b.calls++
	n := b.calls
	b.mu.Unlock()
	if n == 2 {
		close(b.waiting)
		<-b.released
	}
	return b.ObjectService.CreateObjects(ctx, coll, objs)
}

// TestPostClientGoneWhileStoring sends 11,000 objects of a POST that
// announced more, and closes the connection while the node stores its
// second batch: the batch handed to the store is stored all the same, so
// the status lists both batches as stored and the 1,000 objects read
// after them as not stored because the body ended early, and nothing is
// logged as an error.
func TestPostClientGoneWhileStoring(t *testing.T) {
	logs := &syncBuffer{}
	store := &blockingCreates{waiting: make(chan struct{}), released: make(chan struct{})}
	hs := newHookServer(t, func(s *taxii.Server) {
		store.ObjectService = s.Objects
		s.Objects = store
		s.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	u, _ := url.Parse(hs.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	part := `{"objects":[` + strings.Join(notes(t, 11000), ",") + `,`
	fmt.Fprintf(conn, "POST /api/collections/%s/objects/ HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		hs.coll, u.Host, basic("admin", "correct horse battery staple"), taxii.MediaTypeTAXII, len(part)*2)
	written := make(chan error, 1)
	go func() { _, err := io.WriteString(conn, part); written <- err }()
	<-store.waiting
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	conn.Close()
	close(store.released)

	id := loggedStatus(t, logs)
	checkPartial(t, statusOf(t, hs, id), 10000, 1000, "the request body could not be read to its end")
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client that went away was logged as an error:\n%s", logs)
	}
}

// loggedStatus waits for the server to log a POST that stopped early and
// returns the status it names.
func loggedStatus(t *testing.T, logs *syncBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`POST stopped before the end of its envelope.* status=([0-9a-f-]{36})`)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no status logged for the POST cut short:\n%s", logs)
	return ""
}
