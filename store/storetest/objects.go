package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// indicator returns a STIX 2.1 indicator with the given id number and
// modified time (created is 2020-01-01).
func indicator(t *testing.T, n int, modified string) *stix.Object {
	t.Helper()
	return mustObject(t, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000",`+
		`"created":"2020-01-01T00:00:00.000Z","modified":%q,"pattern":"[ipv4-addr:value = '10.0.0.%d']","pattern_type":"stix",`+
		`"valid_from":"2020-01-01T00:00:00Z","x_custom":{"n":%d}}`, n, modified, n%256, n))
}

func testObjects(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	coll := setup(t, s)
	const missing = "11111111-2222-4333-8444-555555555555"

	t.Run("missing collection", func(t *testing.T) {
		_, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: missing})
		wantCode(t, "FindObjects", err, rampart.ENOTFOUND)
		_, err = s.Objects.CreateObjects(ctx, missing, []*stix.Object{indicator(t, 1, "2020-01-01T00:00:00.000Z")})
		wantCode(t, "CreateObjects", err, rampart.ENOTFOUND)
		err = s.Objects.RestoreObjects(ctx, missing, []*rampart.ObjectVersion{{Object: indicator(t, 1, "2020-01-01T00:00:00.000Z"), DateAdded: time.Now()}})
		wantCode(t, "RestoreObjects", err, rampart.ENOTFOUND)
		_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: missing, IDs: []string{"indicator--00000001-0000-4000-8000-000000000000"}})
		wantCode(t, "DeleteObjects", err, rampart.ENOTFOUND)
	})

	t.Run("invalid filters", func(t *testing.T) {
		bad := []rampart.ObjectFilter{
			{},
			{CollectionID: coll, Versions: []string{"newest"}},
			{CollectionID: coll, Versions: []string{"2016-13-01T00:00:00Z"}},
			{CollectionID: coll, SpecVersions: []string{"2.2"}},
			{CollectionID: coll, Limit: -20},
			{CollectionID: coll, AfterSeq: -1},
			{CollectionID: coll, ThroughSeq: -1},
		}
		for _, f := range bad {
			_, err := s.Objects.FindObjects(ctx, f)
			wantCode(t, fmt.Sprintf("FindObjects(%+v)", f), err, rampart.EINVALID)
			if msg := rampart.ErrorMessage(err); msg == "" || contains(msg, "SELECT") {
				t.Errorf("FindObjects(%+v): message %q", f, msg)
			}
		}
		for _, idList := range [][]string{nil, {"a--1", "b--2"}} {
			_, err := s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: idList})
			wantCode(t, fmt.Sprintf("DeleteObjects(ids %v)", idList), err, rampart.EINVALID)
		}
	})

	t.Run("create", func(t *testing.T) {
		objs := []*stix.Object{
			indicator(t, 1, "2020-01-01T00:00:00.000Z"),
			indicator(t, 2, "2020-01-01T00:00:00.000Z"),
			indicator(t, 1, "2020-02-01T00:00:00.000Z"),
			indicator(t, 2, "2020-01-01T00:00:00.000Z"), // repeated within the call
		}
		res, err := s.Objects.CreateObjects(ctx, coll, objs)
		must(t, "create", err)
		if len(res) != len(objs) {
			t.Fatalf("%d results for %d objects", len(res), len(objs))
		}
		for i, r := range res {
			if r.ID != objs[i].ID || !r.Version.Equal(objs[i].Version()) {
				t.Errorf("result %d is for %s %s, want %s %s", i, r.ID, r.Version, objs[i].ID, objs[i].Version())
			}
		}
		wantAdded := []bool{true, true, true, false}
		for i, r := range res {
			if r.Added != wantAdded[i] {
				t.Errorf("result %d: Added = %v, want %v", i, r.Added, wantAdded[i])
			}
			if i > 0 && i < 3 && !r.DateAdded.After(res[i-1].DateAdded) {
				t.Errorf("result %d: DateAdded %v not after %v", i, r.DateAdded, res[i-1].DateAdded)
			}
			if r.DateAdded.Round(0) != r.DateAdded.Truncate(time.Microsecond) {
				t.Errorf("result %d: DateAdded %v is finer than a microsecond", i, r.DateAdded)
			}
		}
		if !res[3].DateAdded.Equal(res[1].DateAdded) {
			t.Errorf("repeated version: DateAdded %v, want the first one's %v", res[3].DateAdded, res[1].DateAdded)
		}
		if res[0].Seq <= 0 || res[3].Seq != res[1].Seq {
			t.Errorf("Seqs %d, %d, %d, %d: want positive ones, the repeated version's the first one's", res[0].Seq, res[1].Seq, res[2].Seq, res[3].Seq)
		}

		// Posting a stored version again changes nothing.
		again, err := s.Objects.CreateObjects(ctx, coll, objs[:1])
		must(t, "create again", err)
		if again[0].Added || !again[0].DateAdded.Equal(res[0].DateAdded) || again[0].Seq != res[0].Seq {
			t.Errorf("re-post: Added %v DateAdded %v Seq %d, want false, %v and %d", again[0].Added, again[0].DateAdded, again[0].Seq, res[0].DateAdded, res[0].Seq)
		}

		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, Versions: []string{"all"}})
		must(t, "find", err)
		if len(p.Versions) != 3 {
			t.Fatalf("stored %d versions, want 3", len(p.Versions))
		}
		for i, v := range p.Versions {
			if string(v.Object.Raw) != string(objs[i].Raw) {
				t.Errorf("version %d: stored JSON\n%s\nwant as posted\n%s", i, v.Object.Raw, objs[i].Raw)
			}
			if !v.DateAdded.Equal(res[i].DateAdded) {
				t.Errorf("version %d: DateAdded %v, CreateObjects said %v", i, v.DateAdded, res[i].DateAdded)
			}
			if v.Seq != res[i].Seq {
				t.Errorf("version %d: Seq %d, CreateObjects said %d", i, v.Seq, res[i].Seq)
			}
		}
		p, err = s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll})
		must(t, "find last", err)
		want := []string{objs[1].ID + " 2020-01-01T00:00:00.000Z", objs[2].ID + " 2020-02-01T00:00:00.000Z"}
		if diff := cmp.Diff(want, idVersions(p)); diff != "" {
			t.Errorf("last versions (-want +got):\n%s", diff)
		}
	})

	t.Run("atomic", func(t *testing.T) {
		c := &rampart.Collection{APIRoot: "api", Title: "atomic"}
		must(t, "create collection", s.Collections.CreateCollection(ctx, c))
		bad := []*stix.Object{indicator(t, 10, "2020-01-01T00:00:00.000Z"), {Type: "indicator", ID: "indicator--x"}}
		_, err := s.Objects.CreateObjects(ctx, c.ID, bad)
		wantCode(t, "create with a bad object", err, rampart.EINVALID)
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID})
		must(t, "find", err)
		if len(p.Versions) != 0 {
			t.Errorf("a failed CreateObjects stored %d versions", len(p.Versions))
		}
		_, err = s.Objects.CreateObjects(ctx, c.ID, []*stix.Object{nil})
		wantCode(t, "create nil object", err, rampart.EINVALID)
	})

	t.Run("no version", func(t *testing.T) {
		c := &rampart.Collection{APIRoot: "api", Title: "sco"}
		must(t, "create collection", s.Collections.CreateCollection(ctx, c))
		a := mustObject(t, `{"type":"artifact","spec_version":"2.1","id":"artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641","mime_type":"text/plain","payload_bin":"aGVsbG8="}`)
		b := mustObject(t, `{"type":"artifact","spec_version":"2.1","id":"artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641","mime_type":"text/plain","payload_bin":"d29ybGQ="}`)
		res, err := s.Objects.CreateObjects(ctx, c.ID, []*stix.Object{a, b})
		must(t, "create", err)
		if !res[0].Added || res[1].Added {
			t.Errorf("Added = %v, %v; an object without created/modified has one version only", res[0].Added, res[1].Added)
		}
		for _, v := range []string{"first", "last", "all"} {
			p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, Versions: []string{v}})
			must(t, "find "+v, err)
			if len(p.Versions) != 1 || string(p.Versions[0].Object.Raw) != string(a.Raw) {
				t.Errorf("match[version]=%s: %d versions, want the first artifact", v, len(p.Versions))
			}
		}
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, AddedAfter: ts("2000-01-01T00:00:00Z")})
		must(t, "find added_after old", err)
		if len(p.Versions) != 1 {
			t.Errorf("added_after long ago: %d versions, want 1", len(p.Versions))
		}
		p, err = s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, AddedAfter: &res[0].DateAdded})
		must(t, "find added_after now", err)
		if len(p.Versions) != 0 {
			t.Errorf("added_after its own DateAdded: %d versions, want 0", len(p.Versions))
		}
	})

	t.Run("metadata only", func(t *testing.T) {
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{indicator(t, 1, "2020-01-01T00:00:00.000Z").ID}, MetadataOnly: true})
		must(t, "find", err)
		if len(p.Versions) != 1 {
			t.Fatalf("%d versions, want 1", len(p.Versions))
		}
		o := p.Versions[0].Object
		if o.Type != "indicator" || o.SpecVersion != "2.1" || !o.SpecVersionSet ||
			o.Created.String() != "2020-01-01T00:00:00.000Z" || o.Modified.String() != "2020-02-01T00:00:00.000Z" {
			t.Errorf("metadata = %+v", o)
		}
	})
}

