package versions

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		f       rampart.ObjectFilter
		code    string
		mention string
	}{
		{rampart.ObjectFilter{CollectionID: "c"}, "", ""},
		{rampart.ObjectFilter{}, rampart.EINVALID, "collection id"},
		{rampart.ObjectFilter{CollectionID: "c", Versions: []string{"latest"}}, rampart.EINVALID, `match[version]: "latest"`},
		{rampart.ObjectFilter{CollectionID: "c", SpecVersions: []string{"2.2"}}, rampart.EINVALID, `match[spec_version]: "2.2"`},
		{rampart.ObjectFilter{CollectionID: "c", Limit: -1}, rampart.EINVALID, "limit"},
		{rampart.ObjectFilter{CollectionID: "c", IDs: make([]string, MaxFilterIDs+1)}, rampart.EINVALID, "match[id]"},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.f)
		if got := rampart.ErrorCode(err); got != tt.code {
			t.Errorf("ParseFilter(%+v): code %q (%v), want %q", tt.f, got, err, tt.code)
		}
		if tt.mention != "" && !strings.Contains(rampart.ErrorMessage(err), tt.mention) {
			t.Errorf("ParseFilter(%+v): message %q does not mention %q", tt.f, rampart.ErrorMessage(err), tt.mention)
		}
	}
	q, err := ParseFilter(rampart.ObjectFilter{CollectionID: "c", Versions: []string{"first", "2016-12-25T12:30:59.444Z", "2016-12-25T12:30:59.444000Z"},
		SpecVersions: []string{"2.1", "2.0", "2.1"}, Limit: rampart.MaxPageSize + 1})
	if err != nil {
		t.Fatal(err)
	}
	if q.Last || !q.First || len(q.Timestamps) != 1 || q.Timestamps[0] != "2016-12-25T12:30:59.444000000Z" ||
		strings.Join(q.Specs, ",") != "2.0,2.1" || q.Limit != rampart.MaxPageSize {
		t.Errorf("ParseFilter = %+v", q)
	}
	d, err := ParseDeleteFilter(rampart.ObjectFilter{CollectionID: "c", IDs: []string{"x--1"}})
	if err != nil || !d.All || strings.Join(d.Specs, ",") != "2.0,2.1" {
		t.Errorf("ParseDeleteFilter without filters = %+v, %v; want every version of every spec", d, err)
	}
}

func TestNextDateAdded(t *testing.T) {
	tests := []struct{ now, last, want int64 }{
		{100, 50, 100},
		{100, 100, 101},
		{100, 200, 201}, // the clock stepped back
	}
	for _, tt := range tests {
		if got := NextDateAdded(tt.now, tt.last); got != tt.want {
			t.Errorf("NextDateAdded(%d, %d) = %d, want %d", tt.now, tt.last, got, tt.want)
		}
	}
	tm := time.Date(2024, 1, 1, 0, 0, 0, 1999, time.UTC)
	if got := Time(Micros(tm)); !got.Equal(tm.Truncate(time.Microsecond)) {
		t.Errorf("Time(Micros(%v)) = %v", tm, got)
	}
}

func TestMark(t *testing.T) {
	rows := []*Row{
		{Key: "2", Spec: "2.1"},
		{Key: "3", Spec: "2.0"},
		{Key: "1", Spec: "2.1"},
	}
	Mark(rows)
	want := [][3]bool{{true, true, false}, {false, false, false}, {true, false, true}}
	for i, r := range rows {
		if r.marks() != want[i] {
			t.Errorf("row %d: marks %v, want %v", i, r.marks(), want[i])
		}
	}
}

