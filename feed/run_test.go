package feed

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// memStore is a collection in memory that validates what it stores as a
// node does.
type memStore struct {
	mu       sync.Mutex
	versions map[string][]*stix.Object // by id, oldest first
	writes   int
	// refuse refuses objects whose JSON holds it, as a warninglist that
	// drops would.
	refuse string
}

func newMemStore() *memStore { return &memStore{versions: map[string][]*stix.Object{}} }

func (m *memStore) Find(_ context.Context, ids []string) (map[string]*stix.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]*stix.Object{}
	for _, id := range ids {
		if v := m.versions[id]; len(v) > 0 {
			out[id] = v[len(v)-1]
		}
	}
	return out, nil
}

func (m *memStore) Store(_ context.Context, objs []*stix.Object) ([]Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := stix.Validator{Pattern: func(p string) error { _, err := pattern.Compile(p); return err }}
	res := make([]Result, len(objs))
	for i, o := range objs {
		if err := v.Validate(o); err != nil {
			res[i].Err = err
			continue
		}
		if m.refuse != "" && strings.Contains(string(o.Raw), m.refuse) {
			res[i].Err = fmt.Errorf("on warninglist %q", "test")
			continue
		}
		vs := m.versions[o.ID]
		if len(vs) > 0 && vs[len(vs)-1].Modified.Equal(o.Modified) {
			continue
		}
		m.versions[o.ID] = append(vs, o)
		m.writes++
		res[i].Added = true
	}
	return res, nil
}

func (m *memStore) indicator(t *testing.T, id string) stix.Indicator {
	t.Helper()
	vs := m.versions[id]
	if len(vs) == 0 {
		t.Fatalf("no %s stored", id)
	}
	var ind stix.Indicator
	if err := json.Unmarshal(vs[len(vs)-1].Raw, &ind); err != nil {
		t.Fatal(err)
	}
	return ind
}

// feedServer serves a body that tests change, with an ETag when etag is
// set, or fails with status.
type feedServer struct {
	mu     sync.Mutex
	body   string
	etag   string
	status int
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status != 0 {
		http.Error(w, "down", s.status)
		return
	}
	if s.etag != "" {
		if r.Header.Get("If-None-Match") == s.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", s.etag)
	}
	io.WriteString(w, s.body)
}

func (s *feedServer) set(body, etag string, status int) {
	s.mu.Lock()
	s.body, s.etag, s.status = body, etag, status
	s.mu.Unlock()
}

