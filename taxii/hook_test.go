package taxii_test

import (
	"context"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/taxii"
)

// hookServer is a TAXII server on a fresh SQLite store with one collection
// holding objs, and a client for it.
type hookServer struct {
	srv      *taxii.Server
	client   *taxii.Client
	coll     string
	url      string
	accounts rampart.AccountService
	orgs     rampart.OrganizationService
}

func newHookServer(t testing.TB, configure func(*taxii.Server), objs ...*stix.Object) *hookServer {
	t.Helper()
	return newOrgServer(t, func(s *taxii.Server, _ rampart.OrganizationService) { configure(s) }, objs...)
}

// newOrgServer is newHookServer whose configure also gets the store's
// organisations.
func newOrgServer(t testing.TB, configure func(*taxii.Server, rampart.OrganizationService), objs ...*stix.Object) *hookServer {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "rampart.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	accounts := sqlite.NewServices(db).Accounts
	accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
	collections := sqlite.NewServices(db).Collections
	if err := collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api", Title: "API"}); err != nil {
		t.Fatal(err)
	}
	c := &rampart.Collection{APIRoot: "api", Title: "shared"}
	if err := collections.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := accounts.CreateAccount(ctx, &rampart.Account{Name: "admin", Admin: true}, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	objects := sqlite.NewObjectService(db)
	for _, o := range objs {
		// One at a time, so each version has its own date_added.
		if _, err := objects.CreateObjects(ctx, c.ID, []*stix.Object{o}); err != nil {
			t.Fatal(err)
		}
	}
	s := taxii.NewServer()
	s.Objects, s.Collections, s.Accounts, s.Statuses, s.Secrets = objects, collections, accounts, sqlite.NewServices(db).Statuses, sqlite.NewServices(db).Secrets
	orgs := sqlite.NewServices(db).Organizations
	configure(s, orgs)
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &hookServer{srv: s, coll: c.ID, url: hs.URL, accounts: accounts, orgs: orgs, client: &taxii.Client{BaseURL: hs.URL, User: "admin", Password: "correct horse battery staple"}}
}