func idVersions(p *rampart.ObjectPage) []string {
	out := []string{}
	for _, v := range p.Versions {
		out = append(out, v.Object.ID+" "+v.Object.Version().String())
	}
	return out
}

// listAll returns every version of the collection, of every spec version,
// paging through it.
func listAll(t *testing.T, s Services, coll string) []*rampart.ObjectVersion {
	t.Helper()
	var out []*rampart.ObjectVersion
	f := rampart.ObjectFilter{CollectionID: coll, Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}, MetadataOnly: true}
	for {
		p, err := s.Objects.FindObjects(ctx, f)
		must(t, "list all", err)
		out = append(out, p.Versions...)
		if !p.More {
			return out
		}
		f.AfterSeq = p.Versions[len(p.Versions)-1].Seq
	}
}

// strictlyIncreasing fails t unless Seq and DateAdded both grow strictly.
func strictlyIncreasing(t *testing.T, vs []*rampart.ObjectVersion) {
	t.Helper()
	for i := 1; i < len(vs); i++ {
		if vs[i].Seq <= vs[i-1].Seq {
			t.Fatalf("version %d: Seq %d after %d", i, vs[i].Seq, vs[i-1].Seq)
		}
		if !vs[i].DateAdded.After(vs[i-1].DateAdded) {
			t.Fatalf("version %d: DateAdded %v not after %v", i, vs[i].DateAdded, vs[i-1].DateAdded)
		}
	}
}