func TestPlanCreate(t *testing.T) {
	obj := func(id, modified string) *stix.Object {
		o, err := stix.ParseObject([]byte(`{"type":"malware","spec_version":"2.1","id":"malware--` + id +
			`","created":"2020-01-01T00:00:00Z","modified":"` + modified + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	a := "00000000-0000-4000-8000-000000000001"
	existing := []Row{{Seq: 7, ID: "malware--" + a, Key: obj(a, "2021-01-01T00:00:00Z").Version().Key(), Spec: "2.1", DateAdded: 500, Top: true, Latest: true, Earliest: true}}
	p := PlanCreate([]*stix.Object{obj(a, "2022-01-01T00:00:00Z"), obj(a, "2021-01-01T00:00:00Z"), obj(a, "2022-01-01T00:00:00Z")}, existing, 400, 500)
	if len(p.Inserts) != 1 || p.Inserts[0].DateAdded != 501 || !p.Inserts[0].Latest || p.Inserts[0].Earliest {
		t.Errorf("inserts %+v", p.Inserts)
	}
	if len(p.Updates) != 1 || p.Updates[0].Seq != 7 || p.Updates[0].Latest || !p.Updates[0].Earliest {
		t.Errorf("updates %+v: the stored version is no longer the latest", p.Updates)
	}
	added := [3]bool{p.Results[0].Added, p.Results[1].Added, p.Results[2].Added}
	if added != [3]bool{true, false, false} || p.Results[1].DateAdded != Time(500) || p.Results[2].DateAdded != Time(501) || p.LastAdded != 501 {
		t.Errorf("results %+v, last %d", p.Results, p.LastAdded)
	}
	if p.Results[1].Seq != 7 {
		t.Errorf("result for the stored version: Seq %d, want its stored Seq 7", p.Results[1].Seq)
	}
}

func TestAssignSeqs(t *testing.T) {
	ins := []*Insert{{Row: Row{ID: "tool--1", Key: "b"}}, {Row: Row{ID: "tool--1", Key: "a"}}, {Row: Row{ID: "tool--2", Key: ""}}}
	stored := []Row{{Seq: 3, ID: "tool--1", Key: "a"}, {Seq: 1, ID: "tool--0", Key: "a"}, {Seq: 4, ID: "tool--2"}, {Seq: 2, ID: "tool--1", Key: "b"}}
	if err := AssignSeqs(ins, stored); err != nil {
		t.Fatal(err)
	}
	if got := [3]int64{ins[0].Seq, ins[1].Seq, ins[2].Seq}; got != [3]int64{2, 3, 4} {
		t.Errorf("seqs %v, want [2 3 4]", got)
	}
	if err := AssignSeqs(ins, stored[:2]); err == nil {
		t.Errorf("AssignSeqs with a version missing from the stored ones succeeded")
	}
}

// TestPlanDeleteTypes: a deletion filtered by type deletes the object's
// versions only when the type filter names the object's type.
func TestPlanDeleteTypes(t *testing.T) {
	rows := []Row{{Seq: 3, ID: "tool--1", Key: "k", Spec: "2.1", Top: true, Latest: true, Earliest: true}}
	tests := []struct {
		types   []string
		wantDel int
	}{
		{nil, 1},
		{[]string{"malware", "tool"}, 1},
		{[]string{"malware"}, 0},
	}
	for _, tt := range tests {
		q, err := ParseDeleteFilter(rampart.ObjectFilter{CollectionID: "c", IDs: []string{"tool--1"}, Types: tt.types})
		if err != nil {
			t.Fatal(err)
		}
		del, _, _, err := PlanDelete(q, rows)
		if len(del) != tt.wantDel {
			t.Errorf("types %v: deletes %v, want %d", tt.types, del, tt.wantDel)
		}
		if tt.wantDel == 0 && rampart.ErrorCode(err) != rampart.ENOTFOUND {
			t.Errorf("types %v: error %v, want ENOTFOUND", tt.types, err)
		}
	}
}

// FuzzParseFilter: any filter either parses into a query within the
// limits or gives an EINVALID error; it never panics.
func FuzzParseFilter(f *testing.F) {
	f.Add("c", "last", "2.1", 10, int64(0))
	f.Add("c", "2016-12-25T12:30:59.444Z", "2.0", 0, int64(5))
	f.Add("", "first", "", -1, int64(-1))
	f.Fuzz(func(t *testing.T, coll, version, spec string, limit int, after int64) {
		fl := rampart.ObjectFilter{CollectionID: coll, Versions: strings.Split(version, ","), Limit: limit, AfterSeq: after}
		if spec != "" {
			fl.SpecVersions = strings.Split(spec, ",")
		}
		q, err := ParseFilter(fl)
		if err != nil {
			if rampart.ErrorCode(err) != rampart.EINVALID {
				t.Fatalf("ParseFilter(%+v): %v is not EINVALID", fl, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > rampart.MaxPageSize || !(q.Last || q.First || q.All || len(q.Timestamps) > 0) {
			t.Fatalf("ParseFilter(%+v) = %+v", fl, q)
		}
		for _, k := range q.Timestamps {
			if len(k) != len("2016-12-25T12:30:59.444000000Z") {
				t.Fatalf("timestamp key %q is not fixed-width", k)
			}
		}
	})
}
