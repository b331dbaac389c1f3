package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

func testCollections(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	clock := time.Date(2024, 1, 2, 3, 4, 5, 6789, time.UTC)
	s.SetClock(func() time.Time { return clock })

	t.Run("API roots", func(t *testing.T) {
		for _, name := range []string{"zeta", "alpha"} {
			must(t, "create "+name, s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: name, Title: "T " + name, Description: "D", MaxContentLength: 1 << 20}))
		}
		wantCode(t, "duplicate API root", s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "alpha"}), rampart.ECONFLICT)
		for _, bad := range []string{"", "a/b", "..", "with space", "taxii2"} {
			wantCode(t, "API root "+bad, s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: bad}), rampart.EINVALID)
		}
		roots, err := s.Collections.FindAPIRoots(ctx)
		must(t, "find API roots", err)
		want := []*rampart.APIRoot{
			{Name: "alpha", Title: "T alpha", Description: "D", MaxContentLength: 1 << 20, CreatedAt: clock.Truncate(time.Microsecond)},
			{Name: "zeta", Title: "T zeta", Description: "D", MaxContentLength: 1 << 20, CreatedAt: clock.Truncate(time.Microsecond)},
		}
		if diff := cmp.Diff(want, roots, cmpTime); diff != "" {
			t.Errorf("FindAPIRoots (-want +got):\n%s", diff)
		}
		r, err := s.Collections.FindAPIRootByName(ctx, "zeta")
		must(t, "find zeta", err)
		if diff := cmp.Diff(want[1], r, cmpTime); diff != "" {
			t.Errorf("FindAPIRootByName (-want +got):\n%s", diff)
		}
		_, err = s.Collections.FindAPIRootByName(ctx, "trustgroup2")
		wantCode(t, "unknown API root", err, rampart.ENOTFOUND)
	})

	t.Run("collections", func(t *testing.T) {
		a := &rampart.Collection{APIRoot: "alpha", Title: "A", Description: "first", Alias: "a",
			MediaTypes: []string{"application/stix+json;version=2.1", "application/stix+json;version=2.0"}}
		must(t, "create a", s.Collections.CreateCollection(ctx, a))
		if stix.UUIDVersion(a.ID) != 4 {
			t.Errorf("assigned collection ID %q is not a random UUID", a.ID)
		}
		clock = clock.Add(time.Second)
		b := &rampart.Collection{ID: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", APIRoot: "alpha", Title: "B"}
		must(t, "create b", s.Collections.CreateCollection(ctx, b))
		z := &rampart.Collection{ID: "365fed99-08fa-fdcd-a1b3-fb247eb41d01", APIRoot: "zeta", Title: "Z", MediaTypes: []string{}}
		must(t, "create z", s.Collections.CreateCollection(ctx, z))

		wantCode(t, "duplicate ID", s.Collections.CreateCollection(ctx, &rampart.Collection{ID: b.ID, APIRoot: "zeta"}), rampart.ECONFLICT)
		wantCode(t, "unknown API root", s.Collections.CreateCollection(ctx, &rampart.Collection{APIRoot: "nope"}), rampart.ENOTFOUND)
		wantCode(t, "bad ID", s.Collections.CreateCollection(ctx, &rampart.Collection{ID: "24042009", APIRoot: "alpha"}), rampart.EINVALID)

		all, err := s.Collections.FindCollections(ctx, rampart.CollectionFilter{})
		must(t, "find all", err)
		if diff := cmp.Diff([]*rampart.Collection{a, b, z}, all, cmpTime, cmpEmpty); diff != "" {
			t.Errorf("FindCollections (-want +got):\n%s", diff)
		}
		alpha := "alpha"
		got, err := s.Collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: &alpha})
		must(t, "find alpha", err)
		if diff := cmp.Diff([]*rampart.Collection{a, b}, got, cmpTime, cmpEmpty); diff != "" {
			t.Errorf("FindCollections(alpha) (-want +got):\n%s", diff)
		}
		got, err = s.Collections.FindCollections(ctx, rampart.CollectionFilter{ID: &z.ID})
		must(t, "find z", err)
		if diff := cmp.Diff([]*rampart.Collection{z}, got, cmpTime, cmpEmpty); diff != "" {
			t.Errorf("FindCollections(id) (-want +got):\n%s", diff)
		}
		got, err = s.Collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: &alpha, ID: &b.ID})
		must(t, "find b in alpha", err)
		if diff := cmp.Diff([]*rampart.Collection{b}, got, cmpTime, cmpEmpty); diff != "" {
			t.Errorf("FindCollections(alpha, id) (-want +got):\n%s", diff)
		}
		got, err = s.Collections.FindCollections(ctx, rampart.CollectionFilter{APIRoot: &alpha, ID: &z.ID})
		must(t, "find z in alpha", err)
		if len(got) != 0 {
			t.Errorf("FindCollections(alpha, id of a collection of zeta) = %d collections, want none", len(got))
		}
		c, err := s.Collections.FindCollectionByID(ctx, "alpha", a.ID)
		must(t, "find a", err)
		if diff := cmp.Diff(a, c, cmpTime, cmpEmpty); diff != "" {
			t.Errorf("FindCollectionByID (-want +got):\n%s", diff)
		}
		_, err = s.Collections.FindCollectionByID(ctx, "zeta", a.ID)
		wantCode(t, "collection under another API root", err, rampart.ENOTFOUND)
		_, err = s.Collections.FindCollectionByID(ctx, "alpha", "12345678-1234-1234-1234-123456789012")
		wantCode(t, "unknown collection", err, rampart.ENOTFOUND)
	})

	t.Run("delete", func(t *testing.T) {
		c := &rampart.Collection{APIRoot: "alpha", Title: "doomed"}
		must(t, "create", s.Collections.CreateCollection(ctx, c))
		_, err := s.Objects.CreateObjects(ctx, c.ID, []*stix.Object{indicator(t, 1, "2020-01-01T00:00:00.000Z")})
		must(t, "create objects", err)
		must(t, "create account", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "reader", Grants: []rampart.Grant{{CollectionID: c.ID, Read: true}}}, "a long enough password"))

		wantCode(t, "delete under another API root", s.Collections.DeleteCollection(ctx, "zeta", c.ID), rampart.ENOTFOUND)
		must(t, "delete", s.Collections.DeleteCollection(ctx, "alpha", c.ID))
		wantCode(t, "delete again", s.Collections.DeleteCollection(ctx, "alpha", c.ID), rampart.ENOTFOUND)
		_, err = s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID})
		wantCode(t, "objects of a deleted collection", err, rampart.ENOTFOUND)
		a, err := s.Accounts.FindAccountByName(ctx, "reader")
		must(t, "find account", err)
		if len(a.Grants) != 0 {
			t.Errorf("grants on a deleted collection survive: %+v", a.Grants)
		}
		// Its ID can be used again, and the new collection starts empty.
		must(t, "re-create", s.Collections.CreateCollection(ctx, &rampart.Collection{ID: c.ID, APIRoot: "alpha"}))
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID})
		must(t, "find", err)
		if len(p.Versions) != 0 {
			t.Errorf("re-created collection holds %d versions", len(p.Versions))
		}
	})
}

// cmpTime compares times by instant; cmpEmpty treats nil and empty slices
// alike.
var (
	cmpTime  = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
	cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Comparer(func(a, b []string) bool { return true }))
)
