package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Ids of the search fixture.
const (
	sApt29       = "intrusion-set--00000000-0000-4000-8000-000000000001"
	sNobelium    = "intrusion-set--00000000-0000-4000-8000-000000000002"
	sReport      = "report--00000000-0000-4000-8000-000000000003"
	sIP          = "indicator--00000000-0000-4000-8000-000000000004"
	sIPNear      = "indicator--00000000-0000-4000-8000-000000000005"
	sDomain      = "indicator--00000000-0000-4000-8000-000000000006"
	sSubdomain   = "indicator--00000000-0000-4000-8000-000000000007"
	sParent      = "indicator--00000000-0000-4000-8000-000000000008"
	sLookalike   = "indicator--00000000-0000-4000-8000-000000000009"
	sURL         = "indicator--00000000-0000-4000-8000-00000000000a"
	sHash        = "indicator--00000000-0000-4000-8000-00000000000b"
	sEmail       = "indicator--00000000-0000-4000-8000-00000000000c"
	sEmailNear   = "indicator--00000000-0000-4000-8000-00000000000d"
	sMalware     = "malware--00000000-0000-4000-8000-00000000000e"
	sSighting    = "sighting--00000000-0000-4000-8000-00000000000f"
	sTechnique   = "attack-pattern--00000000-0000-4000-8000-000000000010"
	sSubtech     = "attack-pattern--00000000-0000-4000-8000-000000000011"
	sObserved    = "observed-data--00000000-0000-4000-8000-000000000012"
	sAuthor      = "identity--00000000-0000-4000-8000-0000000000aa"
	sOtherAuthor = "identity--00000000-0000-4000-8000-0000000000bb"
	tlpGreen     = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	tlpAmber     = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
)

// searchObject returns a STIX 2.1 object of type typ with the id, modified
// at the given day of 2021 (created on 2021-01-01), authored by sAuthor and
// marked TLP:GREEN unless the properties given (JSON members, without
// braces) say otherwise.
func searchObject(t *testing.T, id string, day int, props string) *stix.Object {
	t.Helper()
	typ := stix.IDType(id)
	created := `"created":"2021-01-01T00:00:00.000Z",`
	modified := fmt.Sprintf(`"modified":"2021-%02d-%02dT00:00:00.000Z",`, 1+(day-1)/28, 1+(day-1)%28)
	common := `"created_by_ref":"` + sAuthor + `","object_marking_refs":["` + tlpGreen + `"],`
	if strings.Contains(props, `"created_by_ref"`) || strings.Contains(props, `"object_marking_refs"`) {
		common = ""
	}
	return mustObject(t, `{"type":"`+typ+`","spec_version":"2.1","id":"`+id+`",`+created+modified+common+props+`}`)
}

func indicatorProps(name, pattern string) string {
	return fmt.Sprintf(`"name":%q,"pattern":%q,"pattern_type":"stix","valid_from":"2021-01-01T00:00:00Z"`, name, pattern)
}

