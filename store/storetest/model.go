package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// testModel compares FindObjects with a brute-force reading of TAXII 2.1
// §3.4 on random collections: objects of several types with up to four
// versions in mixed spec versions, written in shuffled batches and then
// partly deleted, read with random filters.
func testModel(t *testing.T, open func(t *testing.T) Services) {
	t.Run("mixed spec versions", func(t *testing.T) { testModelData(t, open(t), 3) })
	t.Run("STIX 2.1 only", func(t *testing.T) { testModelData(t, open(t), 0) })
	t.Run("one mixed object", func(t *testing.T) { testModelData(t, open(t), 40) })
}

// testModelData runs the model test on a store where one version in
// every old20 is STIX 2.0 (none when old20 is 0).
func testModelData(t *testing.T, s Services, old20 int) {
	coll := setup(t, s)
	rng := rand.New(rand.NewPCG(1, 2))

	stamps := []string{"2020-01-01T00:00:00.000Z", "2020-06-01T00:00:00.5Z", "2021-01-01T00:00:00Z",
		"2021-06-01T12:00:00.000Z", "2022-01-01T00:00:00.123456Z", "2023-01-01T00:00:00.000Z"}
	types := []string{"indicator", "malware", "tool", "ipv4-addr"}
	var objs []*stix.Object
	var idList []string
	for n := range 30 {
		typ := types[n%len(types)]
		id := fmt.Sprintf("%s--%08x-1111-4111-8111-111111111111", typ, n)
		idList = append(idList, id)
		if typ == "ipv4-addr" {
			objs = append(objs, mustObject(t, fmt.Sprintf(`{"type":"ipv4-addr","spec_version":"2.1","id":%q,"value":"10.0.0.%d"}`, id, n)))
			continue
		}
		perm := rng.Perm(len(stamps))[:1+rng.IntN(4)]
		for _, i := range perm {
			spec := `"spec_version":"2.1",`
			if old20 > 0 && rng.IntN(old20) == 0 {
				spec = "" // STIX 2.0: no spec_version
			}
			objs = append(objs, mustObject(t, fmt.Sprintf(`{"type":%q,%s"id":%q,"created":"2019-01-01T00:00:00Z","modified":%q,"name":"n%d"}`,
				typ, spec, id, stamps[i], n)))
		}
	}
	rng.Shuffle(len(objs), func(i, j int) { objs[i], objs[j] = objs[j], objs[i] })
	// truth is what the collection must hold, kept apart from the store.
	truth := map[string]*rampart.ObjectVersion{}
	key := func(o *stix.Object) string { return o.ID + " " + o.Version().Key() }
	for len(objs) > 0 {
		k := min(len(objs), 1+rng.IntN(30))
		res, err := s.Objects.CreateObjects(ctx, coll, objs[:k])
		must(t, "create", err)
		for i, r := range res {
			if r.Added {
				truth[key(objs[i])] = &rampart.ObjectVersion{Object: objs[i], DateAdded: r.DateAdded}
			}
		}
		objs = objs[k:]
	}
	for range 12 {
		f := rampart.ObjectFilter{CollectionID: coll, IDs: []string{idList[rng.IntN(len(idList))]}}
		f.Versions, f.SpecVersions = randomVersions(rng, stamps), randomSpecs(rng)
		// DeleteObjects selects like a listing, except that no version
		// filter means every version (of every spec version when no spec
		// filter is given either).
		mf := f
		if len(mf.Versions) == 0 {
			mf.Versions = []string{"all"}
			if len(mf.SpecVersions) == 0 {
				mf.SpecVersions = []string{"2.0", "2.1"}
			}
		}
		var held []*rampart.ObjectVersion
		for _, v := range truth {
			held = append(held, v)
		}
		slices.SortFunc(held, func(a, b *rampart.ObjectVersion) int { return a.DateAdded.Compare(b.DateAdded) })
		doomed, _ := model(held, mf)
		n, err := s.Objects.DeleteObjects(ctx, f)
		if len(doomed) == 0 {
			wantCode(t, fmt.Sprintf("delete %+v", f), err, rampart.ENOTFOUND)
			continue
		}
		must(t, fmt.Sprintf("delete %+v", f), err)
		if n != len(doomed) {
			t.Fatalf("delete %+v removed %d versions, want %d", f, n, len(doomed))
		}
		for _, v := range doomed {
			delete(truth, key(v.Object))
		}
	}

	// The full listing must be the truth; its Seqs then stand for it.
	all := listAll(t, s, coll)
	var got, want []string
	for _, v := range all {
		got = append(got, key(v.Object)+" "+v.DateAdded.String())
	}
	for _, v := range truth {
		want = append(want, key(v.Object)+" "+v.DateAdded.String())
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("listing of every version (-want +got):\n%s", diff)
	}
	for range 400 {
		f := rampart.ObjectFilter{CollectionID: coll, Versions: randomVersions(rng, stamps), SpecVersions: randomSpecs(rng)}
		switch rng.IntN(4) {
		case 0:
			f.IDs = []string{idList[rng.IntN(len(idList))], idList[rng.IntN(len(idList))]}
		case 1:
			f.Types = []string{types[rng.IntN(len(types))]}
		case 2:
			f.Types = []string{types[rng.IntN(len(types))], types[rng.IntN(len(types))], "x-none"}
		}
		if rng.IntN(3) == 0 {
			d := all[rng.IntN(len(all))].DateAdded.Add(time.Duration(rng.IntN(3)-1) * time.Microsecond)
			f.AddedAfter = &d
		}
		if rng.IntN(3) == 0 {
			f.AfterSeq = all[rng.IntN(len(all))].Seq
		}
		if rng.IntN(3) == 0 {
			f.ThroughSeq = all[rng.IntN(len(all))].Seq
		}
		if rng.IntN(2) == 0 {
			f.Limit = 1 + rng.IntN(5)
		}
		want, wantMore := model(all, f)
		p, err := s.Objects.FindObjects(ctx, f)
		must(t, "find", err)
		for _, v := range p.Versions {
			if v.Size != int64(len(v.Object.Raw)) {
				t.Fatalf("FindObjects(%+v): version %d: Size %d, %d bytes of JSON", f, v.Seq, v.Size, len(v.Object.Raw))
			}
		}
		if diff := cmp.Diff(seqs(want), seqs(p.Versions)); diff != "" || p.More != wantMore {
			t.Fatalf("FindObjects(%+v), added_after %v: More %v, want %v; Seqs (-want +got):\n%s", f, f.AddedAfter, p.More, wantMore, diff)
		}
	}
}