func testDateAdded(t *testing.T, open func(t *testing.T) Services) {
	t.Run("frozen clock", func(t *testing.T) {
		s := open(t)
		coll := setup(t, s)
		frozen := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
		s.SetClock(func() time.Time { return frozen })
		objs := make([]*stix.Object, 10000)
		for i := range objs {
			objs[i] = indicator(t, i, "2020-01-01T00:00:00.000Z")
		}
		res, err := s.Objects.CreateObjects(ctx, coll, objs)
		must(t, "create 10,000", err)
		if want := frozen.Truncate(time.Microsecond); !res[0].DateAdded.Equal(want) {
			t.Errorf("first DateAdded %v, want the clock %v truncated to µs", res[0].DateAdded, want)
		}
		for i := 1; i < len(res); i++ {
			if !res[i].DateAdded.After(res[i-1].DateAdded) {
				t.Fatalf("result %d: DateAdded %v not after %v", i, res[i].DateAdded, res[i-1].DateAdded)
			}
		}
		all := listAll(t, s, coll)
		if len(all) != len(objs) {
			t.Fatalf("listed %d versions, want %d", len(all), len(objs))
		}
		strictlyIncreasing(t, all)
		// Inserted in many statements: each result still names its own
		// version's Seq (listed in DateAdded order, as the results are).
		for i, v := range all {
			if v.Seq != res[i].Seq || v.Object.ID != res[i].ID {
				t.Fatalf("version %d: %s Seq %d, CreateObjects said %s Seq %d", i, v.Object.ID, v.Seq, res[i].ID, res[i].Seq)
			}
		}

		// A clock that steps back does not make DateAdded go back.
		s.SetClock(func() time.Time { return frozen.Add(-time.Hour) })
		res2, err := s.Objects.CreateObjects(ctx, coll, []*stix.Object{indicator(t, 0, "2021-01-01T00:00:00.000Z")})
		must(t, "create after the clock stepped back", err)
		if want := res[len(res)-1].DateAdded.Add(time.Microsecond); !res2[0].DateAdded.Equal(want) {
			t.Errorf("DateAdded after the clock stepped back: %v, want %v", res2[0].DateAdded, want)
		}
	})

	t.Run("concurrent writers", func(t *testing.T) {
		s := open(t)
		coll := setup(t, s)
		const writers, batches, size = 6, 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*batches)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					objs := make([]*stix.Object, size)
					for i := range objs {
						n := (w*batches+b)*size + i
						o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z"}`, n))
						if err != nil {
							errs <- err
							return
						}
						objs[i] = o
					}
					if _, err := s.Objects.CreateObjects(ctx, coll, objs); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		// Read while writing: every page must be ordered.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 20 {
				p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, Limit: 50})
				if err != nil {
					errs <- err
					return
				}
				for i := 1; i < len(p.Versions); i++ {
					if !p.Versions[i].DateAdded.After(p.Versions[i-1].DateAdded) {
						errs <- fmt.Errorf("concurrent read: DateAdded not increasing")
						return
					}
				}
			}
		}()
		wg.Wait()
		<-done
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		all := listAll(t, s, coll)
		if len(all) != writers*batches*size {
			t.Fatalf("listed %d versions, want %d", len(all), writers*batches*size)
		}
		strictlyIncreasing(t, all)
	})
}