// searchFixture returns the objects of the search tests.
func searchFixture(t *testing.T) []*stix.Object {
	return []*stix.Object{
		searchObject(t, sApt29, 1, `"name":"APT29","aliases":["Cozy Bear","The Dukes"],"description":"A threat group attributed to an intelligence service.",`+
			`"external_references":[{"source_name":"mitre-attack","external_id":"G0016","url":"https://attack.mitre.org/groups/G0016"}]`),
		searchObject(t, sNobelium, 2, `"name":"NOBELIUM","x_mitre_aliases":["APT29","UNC2452"],"description":"Actor behind a supply chain compromise."`),
		searchObject(t, sReport, 3, `"name":"Phishing wave","description":"APT29 sent phishing mail with links to evil.example.com, then to 203.0.113.9.",`+
			`"report_types":["threat-actor"],"published":"2021-01-03T00:00:00Z","object_refs":["`+sApt29+`"]`),
		searchObject(t, sIP, 4, indicatorProps("C2 address", "[ipv4-addr:value = '198.51.100.7']")),
		searchObject(t, sIPNear, 5, indicatorProps("Other address", "[ipv4-addr:value = '198.51.100.70']")),
		searchObject(t, sDomain, 6, indicatorProps("Phishing domain", "[domain-name:value = 'evil.example.com']")),
		searchObject(t, sSubdomain, 7, indicatorProps("Phishing subdomain", "[domain-name:value = 'a.evil.example.com']")),
		searchObject(t, sParent, 8, indicatorProps("Parent domain", "[domain-name:value = 'example.com']")),
		searchObject(t, sLookalike, 9, indicatorProps("Lookalike domain", "[domain-name:value = 'notevil.example.com']")),
		searchObject(t, sURL, 10, indicatorProps("Download URL", "[url:value = 'http://x.example/a?b'] OR [url:value = 'http://x.example/a?c']")),
		searchObject(t, sHash, 11, indicatorProps("Empty file", "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']")),
		searchObject(t, sEmail, 12, indicatorProps("Sender", "[email-addr:value = 'bob@example.org']")),
		searchObject(t, sEmailNear, 13, indicatorProps("Other sender", "[email-addr:value = 'xbob@example.org']")),
		searchObject(t, sMalware, 14, `"name":"Cobalt Strike","is_family":true,"labels":["backdoor"],"created_by_ref":"`+sOtherAuthor+`","object_marking_refs":["`+tlpAmber+`"]`),
		searchObject(t, sSighting, 15, `"sighting_of_ref":"`+sIP+`","count":3`),
		searchObject(t, sTechnique, 16, `"name":"Command and Scripting Interpreter","external_references":[{"source_name":"mitre-attack","external_id":"T1059"}]`),
		searchObject(t, sSubtech, 17, `"name":"PowerShell","external_references":[{"source_name":"mitre-attack","external_id":"T1059.001"}]`),
		mustObject(t, `{"type":"observed-data","spec_version":"2.0","id":"`+sObserved+`","created":"2021-01-18T00:00:00.000Z","modified":"2021-01-18T00:00:00.000Z",`+
			`"first_observed":"2021-01-18T00:00:00Z","last_observed":"2021-01-18T00:00:00Z","number_observed":1,`+
			`"objects":{"0":{"type":"file","name":"invoice.pdf.exe","hashes":{"SHA-256":"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}}}}`),
	}
}

// search runs q and fails t on an error.
func search(t *testing.T, s Services, q rampart.SearchQuery) *rampart.SearchPage {
	t.Helper()
	p, err := s.Search.SearchObjects(ctx, q)
	must(t, fmt.Sprintf("search %+v", q), err)
	return p
}

// hitIDs returns the object ids of a page's hits, in order.
func hitIDs(p *rampart.SearchPage) []string {
	out := []string{}
	for _, h := range p.Hits {
		out = append(out, h.Version.Object.ID)
	}
	return out
}

// sorted returns the ids in order, for comparisons that ignore rank.
func sorted(ids ...string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return out
}

