package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Object versions of the medallion fixture's collection 91a7b528…, with
// their manifest date_added (see testdata/taxii/CHECKLIST.md in the shared
// material this suite was written from).
const (
	readCollection  = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
	writeCollection = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"

	relID  = "relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463"
	indAID = "indicator--cd981c25-8042-4166-8945-51178443bdac"
	indBID = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e"
	markID = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	malID  = "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec"
)

var (
	rel   = "relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463 2014-05-08T09:00:00.000Z 2014-05-08T09:00:00.000000Z 2.1"
	indA  = "indicator--cd981c25-8042-4166-8945-51178443bdac 2014-05-08T09:00:00.000Z 2016-11-01T03:04:05.000000Z 2.1"
	ind1  = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e 2016-11-03T12:30:59.000Z 2016-11-03T12:30:59.001000Z 2.1"
	ind2  = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e 2016-12-25T12:30:59.444Z 2016-12-27T13:49:59.000000Z 2.1"
	ind3  = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e 2017-01-27T13:49:53.935Z 2017-12-31T13:49:53.935000Z 2.1"
	mark  = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da 2017-01-20T00:00:00.000Z 2017-01-20T00:00:00.000000Z 2.1"
	mal21 = "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec 2017-01-27T13:49:53.997Z 2017-01-27T13:49:59.997000Z 2.1"
	mal20 = "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec 2018-02-23T18:30:00.000Z 2017-01-27T13:49:59.997000Z 2.0(absent)"
)

// summary writes a version as "id version date_added spec_version", the
// spec version followed by "(absent)" when the JSON has no spec_version.
func summary(v *rampart.ObjectVersion) string {
	o := v.Object
	spec := o.SpecVersion
	if !o.SpecVersionSet {
		spec += "(absent)"
	}
	return o.ID + " " + o.Version().String() + " " + v.DateAdded.UTC().Format("2006-01-02T15:04:05.000000Z") + " " + spec
}

func summaries(p *rampart.ObjectPage) []string {
	out := []string{}
	for _, v := range p.Versions {
		out = append(out, summary(v))
	}
	return out
}

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// findCase is a listing and the pages it must give: every page but the
// last has More set, and each next page resumes after the last Seq.
type findCase struct {
	name   string
	filter rampart.ObjectFilter
	pages  [][]string
}