func testRestore(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	coll := setup(t, s)
	at := func(n int, added string) *rampart.ObjectVersion {
		return &rampart.ObjectVersion{Object: indicator(t, n, "2020-01-01T00:00:00.000Z"), DateAdded: *ts(added)}
	}
	// Unsorted input, with a tie.
	must(t, "restore", s.Objects.RestoreObjects(ctx, coll, []*rampart.ObjectVersion{
		at(3, "2021-01-03T00:00:00Z"), at(1, "2021-01-01T00:00:00Z"), at(2, "2021-01-03T00:00:00Z"),
	}))
	all := listAll(t, s, coll)
	var got []string
	for _, v := range all {
		got = append(got, v.Object.ID[:19]+" "+v.DateAdded.Format(time.RFC3339))
	}
	want := []string{
		"indicator--00000001 2021-01-01T00:00:00Z",
		"indicator--00000003 2021-01-03T00:00:00Z",
		"indicator--00000002 2021-01-03T00:00:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("restored order (-want +got):\n%s", diff)
	}

	// Going back in time is refused, and nothing of the call is stored.
	err := s.Objects.RestoreObjects(ctx, coll, []*rampart.ObjectVersion{at(5, "2021-01-04T00:00:00Z"), at(4, "2021-01-02T00:00:00Z")})
	wantCode(t, "restore before the newest", err, rampart.EINVALID)
	if n := len(listAll(t, s, coll)); n != 3 {
		t.Errorf("after a refused restore: %d versions, want 3", n)
	}
	// Restoring what is held already changes nothing, even with an old
	// DateAdded (restoring one backup twice is harmless).
	must(t, "restore again", s.Objects.RestoreObjects(ctx, coll, []*rampart.ObjectVersion{at(1, "2020-01-01T00:00:00Z")}))
	// A tie with the newest is fine; a stored version is left alone.
	must(t, "restore tie", s.Objects.RestoreObjects(ctx, coll, []*rampart.ObjectVersion{at(4, "2021-01-03T00:00:00Z"), at(1, "2021-01-05T00:00:00Z")}))
	all = listAll(t, s, coll)
	if len(all) != 4 || !all[0].DateAdded.Equal(*ts("2021-01-01T00:00:00Z")) {
		t.Errorf("after restoring a tie and a stored version: %d versions, first added %v", len(all), all[0].DateAdded)
	}
	// Created versions come after restored ones even when the clock is
	// earlier.
	s.SetClock(func() time.Time { return *ts("2000-01-01T00:00:00Z") })
	res, err := s.Objects.CreateObjects(ctx, coll, []*stix.Object{indicator(t, 9, "2020-01-01T00:00:00.000Z")})
	must(t, "create", err)
	if want := ts("2021-01-03T00:00:00.000001Z"); !res[0].DateAdded.Equal(*want) {
		t.Errorf("DateAdded after a restore = %v, want %v", res[0].DateAdded, want)
	}
	_, err = s.Objects.CreateObjects(ctx, coll, nil)
	must(t, "create nothing", err)
	wantCode(t, "restore nil", s.Objects.RestoreObjects(ctx, coll, []*rampart.ObjectVersion{nil}), rampart.EINVALID)
}