func testSearch(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	coll := setup(t, s)
	other := &rampart.Collection{APIRoot: "api", Title: "other"}
	must(t, "create collection", s.Collections.CreateCollection(ctx, other))
	_, err := s.Objects.CreateObjects(ctx, coll, searchFixture(t))
	must(t, "store fixture", err)
	// A namesake in another collection, which searches of coll never see.
	otherApt := searchObject(t, "intrusion-set--00000000-0000-4000-8000-0000000000f0", 1, `"name":"APT29","description":"Another collection's copy."`)
	_, err = s.Objects.CreateObjects(ctx, other.ID, []*stix.Object{otherApt})
	must(t, "store in other collection", err)

	t.Run("fixture", func(t *testing.T) { CheckSearchFixture(t, s, coll) })

	t.Run("ranks", func(t *testing.T) {
		p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}, Text: "apt29"})
		var got []string
		for _, h := range p.Hits {
			got = append(got, fmt.Sprintf("%s %v %s", h.Version.Object.ID, h.Rank, h.CollectionID))
			if len(h.Version.Object.Raw) == 0 || h.Version.Seq == 0 || h.Version.DateAdded.IsZero() {
				t.Errorf("hit %s lacks its JSON, Seq or DateAdded", h.Version.Object.ID)
			}
		}
		// Newest first within a rank.
		want := []string{sNobelium + " 2 " + coll, sApt29 + " 2 " + coll, sReport + " 1 " + coll}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("APT29: hits (-want +got):\n%s", diff)
		}
		if p.Total != 3 || p.Next != "" {
			t.Errorf("APT29: Total %d, Next %q; want 3 and none", p.Total, p.Next)
		}
	})

	t.Run("collections", func(t *testing.T) {
		p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{other.ID, coll}, Text: "APT29", Types: []string{"intrusion-set"}})
		got := map[string]string{}
		for _, h := range p.Hits {
			got[h.Version.Object.ID] = h.CollectionID
		}
		want := map[string]string{sApt29: coll, sNobelium: coll, otherApt.ID: other.ID}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("two collections (-want +got):\n%s", diff)
		}
		_, err := s.Search.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{coll, "11111111-2222-4333-8444-555555555555"}, Text: "x"})
		wantCode(t, "search of a missing collection", err, rampart.ENOTFOUND)
	})

	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			q    rampart.SearchQuery
			want []string
		}{
			{rampart.SearchQuery{Types: []string{"malware", "attack-pattern"}}, []string{sMalware, sTechnique, sSubtech}},
			{rampart.SearchQuery{Text: "APT29", Types: []string{"report"}}, []string{sReport}},
			{rampart.SearchQuery{CreatedBy: sOtherAuthor}, []string{sMalware}},
			{rampart.SearchQuery{Marking: tlpAmber}, []string{sMalware}},
			{rampart.SearchQuery{Text: "cobalt", Marking: tlpGreen}, nil},
			{rampart.SearchQuery{Text: "domain", CreatedBy: sAuthor, Marking: tlpGreen}, []string{sDomain, sParent, sLookalike}},
			{rampart.SearchQuery{Since: time.Date(2021, 1, 16, 0, 0, 0, 0, time.UTC), Until: time.Date(2021, 1, 18, 0, 0, 0, 0, time.UTC)}, []string{sTechnique, sSubtech}},
			{rampart.SearchQuery{Text: "phishing", Until: time.Date(2021, 1, 6, 0, 0, 0, 0, time.UTC)}, []string{sReport}},
			{rampart.SearchQuery{Since: time.Date(2021, 1, 18, 0, 0, 0, 0, time.UTC)}, []string{sObserved}},
		} {
			tc.q.CollectionIDs = []string{coll}
			p := search(t, s, tc.q)
			if diff := cmp.Diff(sorted(tc.want...), sorted(hitIDs(p)...)); diff != "" {
				t.Errorf("%+v (-want +got):\n%s", tc.q, diff)
			}
			if p.Total != len(tc.want) {
				t.Errorf("%+v: Total %d, want %d", tc.q, p.Total, len(tc.want))
			}
		}
		p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}})
		if len(p.Hits) != 18 || p.Total != 18 {
			t.Errorf("search without conditions: %d hits, Total %d; want every one of the 18 objects", len(p.Hits), p.Total)
		}
	})

	t.Run("paging", func(t *testing.T) { testSearchPaging(t, s) })
	t.Run("versions", func(t *testing.T) { testSearchVersions(t, s, coll) })
	t.Run("invalid", func(t *testing.T) { testSearchInvalid(t, s, coll) })

	t.Run("delete collection", func(t *testing.T) {
		must(t, "delete collection", s.Collections.DeleteCollection(ctx, "api", other.ID))
		p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}, Text: "APT29", Types: []string{"intrusion-set"}})
		if diff := cmp.Diff(sorted(sApt29, sNobelium), sorted(hitIDs(p)...)); diff != "" {
			t.Errorf("after deleting the other collection (-want +got):\n%s", diff)
		}
	})
}