func hookObject(t testing.TB, n int, name string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--%08d-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":%q,"object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`, n, name))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func noteContents(t *testing.T, objs []*stix.Object) []string {
	t.Helper()
	var out []string
	for _, o := range objs {
		var n struct {
			Content string `json:"content"`
		}
		if err := o.Decode(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n.Content)
	}
	return out
}

// withholding is an AccessService that withholds the notes whose content
// is "drop", counting the calls.
type withholding struct{ calls int }

func (w *withholding) Reader(context.Context, *rampart.Account) (rampart.Reader, error) {
	return rampart.Reader{Relation: rampart.RelationOwn}, nil
}

func (w *withholding) Release(_ context.Context, _ rampart.Reader, _ string, objs []*stix.Object) ([]*stix.Object, error) {
	w.calls++
	out := slices.Clone(objs)
	for i, o := range objs {
		var n struct {
			Content string `json:"content"`
		}
		if err := o.Decode(&n); err != nil {
			return nil, err
		}
		if n.Content == "drop" {
			out[i] = nil
		}
	}
	return out, nil
}

// TestServerWithholds checks that what Access withholds is left out while
// paging, "more", "next" and the date headers still cover every stored
// version, so a client's cursor moves past what it may not see.
func TestServerWithholds(t *testing.T) {
	keep, drop, keep3 := hookObject(t, 1, "keep"), hookObject(t, 2, "drop"), hookObject(t, 3, "keep")
	drop2, keep2 := hookObject(t, 4, "drop"), hookObject(t, 5, "keep")
	access := &withholding{}
	hs := newHookServer(t, func(s *taxii.Server) { s.Access = access }, keep, drop, keep3, drop2, keep2)
	ctx := context.Background()

	var got [][]string
	var lastAdded time.Time
	q := taxii.Query{Limit: 2}
	for range 5 {
		p, err := hs.client.Objects(ctx, "api", hs.coll, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, noteContents(t, p.Objects))
		lastAdded = p.DateAddedLast
		if !p.More {
			break
		}
		if p.Next == "" {
			t.Fatalf("page %d: more without next", len(got))
		}
		q.Next = p.Next
	}
	want := [][]string{{"keep"}, {"keep"}, {"keep"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}

	// A page whose every object is withheld still says there is more, and
	// its headers let the client resume after it.
	p, err := hs.client.Objects(ctx, "api", hs.coll, taxii.Query{AddedAfter: lastAdded.Add(-time.Hour), Limit: 1, IDs: []string{drop.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Objects) != 0 || p.DateAddedLast.IsZero() {
		t.Errorf("withheld page: %d objects, date_added_last %v; want none and a date", len(p.Objects), p.DateAddedLast)
	}
	rp, err := hs.client.RawObjects(ctx, "api", hs.coll, taxii.Query{Limit: 2, IDs: []string{drop.ID, drop2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Objects) != 0 || rp.DateAddedLast.IsZero() {
		t.Errorf("page of withheld objects: %d objects; want none, with its date headers", len(rp.Objects))
	}

	// The endpoints that list versions show only what is released: a
	// withheld object does not exist there.
	for _, id := range []string{drop.ID, drop2.ID} {
		_, err := hs.client.Object(ctx, "api", hs.coll, id, taxii.Query{})
		var ce *taxii.ClientError
		if !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound {
			t.Errorf("GET object %s: %v, want 404", id, err)
		}
		_, err = hs.client.Versions(ctx, "api", hs.coll, id, taxii.Query{})
		if !errors.As(err, &ce) || ce.StatusCode != http.StatusNotFound {
			t.Errorf("GET versions %s: %v, want 404", id, err)
		}
	}
	if p, err := hs.client.Object(ctx, "api", hs.coll, keep.ID, taxii.Query{}); err != nil || len(p.Objects) != 1 {
		t.Errorf("GET object of a released object: %v, %v", p, err)
	}
	m, err := hs.client.Manifest(ctx, "api", hs.coll, taxii.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range m.Objects {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{keep.ID, keep3.ID, keep2.ID}, ids); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	if access.calls == 0 {
		t.Errorf("Access was never asked")
	}
}

// TestServerAuthenticate checks that Authenticate replaces HTTP Basic and
// bearer tokens, and that its account's grants apply.
func TestServerAuthenticate(t *testing.T) {
	var coll string
	hs := newHookServer(t, func(s *taxii.Server) {
		s.Authenticate = func(r *http.Request) (*rampart.Account, error) {
			switch r.Header.Get("X-Test-Peer") {
			case "reader":
				return &rampart.Account{Name: "peer", Grants: []rampart.Grant{{CollectionID: coll, Read: true}}}, nil
			case "nobody":
				return nil, nil
			}
			return nil, rampart.Errorf(rampart.EUNAUTHORIZED, "not a peer")
		}
	}, hookObject(t, 1, "keep"))
	coll = hs.coll
	ctx := context.Background()

	// Good Basic credentials are not enough once Authenticate is set.
	_, err := hs.client.Collections(ctx, "api")
	var ce *taxii.ClientError
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusUnauthorized || !strings.Contains(ce.Error(), "not a peer") {
		t.Errorf("Basic credentials with Authenticate set: %v, want 401 not a peer", err)
	}

	for _, tc := range []struct {
		peer   string
		status int
	}{{"reader", http.StatusOK}, {"nobody", http.StatusUnauthorized}} {
		hc := &http.Client{Transport: headerTransport{"X-Test-Peer", tc.peer}}
		c := &taxii.Client{BaseURL: hs.client.BaseURL, HTTPClient: hc}
		_, err := c.Objects(ctx, "api", hs.coll, taxii.Query{})
		got := http.StatusOK
		if errors.As(err, &ce) {
			got = ce.StatusCode
		} else if err != nil {
			t.Fatal(err)
		}
		if got != tc.status {
			t.Errorf("peer %q reading: status %d (%v), want %d", tc.peer, got, err, tc.status)
		}
		if tc.peer == "reader" {
			_, err := c.AddObjects(ctx, "api", hs.coll, []*stix.Object{hookObject(t, 7, "x")})
			if !errors.As(err, &ce) || ce.StatusCode != http.StatusForbidden {
				t.Errorf("read-only peer writing: %v, want 403", err)
			}
		}
	}
}

type headerTransport struct{ name, value string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// TestClientRawObjects checks that RawObjects hands back a page whose one
// object is malformed, where Objects fails the whole page.
func TestClientRawObjects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		w.Header().Set("X-TAXII-Date-Added-First", "2026-03-01T10:00:00.000001Z")
		w.Header().Set("X-TAXII-Date-Added-Last", "2026-03-01T10:00:00.000002Z")
		fmt.Fprint(w, `{"more":true,"next":"n1","objects":[{"type":"note","id":"bad"},{"type":"note","spec_version":"2.1","id":"note--00000001-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":"ok","object_refs":["identity--11111111-1111-4111-8111-111111111111"]}]}`)
	}))
	defer srv.Close()
	c := &taxii.Client{BaseURL: srv.URL}
	ctx := context.Background()
	if _, err := c.Objects(ctx, "api", "c", taxii.Query{}); err == nil {
		t.Errorf("Objects accepted a page with a malformed object")
	}
	p, err := c.RawObjects(ctx, "api", "c", taxii.Query{})
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 3, 1, 10, 0, 0, 2000, time.UTC)
	if len(p.Objects) != 2 || !p.More || p.Next != "n1" || !p.DateAddedLast.Equal(last) {
		t.Errorf("raw page: %d objects, more %v, next %q, last %v", len(p.Objects), p.More, p.Next, p.DateAddedLast)
	}
	if !slices.ContainsFunc(p.Objects, func(v jsontext.Value) bool { return strings.Contains(string(v), `"id":"bad"`) }) {
		t.Errorf("the malformed object is missing from the raw page")
	}
}