// medallionCases are the Get Objects, Get an Object, manifest and versions
// expectations of the medallion tests, as FindObjects calls.
var medallionCases = []findCase{
	// GET …/objects/
	{"objects", rampart.ObjectFilter{}, [][]string{{rel, indA, mark, mal21, ind3}}},
	{"objects added_after", rampart.ObjectFilter{AddedAfter: ts("2016-11-03T12:30:59Z")}, [][]string{{mark, mal21, ind3}}},
	{"objects limit 3", rampart.ObjectFilter{Limit: 3}, [][]string{{rel, indA, mark}, {mal21, ind3}}},
	{"objects match[id]", rampart.ObjectFilter{IDs: []string{malID}}, [][]string{{mal21}}},
	{"objects match[type]", rampart.ObjectFilter{Types: []string{"indicator"}}, [][]string{{indA, ind3}}},
	{"objects match[version] timestamp", rampart.ObjectFilter{Versions: []string{"2016-12-25T12:30:59.444Z"}}, [][]string{{ind2}}},
	{"objects match[version] first", rampart.ObjectFilter{Versions: []string{"first"}}, [][]string{{rel, indA, ind1, mark, mal21}}},
	{"objects match[version] last", rampart.ObjectFilter{Versions: []string{"last"}}, [][]string{{rel, indA, mark, mal21, ind3}}},
	{"objects match[version] all", rampart.ObjectFilter{Versions: []string{"all"}}, [][]string{{rel, indA, ind1, ind2, mark, mal21, ind3}}},
	{"objects match[spec_version] 2.0", rampart.ObjectFilter{SpecVersions: []string{"2.0"}}, [][]string{{mal20}}},
	{"objects match[spec_version] 2.0,2.1", rampart.ObjectFilter{SpecVersions: []string{"2.0", "2.1"}}, [][]string{{rel, indA, mark, mal20, ind3}}},
	{"objects match[spec_version] 2.1", rampart.ObjectFilter{SpecVersions: []string{"2.1"}}, [][]string{{rel, indA, mark, mal21, ind3}}},
	{"objects match[type] and match[version]", rampart.ObjectFilter{Types: []string{"indicator"}, Versions: []string{"2017-01-27T13:49:53.935Z"}}, [][]string{{ind3}}},
	{"objects match[version] all limit 2", rampart.ObjectFilter{Versions: []string{"all"}, Limit: 2}, [][]string{{rel, indA}, {ind1, ind2}, {mark, mal21}, {ind3}}},
	// GET …/objects/{id}/
	{"object", rampart.ObjectFilter{IDs: []string{malID}}, [][]string{{mal21}}},
	{"object added_after late", rampart.ObjectFilter{IDs: []string{malID}, AddedAfter: ts("2018-01-27T13:49:59.997Z")}, [][]string{{}}},
	{"object added_after", rampart.ObjectFilter{IDs: []string{malID}, AddedAfter: ts("2017-01-27T13:49:59Z")}, [][]string{{mal21}}},
	{"object limit 1", rampart.ObjectFilter{IDs: []string{indBID}, Limit: 1}, [][]string{{ind3}}},
	{"object all limit 2", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"all"}, Limit: 2}, [][]string{{ind1, ind2}, {ind3}}},
	{"object timestamp", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"2016-12-25T12:30:59.444Z"}}, [][]string{{ind2}}},
	{"object first", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"first"}}, [][]string{{ind1}}},
	{"object last", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"last"}}, [][]string{{ind3}}},
	{"object all", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"all"}}, [][]string{{ind1, ind2, ind3}}},
	{"object spec 2.0", rampart.ObjectFilter{IDs: []string{malID}, SpecVersions: []string{"2.0"}}, [][]string{{mal20}}},
	{"object spec 2.1", rampart.ObjectFilter{IDs: []string{malID}, SpecVersions: []string{"2.1"}}, [][]string{{mal21}}},
	{"object spec 2.0,2.1", rampart.ObjectFilter{IDs: []string{malID}, SpecVersions: []string{"2.0", "2.1"}}, [][]string{{mal20}}},
	{"object unknown", rampart.ObjectFilter{IDs: []string{"malware--cee60c30-a68c-11e3-b0c1-a01aac20d000"}}, [][]string{{}}},
	// GET …/manifest/
	{"manifest added_after", rampart.ObjectFilter{AddedAfter: ts("2017-01-20T00:00:00.000Z"), MetadataOnly: true}, [][]string{{mal21, ind3}}},
	{"manifest limit 2", rampart.ObjectFilter{Limit: 2, MetadataOnly: true}, [][]string{{rel, indA}, {mark, mal21}, {ind3}}},
	{"manifest first", rampart.ObjectFilter{Versions: []string{"first"}, MetadataOnly: true}, [][]string{{rel, indA, ind1, mark, mal21}}},
	// GET …/objects/{id}/versions/
	{"versions", rampart.ObjectFilter{IDs: []string{relID}, Versions: []string{"all"}, MetadataOnly: true}, [][]string{{rel}}},
	{"versions added_after same", rampart.ObjectFilter{IDs: []string{relID}, Versions: []string{"all"}, AddedAfter: ts("2014-05-08T09:00:00Z"), MetadataOnly: true}, [][]string{{}}},
	{"versions added_after earlier", rampart.ObjectFilter{IDs: []string{relID}, Versions: []string{"all"}, AddedAfter: ts("2014-05-08T08:00:00Z"), MetadataOnly: true}, [][]string{{rel}}},
	{"versions limit 1", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"all"}, Limit: 1, MetadataOnly: true}, [][]string{{ind1}, {ind2}, {ind3}}},
	{"versions spec 2.0", rampart.ObjectFilter{IDs: []string{malID}, Versions: []string{"all"}, SpecVersions: []string{"2.0"}, MetadataOnly: true}, [][]string{{mal20}}},
	{"versions spec default", rampart.ObjectFilter{IDs: []string{malID}, Versions: []string{"all"}, MetadataOnly: true}, [][]string{{mal21}}},
	{"versions spec 2.0,2.1", rampart.ObjectFilter{IDs: []string{malID}, Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}, MetadataOnly: true}, [][]string{{mal21, mal20}}},
	// Beyond medallion: unions and combinations.
	{"first and last", rampart.ObjectFilter{IDs: []string{indBID}, Versions: []string{"first", "last"}}, [][]string{{ind1, ind3}}},
	{"first and timestamp", rampart.ObjectFilter{Versions: []string{"first", "2017-01-27T13:49:53.935Z"}}, [][]string{{rel, indA, ind1, mark, mal21, ind3}}},
	{"timestamp of another spec", rampart.ObjectFilter{Versions: []string{"2018-02-23T18:30:00Z"}}, [][]string{{}}},
	{"timestamp across specs", rampart.ObjectFilter{Versions: []string{"2018-02-23T18:30:00Z"}, SpecVersions: []string{"2.0", "2.1"}}, [][]string{{mal20}}},
	{"first across specs", rampart.ObjectFilter{IDs: []string{malID}, Versions: []string{"first"}, SpecVersions: []string{"2.1", "2.0"}}, [][]string{{mal21}}},
	{"all across specs", rampart.ObjectFilter{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}}, [][]string{{rel, indA, ind1, ind2, mark, mal21, mal20, ind3}}},
	{"two types", rampart.ObjectFilter{Types: []string{"malware", "relationship"}}, [][]string{{rel, mal21}}},
	{"two types paged", rampart.ObjectFilter{Types: []string{"indicator", "malware"}, Versions: []string{"all"}, Limit: 2}, [][]string{{indA, ind1}, {ind2, mal21}, {ind3}}},
	{"two ids", rampart.ObjectFilter{IDs: []string{indBID, relID}, Versions: []string{"all"}}, [][]string{{rel, ind1, ind2, ind3}}},
	{"id and type disagree", rampart.ObjectFilter{IDs: []string{indBID}, Types: []string{"malware"}}, [][]string{{}}},
	{"unknown type", rampart.ObjectFilter{Types: []string{"x-unknown"}}, [][]string{{}}},
	{"added_after last", rampart.ObjectFilter{AddedAfter: ts("2017-12-31T13:49:53.935Z")}, [][]string{{}}},
	{"added_after tie", rampart.ObjectFilter{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}, AddedAfter: ts("2017-01-27T13:49:59.996999Z")}, [][]string{{mal21, mal20, ind3}}},
	{"added_after and paging", rampart.ObjectFilter{Versions: []string{"all"}, AddedAfter: ts("2016-01-01T00:00:00Z"), Limit: 2}, [][]string{{indA, ind1}, {ind2, mark}, {mal21, ind3}}},
}