// CheckSearchFixture checks the searches of the search fixture that the
// collection coll holds: by name, alias, external id, values of patterns
// and observables, with the near misses each must leave out.
func CheckSearchFixture(t *testing.T, s Services, coll string) {
	t.Helper()
	for _, tc := range []struct {
		text string
		want []string
	}{
		// Names, aliases, external ids, in any case.
		{"APT29", []string{sApt29, sNobelium, sReport}},
		{"apt29", []string{sApt29, sNobelium, sReport}},
		{"cozy bear", []string{sApt29}},
		{`"cozy bear"`, []string{sApt29}},
		{`"bear cozy"`, nil},
		{`"Cozy Be"*`, []string{sApt29}},
		{"G0016", []string{sApt29}},
		{"g0016", []string{sApt29}},
		{"unc2452", []string{sNobelium}},
		{"cob*", []string{sMalware}},
		{"backdoor", []string{sMalware}},
		{"T1059", []string{sTechnique, sSubtech}},
		{"T1059.001", []string{sSubtech}},
		{"powershell t1059*", []string{sSubtech}},
		{"phishing mail", []string{sReport}},
		{"phishing nothing", nil},
		{"APT29 AND OR NOT", nil},
		// Values: exactly the objects that name them.
		{"198.51.100.7", []string{sIP}},
		{"198.51.100.70", []string{sIPNear}},
		{"198.51.100.7 198.51.100.70", nil},
		{"203.0.113.9", []string{sReport}},
		{"evil.example.com", []string{sDomain, sSubdomain, sReport}},
		{"EVIL.Example.COM", []string{sDomain, sSubdomain, sReport}},
		{"evil[.]example[.]com", []string{sDomain, sSubdomain, sReport}},
		{"a.evil.example.com", []string{sSubdomain}},
		{"example.com", []string{sDomain, sSubdomain, sParent, sLookalike, sReport}},
		{"evil.example.com phishing", []string{sDomain, sSubdomain, sReport}},
		{"evil.example.com subdomain", []string{sSubdomain}},
		{"http://x.example/a?b", []string{sURL}},
		{"HTTP://X.EXAMPLE/A?B", []string{sURL}},
		{"http://x.example/a", nil},
		{"x.example", []string{sURL}},
		{"d41d8cd98f00b204e9800998ecf8427e", []string{sHash}},
		{"D41D8CD98F00B204E9800998ECF8427E", []string{sHash}},
		{"d41d8cd98f00b204e9800998ecf8427", nil},
		{"bob@example.org", []string{sEmail}},
		{"example.org", []string{sEmail, sEmailNear}},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", []string{sObserved}},
		{"invoice.pdf.exe", []string{sObserved}},
		// Ids: the object, and those that refer to it.
		{sIP, []string{sIP, sSighting}},
		{sApt29, []string{sApt29, sReport}},
		{strings.ToUpper(sApt29[:14]) + sApt29[14:], []string{sApt29, sReport}},
		{sApt29 + " phishing", []string{sReport}},
		// Terms that are neither words nor values add nothing.
		{"--- APT29", []string{sApt29, sNobelium, sReport}},
	} {
		p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}, Text: tc.text})
		if diff := cmp.Diff(sorted(tc.want...), sorted(hitIDs(p)...)); diff != "" {
			t.Errorf("search %q (-want +got):\n%s", tc.text, diff)
		}
		if p.Total != len(tc.want) {
			t.Errorf("search %q: Total %d, want %d", tc.text, p.Total, len(tc.want))
		}
	}
}

// testSearchPaging pages through hits of both ranks with small pages.
func testSearchPaging(t *testing.T, s Services) {
	coll := setup2(t, s, "paging")
	var objs []*stix.Object
	for i := range 23 {
		name, desc := fmt.Sprintf("Tool %d", i), "Seen with zebra traffic."
		if i%3 == 0 {
			name, desc = fmt.Sprintf("Zebra %d", i), "A tool."
		}
		objs = append(objs, searchObject(t, fmt.Sprintf("tool--00000000-0000-4000-8000-%012d", i), 1+i%20, fmt.Sprintf(`"name":%q,"description":%q`, name, desc)))
	}
	_, err := s.Objects.CreateObjects(ctx, coll, objs)
	must(t, "store tools", err)
	for _, q := range []rampart.SearchQuery{
		{CollectionIDs: []string{coll}, Text: "zebra", Limit: 4},
		{CollectionIDs: []string{coll}, Limit: 5},
		{CollectionIDs: []string{coll}, Types: []string{"tool"}, Limit: 7},
		{CollectionIDs: []string{coll}, Text: "zebra", Limit: 23},
		{CollectionIDs: []string{coll}, Text: "zebra", Limit: 500},
	} {
		var got []string
		var ranks []float64
		pages := 0
		for {
			p := search(t, s, q)
			pages++
			got = append(got, hitIDs(p)...)
			for _, h := range p.Hits {
				ranks = append(ranks, h.Rank)
			}
			if p.Total != 23 {
				t.Errorf("%+v: page %d: Total %d, want 23", q, pages, p.Total)
			}
			if p.Next == "" {
				break
			}
			if len(p.Hits) != q.Limit {
				t.Errorf("%+v: page %d has %d hits, more follow", q, pages, len(p.Hits))
			}
			q.Cursor = p.Next
			if pages > 30 {
				t.Fatalf("%+v: paging does not end", q)
			}
		}
		if want := (23 + q.Limit - 1) / q.Limit; pages != want {
			t.Errorf("%+v: %d pages, want %d", q, pages, want)
		}
		if len(got) != 23 || len(slices.Compact(sorted(got...))) != 23 {
			t.Errorf("%+v: %d hits over the pages, %d of them different; want 23", q, len(got), len(slices.Compact(sorted(got...))))
		}
		if !slices.IsSortedFunc(ranks, func(a, b float64) int { return int(b - a) }) {
			t.Errorf("%+v: ranks %v are not best first", q, ranks)
		}
	}
}

