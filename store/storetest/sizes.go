package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// note returns version v (0, 1, …) of note n whose content is content.
func note(t *testing.T, n, v int, content string) *stix.Object {
	t.Helper()
	return mustObject(t, fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--%08x-0000-4000-8000-000000000000",`+
		`"created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:%02d.000Z","content":%q,"object_refs":["indicator--00000001-0000-4000-8000-000000000000"]}`,
		n, v, content))
}

// testSizes checks ObjectVersion.Size in listings with and without the
// JSON, and the end of a listing at ObjectFilter.ThroughSeq.
func testSizes(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	coll := setup(t, s)
	objs := []*stix.Object{
		note(t, 1, 0, "short"),
		// Text whose length in characters is not its length in bytes.
		note(t, 2, 0, strings.Repeat("日本語 é ", 300)),
		// Larger than a database page, so stored out of line.
		note(t, 3, 0, strings.Repeat("x", 2<<20)),
		indicator(t, 4, "2020-01-01T00:00:00.000Z"),
		note(t, 1, 1, "longer than the first version"),
		note(t, 5, 0, strings.Repeat("y", 70_000)),
	}
	res, err := s.Objects.CreateObjects(ctx, coll, objs)
	must(t, "create", err)
	want := map[int64]int64{} // Seq → size
	var seqs []int64
	for i, r := range res {
		want[r.Seq] = int64(len(objs[i].Raw))
		seqs = append(seqs, r.Seq)
	}
	all := rampart.ObjectFilter{CollectionID: coll, Versions: []string{rampart.VersionAll}}

	t.Run("sizes", func(t *testing.T) {
		for _, metadata := range []bool{false, true} {
			f := all
			f.MetadataOnly = metadata
			p, err := s.Objects.FindObjects(ctx, f)
			must(t, "find", err)
			got := map[int64]int64{}
			for _, v := range p.Versions {
				got[v.Seq] = v.Size
				if v.Object.Raw != nil && int64(len(v.Object.Raw)) != v.Size {
					t.Errorf("version %d: Size %d, %d bytes of JSON", v.Seq, v.Size, len(v.Object.Raw))
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("MetadataOnly %v: Seq → Size (-want +got):\n%s", metadata, diff)
			}
		}
	})

	t.Run("through seq", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			f        rampart.ObjectFilter
			want     []int64
			wantMore bool
		}{
			{"range", rampart.ObjectFilter{AfterSeq: seqs[0], ThroughSeq: seqs[2]}, seqs[1:3], false},
			{"range with a limit", rampart.ObjectFilter{AfterSeq: seqs[0], ThroughSeq: seqs[3], Limit: 2}, seqs[1:3], true},
			{"limit at the end of the range", rampart.ObjectFilter{AfterSeq: seqs[0], ThroughSeq: seqs[2], Limit: 2}, seqs[1:3], false},
			{"from the start", rampart.ObjectFilter{ThroughSeq: seqs[1]}, seqs[:2], false},
			{"metadata", rampart.ObjectFilter{AfterSeq: seqs[2], ThroughSeq: seqs[4], MetadataOnly: true}, seqs[3:5], false},
			{"latest versions", rampart.ObjectFilter{ThroughSeq: seqs[4], Versions: []string{rampart.VersionLast}}, seqs[1:5], false},
			{"types", rampart.ObjectFilter{ThroughSeq: seqs[3], Types: []string{"note", "indicator"}}, seqs[:4], false},
			{"ids", rampart.ObjectFilter{ThroughSeq: seqs[4], IDs: []string{objs[0].ID}}, []int64{seqs[0], seqs[4]}, false},
			{"empty range", rampart.ObjectFilter{AfterSeq: seqs[3], ThroughSeq: seqs[3]}, nil, false},
			{"beyond the end", rampart.ObjectFilter{AfterSeq: seqs[4], ThroughSeq: seqs[5] + 100}, seqs[5:], false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := tc.f
				f.CollectionID = coll
				if f.Versions == nil {
					f.Versions = all.Versions
				}
				p, err := s.Objects.FindObjects(ctx, f)
				must(t, "find", err)
				var got []int64
				for _, v := range p.Versions {
					got = append(got, v.Seq)
					if v.Size != want[v.Seq] {
						t.Errorf("version %d: Size %d, want %d", v.Seq, v.Size, want[v.Seq])
					}
				}
				if diff := cmp.Diff(tc.want, got); diff != "" || p.More != tc.wantMore {
					t.Errorf("FindObjects(%+v): More %v, want %v; Seqs (-want +got):\n%s", f, p.More, tc.wantMore, diff)
				}
			})
		}
		_, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, ThroughSeq: -1})
		wantCode(t, "FindObjects(ThroughSeq -1)", err, rampart.EINVALID)
	})
}
