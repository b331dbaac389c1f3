package storetest

import (
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// The checks in this file need to look inside a store (its statements,
// its tables), which the services do not show: each store's own tests
// call them with a function that looks.

// CheckQueriesPerPage checks that reading a page of objects takes the
// same number of SQL queries whatever its size: two, the collection's row
// and then the page. selects returns the SELECT statements the store has
// run since its previous call.
func CheckQueriesPerPage(t *testing.T, s Services, selects func() []string) {
	t.Helper()
	coll := setup(t, s)
	const stored = 2500
	_, err := s.Objects.CreateObjects(ctx, coll, Indicators(0, stored))
	must(t, "create objects", err)
	for _, limit := range []int{1, 10, 1000, 0} {
		for _, f := range []rampart.ObjectFilter{
			{CollectionID: coll, Limit: limit},
			{CollectionID: coll, Limit: limit, Types: []string{"indicator", "malware"}, Versions: []string{"all"}},
			{CollectionID: coll, Limit: limit, SpecVersions: []string{"2.1"}, MetadataOnly: true},
		} {
			selects()
			p, err := s.Objects.FindObjects(ctx, f)
			must(t, "find objects", err)
			if want := min(limit, stored); limit > 0 && len(p.Versions) != want {
				t.Fatalf("limit %d: %d versions", limit, len(p.Versions))
			}
			if got := selects(); len(got) != 2 {
				t.Errorf("page of %d versions (%+v): %d queries, want 2:\n%s", len(p.Versions), f, len(got), strings.Join(got, "\n"))
			}
		}
	}
}

// CheckDeleteCollectionRows checks that deleting a collection deletes its
// object rows too, for a store whose objects table has no foreign key to
// cascade. objectRows counts the rows of that table.
func CheckDeleteCollectionRows(t *testing.T, s Services, objectRows func() int) {
	t.Helper()
	must(t, "create API root", s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api"}))
	var ids []string
	for range 2 {
		c := &rampart.Collection{APIRoot: "api"}
		must(t, "create collection", s.Collections.CreateCollection(ctx, c))
		o, err := stix.ParseObject([]byte(`{"type":"tool","spec_version":"2.1","id":"tool--00000000-0000-4000-8000-000000000001","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"t"}`))
		must(t, "parse object", err)
		_, err = s.Objects.CreateObjects(ctx, c.ID, []*stix.Object{o})
		must(t, "create object", err)
		ids = append(ids, c.ID)
	}
	must(t, "delete collection", s.Collections.DeleteCollection(ctx, "api", ids[0]))
	if n := objectRows(); n != 1 {
		t.Errorf("%d object rows after deleting one of two collections, want 1", n)
	}
}

// CheckSearchIndexRows checks that the search indexes hold one entry per
// object, its latest version's, through new versions, deletions of
// versions, objects and collections, and none once everything is
// deleted. rows counts the entries of the text index (docs) and the rows
// of the value index.
func CheckSearchIndexRows(t *testing.T, s Services, rows func() (docs, values int)) {
	t.Helper()
	want := func(when string, docs int) {
		t.Helper()
		d, v := rows()
		if d != docs || docs == 0 && v != 0 {
			t.Errorf("%s: %d entries in the text index and %d in the value index, want %d and %s", when, d, v, docs,
				map[bool]string{true: "none", false: "some"}[docs == 0])
		}
	}
	coll := setup(t, s)
	const id = "malware--00000000-0000-4000-8000-0000000000c1"
	_, err := s.Objects.CreateObjects(ctx, coll, []*stix.Object{
		searchObject(t, id, 1, `"name":"Oldname","is_family":true`),
		searchObject(t, id, 2, `"name":"Newname","is_family":true`),
		searchObject(t, sIP, 3, indicatorProps("C2 address", "[ipv4-addr:value = '198.51.100.7']")),
	})
	must(t, "create objects", err)
	want("two objects", 2)
	_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}, Versions: []string{"2021-01-02T00:00:00.000Z"}})
	must(t, "delete a version", err)
	want("after deleting the latest version of one", 2)
	other := setup2(t, s, "other")
	_, err = s.Objects.CreateObjects(ctx, other, []*stix.Object{searchObject(t, sDomain, 1, indicatorProps("Phishing domain", "[domain-name:value = 'evil.example.com']"))})
	must(t, "create in another collection", err)
	want("three objects", 3)
	must(t, "delete collection", s.Collections.DeleteCollection(ctx, "api", other))
	want("after deleting a collection", 2)
	for _, del := range []string{id, sIP} {
		_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{del}})
		must(t, "delete "+del, err)
	}
	want("after deleting every object", 0)
}