// setup2 creates another collection in the API root that setup made.
func setup2(t *testing.T, s Services, title string) string {
	t.Helper()
	c := &rampart.Collection{APIRoot: "api", Title: title}
	must(t, "create collection", s.Collections.CreateCollection(ctx, c))
	return c.ID
}

// testSearchVersions checks that the indexes follow the latest version
// through new versions, restored older ones and deletions.
func testSearchVersions(t *testing.T, s Services, coll string) {
	const id = "malware--00000000-0000-4000-8000-0000000000c1"
	v1 := searchObject(t, id, 1, `"name":"Oldname","is_family":true,"description":"Talks to 192.0.2.1."`)
	v2 := searchObject(t, id, 3, `"name":"Newname","is_family":true,"description":"Talks to 192.0.2.2."`)
	v0 := searchObject(t, id, 2, `"name":"Middlename","is_family":true`)
	check := func(when string, want map[string]string) {
		t.Helper()
		for text, version := range want {
			p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}, Text: text})
			var got string
			for _, h := range p.Hits {
				if h.Version.Object.ID == id {
					got = h.Version.Object.Modified.String()
				}
			}
			if len(p.Hits) > 1 || got != version {
				t.Errorf("%s: search %q finds %v (version %q), want version %q", when, text, hitIDs(p), got, version)
			}
		}
	}
	_, err := s.Objects.CreateObjects(ctx, coll, []*stix.Object{v1})
	must(t, "create v1", err)
	check("after v1", map[string]string{"oldname": v1.Modified.String(), "192.0.2.1": v1.Modified.String(), "newname": ""})
	_, err = s.Objects.CreateObjects(ctx, coll, []*stix.Object{v2})
	must(t, "create v2", err)
	check("after v2", map[string]string{"oldname": "", "192.0.2.1": "", "newname": v2.Modified.String(), "192.0.2.2": v2.Modified.String()})
	// An older version stored later does not replace the latest.
	_, err = s.Objects.CreateObjects(ctx, coll, []*stix.Object{v0})
	must(t, "create v0", err)
	check("after an older version", map[string]string{"middlename": "", "newname": v2.Modified.String()})
	// Deleting the latest version makes the one before it the latest.
	n, err := s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}, Versions: []string{v2.Modified.String()}})
	must(t, "delete v2", err)
	if n != 1 {
		t.Fatalf("deleted %d versions, want 1", n)
	}
	check("after deleting v2", map[string]string{"newname": "", "192.0.2.2": "", "middlename": v0.Modified.String(), "oldname": ""})
	// Deleting an older version changes nothing.
	_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}, Versions: []string{v1.Modified.String()}})
	must(t, "delete v1", err)
	check("after deleting v1", map[string]string{"middlename": v0.Modified.String()})
	_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}})
	must(t, "delete the object", err)
	check("after deleting the object", map[string]string{"middlename": "", id: ""})
	// Restored versions are indexed as created ones are.
	err = s.Objects.RestoreObjects(ctx, coll, []*rampart.ObjectVersion{{Object: v2, DateAdded: time.Now().Add(time.Hour)}})
	must(t, "restore v2", err)
	check("after restoring v2", map[string]string{"newname": v2.Modified.String(), "192.0.2.2": v2.Modified.String()})
}