func testMedallion(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	LoadMedallion(t, s, "")
	for _, tc := range medallionCases {
		for _, meta := range []bool{false, true} {
			name := tc.name
			if meta && !tc.filter.MetadataOnly {
				name += " metadata"
			} else if !meta && tc.filter.MetadataOnly {
				name += " full"
			}
			t.Run(name, func(t *testing.T) {
				f := tc.filter
				f.CollectionID = readCollection
				f.MetadataOnly = meta
				checkPages(t, s, f, tc.pages)
			})
		}
	}
	t.Run("spec_version absent", func(t *testing.T) {
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: readCollection, SpecVersions: []string{"2.0"}})
		must(t, "find", err)
		if len(p.Versions) != 1 || p.Versions[0].Object.SpecVersionSet {
			t.Fatalf("spec_version 2.0 listing: %v, want the malware version without spec_version", summaries(p))
		}
		if raw := string(p.Versions[0].Object.Raw); raw == "" || contains(raw, `"spec_version"`) {
			t.Errorf("stored JSON of the STIX 2.0 version = %s, want it as posted (no spec_version)", raw)
		}
	})
	t.Run("after POST of a STIX 2.0 indicator", func(t *testing.T) {
		s := open(t)
		LoadMedallion(t, s, "")
		o := mustObject(t, `{"type":"indicator","id":"indicator--68794cd5-28db-429d-ab1e-1256704ef906","created":"2017-01-27T13:49:53.935Z","modified":"2017-01-27T13:49:53.935Z","name":"2.0 indicator","pattern":"[file:name = 'x']"}`)
		_, err := s.Objects.CreateObjects(ctx, readCollection, []*stix.Object{o})
		must(t, "create", err)
		p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: readCollection, Types: []string{"indicator"}, SpecVersions: []string{"2.1"}})
		must(t, "find 2.1", err)
		if got := ids(p); !cmp.Equal(got, []string{indAID, indBID}) {
			t.Errorf("indicators of spec 2.1 = %v, want %v", got, []string{indAID, indBID})
		}
		p, err = s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: readCollection, Types: []string{"indicator"}, SpecVersions: []string{"2.0"}})
		must(t, "find 2.0", err)
		if got := ids(p); !cmp.Equal(got, []string{o.ID}) {
			t.Errorf("indicators of spec 2.0 = %v, want %v", got, []string{o.ID})
		}
	})
}

// checkPages pages through f and compares each page with want.
func checkPages(t *testing.T, s Services, f rampart.ObjectFilter, want [][]string) {
	t.Helper()
	for i, w := range want {
		p, err := s.Objects.FindObjects(ctx, f)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		if diff := cmp.Diff(w, summaries(p)); diff != "" {
			t.Fatalf("page %d (-want +got):\n%s", i+1, diff)
		}
		if wantMore := i < len(want)-1; p.More != wantMore {
			t.Fatalf("page %d: More = %v, want %v", i+1, p.More, wantMore)
		}
		for j, v := range p.Versions {
			if j > 0 && v.Seq <= p.Versions[j-1].Seq {
				t.Fatalf("page %d: Seq %d after %d: not ascending", i+1, v.Seq, p.Versions[j-1].Seq)
			}
			if !f.MetadataOnly && len(v.Object.Raw) == 0 {
				t.Fatalf("page %d: %s has no Raw JSON", i+1, v.Object.ID)
			}
		}
		if len(p.Versions) > 0 {
			f.AfterSeq = p.Versions[len(p.Versions)-1].Seq
		}
	}
}

func ids(p *rampart.ObjectPage) []string {
	var out []string
	for _, v := range p.Versions {
		out = append(out, v.Object.ID)
	}
	return out
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func mustObject(t *testing.T, js string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(js))
	must(t, "parse object", err)
	return o
}