func randomVersions(rng *rand.Rand, stamps []string) []string {
	choices := append([]string{"first", "last", "all", "first", "last"}, stamps...)
	var out []string
	for range rng.IntN(3) {
		out = append(out, choices[rng.IntN(len(choices))])
	}
	return out
}

func randomSpecs(rng *rand.Rand) []string {
	return [][]string{nil, nil, {"2.0"}, {"2.1"}, {"2.0", "2.1"}, {"2.1", "2.0"}}[rng.IntN(6)]
}

func seqs(vs []*rampart.ObjectVersion) []int64 {
	out := []int64{}
	for _, v := range vs {
		out = append(out, v.Seq)
	}
	return out
}

// model selects from all (every version, in Seq order) what f asks for,
// straight from the words of TAXII 2.1 §3.4.
func model(all []*rampart.ObjectVersion, f rampart.ObjectFilter) ([]*rampart.ObjectVersion, bool) {
	byID := map[string][]*rampart.ObjectVersion{}
	for _, v := range all {
		byID[v.Object.ID] = append(byID[v.Object.ID], v)
	}
	versions := f.Versions
	if len(versions) == 0 {
		versions = []string{"last"}
	}
	selected := map[*rampart.ObjectVersion]bool{}
	for _, vs := range byID {
		specs := f.SpecVersions
		if len(specs) == 0 {
			top := ""
			for _, v := range vs {
				top = max(top, v.Object.SpecVersion)
			}
			specs = []string{top}
		}
		var cand []*rampart.ObjectVersion
		for _, v := range vs {
			if slices.Contains(specs, v.Object.SpecVersion) {
				cand = append(cand, v)
			}
		}
		if len(cand) == 0 {
			continue
		}
		byVersion := func(a, b *rampart.ObjectVersion) int { return a.Object.Version().Compare(b.Object.Version()) }
		for _, sel := range versions {
			switch sel {
			case "all":
				for _, v := range cand {
					selected[v] = true
				}
			case "first":
				selected[slices.MinFunc(cand, byVersion)] = true
			case "last":
				selected[slices.MaxFunc(cand, byVersion)] = true
			default:
				for _, v := range cand {
					if v.Object.Version().Equal(stix.MustTimestamp(sel)) {
						selected[v] = true
					}
				}
			}
		}
	}
	var out []*rampart.ObjectVersion
	for _, v := range all {
		switch {
		case !selected[v]:
		case len(f.IDs) > 0 && !slices.Contains(f.IDs, v.Object.ID):
		case len(f.Types) > 0 && !slices.Contains(f.Types, v.Object.Type):
		case f.AddedAfter != nil && !v.DateAdded.After(*f.AddedAfter):
		case f.AfterSeq > 0 && v.Seq <= f.AfterSeq:
		case f.ThroughSeq > 0 && v.Seq > f.ThroughSeq:
		default:
			out = append(out, v)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		return out[:f.Limit], true
	}
	return out, false
}