// testSearchInvalid checks the errors of malformed queries: EINVALID,
// with a message that says what is wrong and no SQL.
func testSearchInvalid(t *testing.T, s Services, coll string) {
	first := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}, Limit: 2})
	if first.Next == "" {
		t.Fatal("no second page to take a cursor from")
	}
	for _, tc := range []struct {
		q    rampart.SearchQuery
		says string
	}{
		{rampart.SearchQuery{Text: "x"}, "collection"},
		{rampart.SearchQuery{CollectionIDs: []string{"not-a-uuid"}}, "not-a-uuid"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Text: `cozy "bear`}, "quote opened at column 6"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Text: strings.Repeat("a", 257)}, "256 bytes"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Text: strings.Repeat("a ", 40)}, "32 terms"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Text: "198.51.100.*"}, "prefix"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Text: "a *"}, "ends no word"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Cursor: "garbage"}, "cursor"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Cursor: first.Next + "x"}, "cursor"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Text: "other", Cursor: first.Next}, "another search"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Limit: -1}, "limit"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Types: []string{"Bad Type"}}, "Bad Type"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, CreatedBy: "bob"}, "identity"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Marking: sAuthor}, "marking-definition"},
		{rampart.SearchQuery{CollectionIDs: []string{coll}, Since: time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}, "before until"},
	} {
		_, err := s.Search.SearchObjects(ctx, tc.q)
		wantCode(t, fmt.Sprintf("search %+v", tc.q), err, rampart.EINVALID)
		msg := rampart.ErrorMessage(err)
		if !strings.Contains(msg, tc.says) || strings.Contains(msg, "SELECT") || strings.Contains(msg, "syntax") {
			t.Errorf("search %+v: message %q, want one that says %q", tc.q, msg, tc.says)
		}
	}
	// The cursor of one page size serves another.
	p := search(t, s, rampart.SearchQuery{CollectionIDs: []string{coll}, Limit: 3, Cursor: first.Next})
	if len(p.Hits) != 3 || p.Hits[0].Version.Seq >= first.Hits[1].Version.Seq {
		t.Errorf("next page with another limit: %v", hitIDs(p))
	}
}

// CheckSearchBackfill checks that objects stored before the search
// indexes existed become searchable: it stores the search fixture in a
// new collection (and more than one back-fill batch of indicators in
// another), then
// calls downgrade, which must close the store, take its schema back to
// before migration 0005 (drop its tables and its record), open it again
// and return its services.
func CheckSearchBackfill(t *testing.T, s Services, downgrade func() Services) {
	t.Helper()
	coll := setup(t, s)
	_, err := s.Objects.CreateObjects(ctx, coll, searchFixture(t))
	must(t, "store fixture", err)
	many := setup2(t, s, "many")
	_, err = s.Objects.CreateObjects(ctx, many, Indicators(0, 2100))
	must(t, "store indicators", err)
	// An object whose latest version is not its first.
	const id = "malware--00000000-0000-4000-8000-0000000000c1"
	_, err = s.Objects.CreateObjects(ctx, coll, []*stix.Object{
		searchObject(t, id, 1, `"name":"Oldname","is_family":true`),
		searchObject(t, id, 2, `"name":"Newname","is_family":true`),
	})
	must(t, "store versions", err)
	s = downgrade()
	CheckSearchFixture(t, s, coll)
	for text, want := range map[string]int{"oldname": 0, "newname": 1, "downloader": 2100, "x2099.example.com": 1} {
		if got := total(t, s, rampart.SearchQuery{CollectionIDs: []string{coll, many}, Text: text}); got != want {
			t.Errorf("after the back-fill: search %q: %d matches, want %d", text, got, want)
		}
	}
}

// total returns the number of matches of q: the Total of its first page,
// or, when the store had no time to count them (Total -1, as on a busy
// machine), the hits of every page.
func total(t *testing.T, s Services, q rampart.SearchQuery) int {
	t.Helper()
	q.Limit = rampart.MaxSearchLimit
	p := search(t, s, q)
	if p.Total >= 0 {
		return p.Total
	}
	n := len(p.Hits)
	for p.Next != "" {
		q.Cursor = p.Next
		p = search(t, s, q)
		n += len(p.Hits)
	}
	return n
}