func TestRunLifecycle(t *testing.T) {
	fs := &feedServer{body: "# list\n192.0.2.1\n192.0.2.2\nnonsense!\nevil.example\n192.0.2.1\n"}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := &Runner{Fetcher: &Fetcher{}, Now: func() time.Time { return now }}
	f := &Feed{Name: "test", URL: srv.URL + "/list.txt?key=secret", Format: FormatList, Comment: "#",
		Producer: "Example CERT", Marking: "green", Confidence: ptr(70), Expiry: Duration{24 * time.Hour}}
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}
	st := newMemStore()
	var state State
	ctx := context.Background()
	check := func(run *Run, status Status, want [6]int) {
		t.Helper()
		got := [6]int{run.Fetched, run.New, run.Updated, run.Unchanged, run.Expired, run.Failed}
		if run.Status != status || got != want {
			t.Fatalf("run: %s; want %s with fetched, new, updated, unchanged, expired, failed = %v", run.Summary(), status, want)
		}
	}

	// First run: three values (one listed twice), one bad line.
	run := r.Run(ctx, f, st, &state)
	check(run, StatusOK, [6]int{5, 3, 0, 0, 0, 1})
	if len(run.Failures) != 1 || run.Failures[0].Line != 4 || !strings.Contains(run.Failures[0].Reason, `"nonsense!"`) {
		t.Errorf("failures: %+v", run.Failures)
	}
	id := IndicatorID("test", KindIPv4, "192.0.2.1")
	ind := st.indicator(t, id)
	if ind.Pattern != "[ipv4-addr:value = '192.0.2.1']" || ind.ValidUntil.Time() != now.Add(24*time.Hour) ||
		*ind.Confidence != 70 || ind.ObjectMarkingRefs[0] != stix.TLPGreenID || ind.CreatedByRef == "" {
		t.Errorf("indicator: %+v", ind)
	}
	if strings.Contains(string(st.versions[id][0].Raw), "secret") {
		t.Errorf("the indicator cites the feed URL with its key: %s", st.versions[id][0].Raw)
	}
	producer, _ := ProducerIdentity("Example CERT")
	if ind.CreatedByRef != producer.ID || len(st.versions[producer.ID]) != 1 {
		t.Errorf("producer identity %s not stored or not referenced", producer.ID)
	}

	// Run again an hour later: nothing to store.
	now = now.Add(time.Hour)
	writes := st.writes
	check(r.Run(ctx, f, st, &state), StatusOK, [6]int{5, 0, 0, 3, 0, 1})
	if st.writes != writes {
		t.Errorf("an unchanged run stored %d versions", st.writes-writes)
	}

	// Past half the expiry, a value seen again gets a later valid_until.
	now = now.Add(12 * time.Hour)
	check(r.Run(ctx, f, st, &state), StatusOK, [6]int{5, 0, 3, 0, 0, 1})
	if ind := st.indicator(t, id); ind.ValidUntil.Time() != now.Add(24*time.Hour) || ind.Created.Time() != time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) {
		t.Errorf("refreshed indicator: valid_until %s, created %s", ind.ValidUntil, ind.Created)
	}

	// The feed fails: nothing expires, nothing is lost, the failure is
	// recorded with its reason.
	fs.set("", "", http.StatusBadGateway)
	now = now.Add(48 * time.Hour)
	run = r.Run(ctx, f, st, &state)
	if run.Status != StatusFailed || !strings.Contains(run.Error, "502") || run.Expired != 0 {
		t.Errorf("failing feed: %s", run.Summary())
	}
	if len(state.Known) != 3 {
		t.Errorf("a failed run changed the index: %d ids", len(state.Known))
	}

	// Garbage is refused as a whole, and expires nothing either.
	fs.set("<html><body>Please log in</body></html>", "", 0)
	run = r.Run(ctx, f, st, &state)
	if run.Status != StatusFailed || !strings.Contains(run.Error, "HTML") || run.Expired != 0 {
		t.Errorf("garbage: %s", run.Summary())
	}

	// Back, without 192.0.2.2: it has expired; the others are renewed.
	fs.set("192.0.2.1\nevil.example\n", `"v2"`, 0)
	check(r.Run(ctx, f, st, &state), StatusOK, [6]int{2, 0, 2, 0, 1, 0})
	if state.ETag != `"v2"` {
		t.Errorf("etag not kept: %q", state.ETag)
	}
	// The same body again: 304.
	run = r.Run(ctx, f, st, &state)
	if run.Status != StatusNotModified {
		t.Errorf("conditional run: %s", run.Summary())
	}
	// The expired one is counted once only.
	fs.set("192.0.2.1\nevil.example\n", `"v3"`, 0)
	check(r.Run(ctx, f, st, &state), StatusOK, [6]int{2, 0, 0, 2, 0, 0})
}

// TestRunRevokedStaysRevoked: a feed does not bring back an indicator an
// analyst revoked.
func TestRunRevokedStaysRevoked(t *testing.T) {
	fs := &feedServer{body: "192.0.2.9\n"}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	r := &Runner{}
	f := &Feed{Name: "rv", URL: srv.URL, Format: FormatList}
	st := newMemStore()
	var state State
	r.Run(context.Background(), f, st, &state)
	id := IndicatorID("rv", KindIPv4, "192.0.2.9")
	raw := strings.Replace(string(st.versions[id][0].Raw), `"modified":"`, `"revoked":true,"modified":"2099-01-01T00:00:00.000Z","x":"`, 1)
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	st.versions[id] = append(st.versions[id], o)
	if run := r.Run(context.Background(), f, st, &state); run.Unchanged != 1 || len(st.versions[id]) != 2 {
		t.Errorf("revoked indicator: %s, %d versions", run.Summary(), len(st.versions[id]))
	}
}

type fakeTAXII struct{ objs []*stix.Object }

func (f *fakeTAXII) Poll(_ context.Context, _ *Feed, after time.Time, emit func(*stix.Object, error) error) (time.Time, error) {
	last := after
	for i, o := range f.objs {
		added := time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)
		if !added.After(after) {
			continue
		}
		if err := emit(o, nil); err != nil {
			return last, err
		}
		last = added
	}
	return last, nil
}

func TestRunTAXIIAndMISP(t *testing.T) {
	var objs []*stix.Object
	for _, p := range []string{"[ipv4-addr:value = '192.0.2.1']", "[broken"} {
		o, err := stix.NewObject(&stix.Indicator{CommonProperties: stix.CommonProperties{Type: "indicator", SpecVersion: "2.1", ID: stix.NewID("indicator"),
			Created: stix.MustTimestamp("2026-01-01T00:00:00.000Z"), Modified: stix.MustTimestamp("2026-01-01T00:00:00.000Z")},
			Pattern: p, PatternType: "stix", ValidFrom: stix.MustTimestamp("2026-01-01T00:00:00Z")})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	r := &Runner{TAXII: &fakeTAXII{objs: objs}}
	f := &Feed{Name: "peer", URL: "https://taxii.example/taxii2/cti/collections/x/", Format: FormatTAXII}
	st := newMemStore()
	var state State
	run := r.Run(context.Background(), f, st, &state)
	if run.Status != StatusOK || run.New != 1 || run.Failed != 1 || !state.Cursor.Equal(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)) {
		t.Errorf("taxii run: %s, cursor %s", run.Summary(), state.Cursor)
	}
	if run = r.Run(context.Background(), f, st, &state); run.Fetched != 0 {
		t.Errorf("the cursor did not hold: %s", run.Summary())
	}
	f.Format = FormatMISP
	if run = r.Run(context.Background(), f, st, &state); run.Status != StatusFailed || !strings.Contains(run.Error, "MISP feed format not available") {
		t.Errorf("misp without a reader: %s", run.Summary())
	}
}