func testDelete(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	LoadMedallion(t, s, "")
	coa := func(modified, spec string) *stix.Object {
		sv := `"spec_version":"2.1",`
		if spec == "2.0" {
			sv = ""
		}
		return mustObject(t, `{"type":"course-of-action",`+sv+`"id":"course-of-action--68794cd5-28db-429d-ab1e-1256704ef906",`+
			`"created":"2015-01-27T13:49:53.935Z","modified":"`+modified+`","name":"Test object"}`)
	}
	id := "course-of-action--68794cd5-28db-429d-ab1e-1256704ef906"
	versionsOf := func() []string {
		t.Helper()
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: writeCollection, IDs: []string{id}, Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}})
		must(t, "versions", err)
		out := []string{}
		for _, v := range p.Versions {
			out = append(out, v.Object.Modified.String()[:4])
		}
		return out
	}
	del := func(versions, specs []string) (int, error) {
		return s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: writeCollection, IDs: []string{id}, Versions: versions, SpecVersions: specs})
	}

	var five []*stix.Object
	for _, y := range []string{"2015", "2016", "2017", "2018", "2019"} {
		five = append(five, coa(y+"-01-27T13:49:53.935Z", "2.1"))
	}
	_, err := s.Objects.CreateObjects(ctx, writeCollection, five)
	must(t, "create 5 versions", err)
	steps := []struct {
		versions []string
		want     []string
	}{
		{[]string{"2018-01-27T13:49:53.935Z"}, []string{"2015", "2016", "2017", "2019"}},
		{[]string{"first"}, []string{"2016", "2017", "2019"}},
		{[]string{"last"}, []string{"2016", "2017"}},
		{[]string{"all"}, []string{}},
	}
	for _, st := range steps {
		n, err := del(st.versions, nil)
		must(t, fmt.Sprintf("delete %v", st.versions), err)
		got := versionsOf()
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("after deleting %v (-want +got):\n%s", st.versions, diff)
		}
		if n < 1 {
			t.Errorf("delete %v reported %d deletions", st.versions, n)
		}
	}
	_, err = del(nil, nil)
	wantCode(t, "delete a deleted object", err, rampart.ENOTFOUND)

	// By spec version: deleting the STIX 2.0 version makes… nothing of the
	// 2.1 one change; deleting the 2.1 one then leaves the object gone.
	_, err = s.Objects.CreateObjects(ctx, writeCollection, []*stix.Object{coa("2018-01-27T13:49:53.935Z", "2.1"), coa("2019-01-27T13:49:53.935Z", "2.0")})
	must(t, "create two spec versions", err)
	if n, err := del(nil, []string{"2.0"}); err != nil || n != 1 {
		t.Errorf("delete spec 2.0: %d, %v; want 1", n, err)
	}
	if diff := cmp.Diff([]string{"2018"}, versionsOf()); diff != "" {
		t.Errorf("after deleting spec 2.0 (-want +got):\n%s", diff)
	}
	if n, err := del(nil, []string{"2.1"}); err != nil || n != 1 {
		t.Errorf("delete spec 2.1: %d, %v; want 1", n, err)
	}
	_, err = del(nil, []string{"2.1"})
	wantCode(t, "delete spec 2.1 again", err, rampart.ENOTFOUND)

	// The default listing follows deletions: removing the newest spec
	// version's only version makes the older spec's versions the listed ones.
	_, err = s.Objects.CreateObjects(ctx, writeCollection, []*stix.Object{coa("2016-01-27T13:49:53.935Z", "2.1"), coa("2020-01-27T13:49:53.935Z", "2.0"), coa("2021-01-27T13:49:53.935Z", "2.0")})
	must(t, "create", err)
	last := func() string {
		t.Helper()
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: writeCollection, IDs: []string{id}})
		must(t, "find", err)
		if len(p.Versions) != 1 {
			return fmt.Sprintf("%d versions", len(p.Versions))
		}
		return p.Versions[0].Object.Modified.String()[:4] + " " + p.Versions[0].Object.SpecVersion
	}
	if got := last(); got != "2016 2.1" {
		t.Errorf("default listing before deletion: %s, want 2016 2.1", got)
	}
	_, err = del([]string{"last"}, nil)
	must(t, "delete last", err)
	if got := last(); got != "2021 2.0" {
		t.Errorf("default listing after deleting the only 2.1 version: %s, want 2021 2.0", got)
	}
	_, err = del([]string{"1999-01-01T00:00:00Z"}, nil)
	wantCode(t, "delete an absent version", err, rampart.ENOTFOUND)
	if n, err := del(nil, nil); err != nil || n != 2 {
		t.Errorf("delete without filters: %d, %v; want 2", n, err)
	}
	// The fixture collection is untouched.
	p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: readCollection, Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}})
	must(t, "find fixture", err)
	if len(p.Versions) != 8 {
		t.Errorf("fixture collection holds %d versions after deletions elsewhere, want 8", len(p.Versions))
	}
}