func TestIndicatorIDDeterministic(t *testing.T) {
	a, b := IndicatorID("f", KindIPv4, "192.0.2.1"), IndicatorID("f", KindIPv4, "192.0.2.1")
	if a != b || a == IndicatorID("g", KindIPv4, "192.0.2.1") || stix.UUIDVersion(strings.TrimPrefix(a, "indicator--")) != 5 {
		t.Errorf("ids: %s %s", a, b)
	}
}

// TestRunSamples runs every sample through its preset into a store that
// validates as a node does: every value read becomes a valid indicator.
func TestRunSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			entries, _, _ := readSample(t, s)
			unique := map[string]bool{}
			for _, e := range entries {
				unique[string(e.Kind)+e.Value] = true
			}
			srv := httptest.NewServer(http.FileServer(http.Dir("../testdata/feeds")))
			defer srv.Close()
			f, _ := Preset(s.preset)
			f.Name, f.URL = s.preset, srv.URL+"/"+s.file
			if err := f.Check(); err != nil {
				t.Fatal(err)
			}
			st := newMemStore()
			var state State
			run := (&Runner{}).Run(context.Background(), &f, st, &state)
			if run.Status != StatusOK || run.New != len(unique) || run.Failed != s.failed || run.Skipped != s.skipped {
				t.Fatalf("run: %s (want %d new); failures %+v", run.Summary(), len(unique), run.Failures)
			}
			// Served by a file server, the sample has validators: a run
			// again is answered 304.
			if run := (&Runner{}).Run(context.Background(), &f, st, &state); run.Status != StatusNotModified {
				t.Errorf("second run: %s", run.Summary())
			}
		})
	}
}

// TestPatternEveryKind: the pattern of every kind compiles, quotes and
// backslashes in values included.
func TestPatternEveryKind(t *testing.T) {
	for _, c := range []struct {
		k    Kind
		v    string
		want string
	}{
		{KindIPv4, "192.0.2.1", "[ipv4-addr:value = '192.0.2.1']"},
		{KindIPv6, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"},
		{KindCIDR, "192.0.2.0/24", "[ipv4-addr:value ISSUBSET '192.0.2.0/24']"},
		{KindCIDR, "2001:db8::/32", "[ipv6-addr:value ISSUBSET '2001:db8::/32']"},
		{KindDomain, "evil.example", "[domain-name:value = 'evil.example']"},
		{KindURL, `http://evil.example/a'b\c`, `[url:value = 'http://evil.example/a\'b\\c']`},
		{KindMD5, "d41d8cd98f00b204e9800998ecf8427e", "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"},
		{KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"},
		{KindSHA256, strings.Repeat("ab", 32), "[file:hashes.'SHA-256' = '" + strings.Repeat("ab", 32) + "']"},
		{KindEmail, "x@evil.example", "[email-addr:value = 'x@evil.example']"},
		{KindASN, "64496", "[autonomous-system:number = 64496]"},
	} {
		p := Pattern(c.k, c.v)
		if p != c.want {
			t.Errorf("%s %q: got %s, want %s", c.k, c.v, p, c.want)
		}
		if _, err := pattern.Compile(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestRunStoreRefusesOne: an indicator the store refuses (a warninglist
// that drops it) fails alone, with its line and the store's reason.
func TestRunStoreRefusesOne(t *testing.T) {
	fs := &feedServer{body: "192.0.2.1\n8.8.8.8\n192.0.2.2\n"}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	st := newMemStore()
	st.refuse = "8.8.8.8"
	var state State
	run := (&Runner{}).Run(context.Background(), &Feed{Name: "w", URL: srv.URL, Format: FormatList}, st, &state)
	if run.Status != StatusOK || run.New != 2 || run.Failed != 1 || len(run.Failures) != 1 || run.Failures[0].Line != 2 ||
		!strings.Contains(run.Failures[0].Reason, `ipv4 8.8.8.8: on warninglist "test"`) {
		t.Errorf("run: %s %+v", run.Summary(), run.Failures)
	}
	if _, ok := state.Known[IndicatorID("w", KindIPv4, "8.8.8.8")]; ok || len(state.Known) != 2 {
		t.Errorf("the index holds the refused indicator: %v", state.Known)
	}
}
