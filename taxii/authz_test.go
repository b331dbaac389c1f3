package taxii_test

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/access"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// Organisations of the authorisation tests: the node's own, one it serves,
// a partner with accounts on the node, and one the node does not know.
const (
	orgOwn         = "identity--0a000000-0000-4000-8000-000000000001"
	orgConstituent = "identity--0a000000-0000-4000-8000-000000000002"
	orgPartner     = "identity--0a000000-0000-4000-8000-000000000003"
	orgUnknown     = "identity--0a000000-0000-4000-8000-000000000009"
)

// countingAccess is the node's access.Service, counting the releases.
type countingAccess struct {
	*access.Service
	releases atomic.Int64
}

func (c *countingAccess) Release(ctx context.Context, r rampart.Reader, coll string, objs []*stix.Object) ([]*stix.Object, error) {
	c.releases.Add(1)
	return c.Service.Release(ctx, r, coll, objs)
}

// strangerAccounts makes the account "stranger" one of an organisation
// the node does not know, which the store cannot hold (an organisation is
// removed only once no account belongs to it), to check that it reads
// nothing all the same.
type strangerAccounts struct{ rampart.AccountService }

func (a strangerAccounts) with(acc *rampart.Account, err error) (*rampart.Account, error) {
	if acc != nil && acc.Name == "stranger" {
		acc.Organization = orgUnknown
	}
	return acc, err
}

func (a strangerAccounts) Authenticate(ctx context.Context, name, password string) (*rampart.Account, error) {
	return a.with(a.AccountService.Authenticate(ctx, name, password))
}

func (a strangerAccounts) AuthenticateToken(ctx context.Context, token string) (*rampart.Account, error) {
	return a.with(a.AccountService.AuthenticateToken(ctx, token))
}

func (a strangerAccounts) FindAccountByName(ctx context.Context, name string) (*rampart.Account, error) {
	return a.with(a.AccountService.FindAccountByName(ctx, name))
}

// The accounts of the matrix, by the letter that stands for each in an
// item's readers.
var matrixAccounts = []struct {
	letter string
	name   string
	org    string
}{
	{"A", "admin", ""}, // first: the others' pages are compared with its
	{"O", "own", ""},   // "" is the node's own organisation
	{"C", "constituent", orgConstituent},
	{"P", "partner", orgPartner},
}

// item is one object of the matrix and its versions.
type item struct {
	key      string
	id       string
	versions []itemVersion
}

// itemVersion is one version: its object, a marker string found in that
// version alone, its modified timestamp (unique too), and the accounts
// that may read it.
type itemVersion struct {
	obj      *stix.Object
	marker   string
	modified string
	readers  string
}

func (it *item) readers() string {
	var all string
	for _, v := range it.versions {
		all += v.readers
	}
	return all
}

func (it *item) latest() itemVersion { return it.versions[len(it.versions)-1] }

func matrixID(typ string, n int) string {
	return fmt.Sprintf("%s--0b%06d-0000-4000-8000-000000000000", typ, n)
}

func addressedTo(orgs ...string) string {
	list, _ := json.Marshal(orgs)
	if orgs == nil {
		list = []byte("[]")
	}
	return fmt.Sprintf(`,"extensions":{%q:{"extension_type":"property-extension","recipients":%s}}`, stix.RecipientsExtensionID, list)
}

// matrixItems returns one object for every marking and addressing case,
// and derived objects about objects of several levels.
func matrixItems(t testing.TB) []*item {
	t.Helper()
	marked := func(l stix.TLP) string {
		if l == stix.TLPUnmarked {
			return ""
		}
		return fmt.Sprintf(`,"object_marking_refs":[%q]`, l.MarkingID())
	}
	red, amber, clear := matrixID("indicator", 5), matrixID("indicator", 3), matrixID("intrusion-set", 1)
	type spec struct {
		key     string
		typ     string
		tlp     stix.TLP
		extra   string
		readers string
	}
	specs := []spec{
		1:  {"clear", "intrusion-set", stix.TLPClear, "", "OCPA"},
		2:  {"green", "intrusion-set", stix.TLPGreen, "", "OCPA"},
		3:  {"amber", "indicator", stix.TLPAmber, "", "OCA"},
		4:  {"amber+strict", "intrusion-set", stix.TLPAmberStrict, "", "OA"},
		5:  {"red", "indicator", stix.TLPRed, "", "OA"},
		6:  {"unmarked", "intrusion-set", stix.TLPUnmarked, "", "OCA"},
		7:  {"green, addressed to the node's organisation", "intrusion-set", stix.TLPGreen, addressedTo(orgOwn), "OA"},
		8:  {"green, addressed to the constituent", "intrusion-set", stix.TLPGreen, addressedTo(orgConstituent), "CA"},
		9:  {"green, addressed to the partner", "intrusion-set", stix.TLPGreen, addressedTo(orgPartner), "PA"},
		10: {"green with a red granular marking", "intrusion-set", stix.TLPGreen, fmt.Sprintf(`,"granular_markings":[{"marking_ref":%q,"selectors":["description"]}]`, stix.TLPRed.MarkingID()), "OA"},
		11: {"malformed recipients", "intrusion-set", stix.TLPGreen, addressedTo(), "A"},
		12: {"green sighting of a red indicator", "sighting", stix.TLPGreen, fmt.Sprintf(`,"sighting_of_ref":%q`, red), "OA"},
		13: {"green relationship from a red indicator", "relationship", stix.TLPGreen, fmt.Sprintf(`,"relationship_type":"indicates","source_ref":%q,"target_ref":%q`, red, clear), "OA"},
		14: {"green note on a red indicator", "note", stix.TLPGreen, fmt.Sprintf(`,"object_refs":[%q]`, red), "OA"},
		15: {"green sighting of an amber indicator", "sighting", stix.TLPGreen, fmt.Sprintf(`,"sighting_of_ref":%q`, amber), "OCA"},
		16: {"green relationship from an amber indicator", "relationship", stix.TLPGreen, fmt.Sprintf(`,"relationship_type":"indicates","source_ref":%q,"target_ref":%q`, amber, clear), "OCA"},
		17: {"green note on an amber indicator", "note", stix.TLPGreen, fmt.Sprintf(`,"object_refs":[%q]`, amber), "OCA"},
		18: {"red, created by the constituent", "intrusion-set", stix.TLPRed, fmt.Sprintf(`,"created_by_ref":%q`, orgConstituent), "OCA"},
		19: {"amber, created by the partner", "intrusion-set", stix.TLPAmber, fmt.Sprintf(`,"created_by_ref":%q`, orgPartner), "OCPA"},
		20: {"green, then raised to red", "intrusion-set", stix.TLPGreen, "", "OCPA"},
	}
	var items []*item
	for n, s := range specs {
		if s.key == "" {
			continue
		}
		it := &item{key: s.key, id: matrixID(s.typ, n)}
		version := func(v int, tlp stix.TLP, readers string) {
			created := fmt.Sprintf("2026-11-01T%02d:00:00.000Z", n)
			modified := fmt.Sprintf("2026-11-01T%02d:%02d:00.000Z", n, v)
			marker := fmt.Sprintf("MARK%02dV%dX", n, v)
			var props string
			switch s.typ {
			case "note":
				props = fmt.Sprintf(`"content":%q`, marker)
			case "indicator":
				props = fmt.Sprintf(`"description":%q,"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":%q`, marker, n, created)
			case "intrusion-set":
				props = fmt.Sprintf(`"name":"intrusion set %d","description":%q`, n, marker)
			default:
				props = fmt.Sprintf(`"description":%q`, marker)
			}
			raw := fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":%q,"modified":%q,%s%s%s}`, s.typ, it.id, created, modified, props, marked(tlp), s.extra)
			o, err := stix.ParseObject([]byte(raw))
			if err != nil {
				t.Fatalf("%s: %v\n%s", s.key, err, raw)
			}
			it.versions = append(it.versions, itemVersion{obj: o, marker: marker, modified: modified, readers: readers})
		}
		version(0, s.tlp, s.readers)
		if n == 20 {
			version(1, stix.TLPRed, "OA")
		}
		items = append(items, it)
	}
	return items
}

// newMatrixServer is a TAXII server with Access over a collection that
// holds items, posted by the administrator, and an account of each
// organisation that may read and write it.
func newMatrixServer(t testing.TB, items []*item) (*hookServer, *countingAccess, *taxii.StatusResource) {
	t.Helper()
	var acc *countingAccess
	hs := newOrgServer(t, func(s *taxii.Server, orgs rampart.OrganizationService) {
		acc = &countingAccess{Service: &access.Service{
			Objects: s.Objects, Collections: s.Collections, Organizations: orgs,
			Policy: func(context.Context) rampart.Policy { return rampart.Policy{Organization: orgOwn} },
		}}
		s.Access = acc
		s.Accounts = strangerAccounts{s.Accounts}
		s.MaxPageSize = 5
	})
	ctx := context.Background()
	for _, o := range []*rampart.Organization{
		{ID: orgOwn, Name: "CERT-FR", Relation: rampart.RelationOwn, Country: "FR"},
		{ID: orgConstituent, Name: "A ministry", Relation: rampart.RelationConstituent, Country: "FR"},
		{ID: orgPartner, Name: "A partner CERT", Relation: rampart.RelationPartner},
	} {
		if err := hs.orgs.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	orgOf := map[string]string{}
	for _, a := range matrixAccounts {
		orgOf[a.name] = a.org
	}
	for _, name := range []string{"own", "constituent", "partner", "stranger"} {
		if err := hs.accounts.CreateAccount(ctx, &rampart.Account{Name: name, Organization: orgOf[name]}, testPassword); err != nil {
			t.Fatal(err)
		}
		if err := hs.accounts.SetGrant(ctx, name, rampart.Grant{CollectionID: hs.coll, Read: true, Write: true}); err != nil {
			t.Fatal(err)
		}
	}
	var objs []*stix.Object
	for _, it := range items {
		for _, v := range it.versions {
			objs = append(objs, v.obj)
		}
	}
	st, err := hs.client.AddObjects(ctx, "api", hs.coll, objs)
	if err != nil || st.SuccessCount != len(objs) {
		t.Fatalf("post the matrix: %v, %+v", err, st)
	}
	return hs, acc, st
}

// response is one answer of the server to one account.
type response struct {
	user   string
	what   string
	named  string // the object id the request names, which its answer may repeat
	status int
	header http.Header
	body   string
}

func (hs *hookServer) get(t testing.TB, user, path string, q url.Values) response {
	t.Helper()
	return hs.send(t, user, http.MethodGet, path, q)
}

func (hs *hookServer) send(t testing.TB, user, method, path string, q url.Values) response {
	t.Helper()
	u := hs.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, testPassword)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	what := method + " " + path
	if len(q) > 0 {
		what += "?" + q.Encode()
	}
	return response{user: user, what: what, status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// pages follows "next" from the first page of a listing to the last.
func (hs *hookServer) pages(t testing.TB, user, path string, q url.Values) []response {
	t.Helper()
	q = maps(q)
	var out []response
	for range 100 {
		r := hs.get(t, user, path, q)
		out = append(out, r)
		if r.status != http.StatusOK {
			return out
		}
		var env struct {
			More bool   `json:"more"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal([]byte(r.body), &env); err != nil {
			t.Fatalf("%s as %s: %v", r.what, user, err)
		}
		if !env.More {
			return out
		}
		if env.Next == "" {
			t.Errorf("%s as %s: more without next", r.what, user)
			return out
		}
		q.Set("next", env.Next)
	}
	t.Fatalf("%s as %s: more than 100 pages", path, user)
	return nil
}

func maps(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// envelopeVersions returns id@modified of every object of the answers.
func envelopeVersions(t testing.TB, rs []response) []string {
	t.Helper()
	var out []string
	for _, r := range rs {
		var env struct {
			Objects []struct {
				ID       string `json:"id"`
				Modified string `json:"modified"`
			} `json:"objects"`
		}
		if err := json.Unmarshal([]byte(r.body), &env); err != nil {
			t.Fatalf("%s as %s: %v", r.what, r.user, err)
		}
		for _, o := range env.Objects {
			out = append(out, o.ID+"@"+o.Modified)
		}
	}
	slices.Sort(out)
	return out
}

// withoutID returns an error answer with the object id it names taken
// out, so that answers about two objects can be compared.
func withoutID(body, id string) string { return strings.ReplaceAll(body, id, "ID") }

// checkLeaks fails for every id, marker and version timestamp of the
// items found in an answer to an account that may not read it.
func checkLeaks(t *testing.T, letters map[string]string, items []*item, rs []response) {
	t.Helper()
	for _, r := range rs {
		who := letters[r.user]
		for _, it := range items {
			if it.id != r.named && strings.Contains(r.body, it.id) && !strings.Contains(it.readers(), who) {
				t.Errorf("LEAK: %s (%s) read the id of %q in %s", r.user, who, it.key, r.what)
			}
			for _, v := range it.versions {
				if strings.Contains(v.readers, who) {
					continue
				}
				if strings.Contains(r.body, v.marker) {
					t.Errorf("LEAK: %s read %q (%s) in %s", r.user, it.key, v.marker, r.what)
				}
				if strings.Contains(r.body, v.modified) {
					t.Errorf("LEAK: %s read the version %s of %q in %s", r.user, v.modified, it.key, r.what)
				}
			}
		}
	}
}

// TestAuthorizationMatrix checks every TAXII read of accounts of the
// node's organisation, of a constituent, of a partner and of an
// administrator against objects of every marking and addressing case, and
// objects derived from them: each id, marker and version appears in the
// answers to exactly the accounts rampart.Policy lets read it, and what an
// account may read is served to it whole.
func TestAuthorizationMatrix(t *testing.T) {
	items := matrixItems(t)
	hs, access, adminStatus := newMatrixServer(t, items)
	letters := map[string]string{"stranger": "X"}
	for _, a := range matrixAccounts {
		letters[a.name] = a.letter
	}
	coll := "/api/collections/" + hs.coll + "/"
	const unknownID = "intrusion-set--0bffffff-0000-4000-8000-000000000000"
	v := func(kv ...string) url.Values {
		q := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}
	// The manifest of every version, as the administrator sees it, gives
	// a date_added in the middle for added_after.
	var all []taxii.ManifestRecord
	for _, r := range hs.pages(t, "admin", coll+"manifest/", v("match[version]", "all")) {
		var m taxii.Manifest
		if r.status != 200 || json.Unmarshal([]byte(r.body), &m) != nil {
			t.Fatalf("administrator's manifest: %d %s", r.status, r.body)
		}
		all = append(all, m.Objects...)
	}
	if len(all) != 21 {
		t.Fatalf("administrator's manifest: %d versions, want 21", len(all))
	}
	middle := all[len(all)/2].DateAdded

	var adminPages int
	for _, acct := range matrixAccounts {
		t.Run(acct.name, func(t *testing.T) {
			user, who := acct.name, acct.letter
			may := func(readers string) bool { return strings.Contains(readers, who) }
			var rs []response
			keep := func(more ...response) []response { rs = append(rs, more...); return more }

			// Listings, with filters and pages smaller than the matrix.
			latest := keep(hs.pages(t, user, coll+"objects/", v("limit", "2"))...)
			every := keep(hs.pages(t, user, coll+"objects/", v("limit", "3", "match[version]", "all"))...)
			keep(hs.pages(t, user, coll+"objects/", v("limit", "2", "match[version]", "all", "match[type]", "sighting,relationship,note"))...)
			keep(hs.pages(t, user, coll+"objects/", v("match[type]", "indicator", "match[spec_version]", "2.1"))...)
			keep(hs.pages(t, user, coll+"objects/", v("limit", "2", "match[version]", "all", "added_after", middle))...)
			keep(hs.pages(t, user, coll+"objects/", v("limit", "1", "match[version]", "first"))...)
			manifest := keep(hs.pages(t, user, coll+"manifest/", v("limit", "2", "match[version]", "all"))...)
			keep(hs.pages(t, user, coll+"manifest/", v("limit", "4"))...)

			var wantVersions, wantLatest, wantManifest []string
			for _, it := range items {
				for _, iv := range it.versions {
					if may(iv.readers) {
						wantVersions = append(wantVersions, it.id+"@"+iv.modified)
						wantManifest = append(wantManifest, it.id+"@"+iv.modified)
					}
				}
				if l := it.latest(); may(l.readers) {
					wantLatest = append(wantLatest, it.id+"@"+l.modified)
				}
			}
			slices.Sort(wantVersions)
			slices.Sort(wantLatest)
			slices.Sort(wantManifest)
			if diff := cmp.Diff(wantVersions, envelopeVersions(t, every)); diff != "" {
				t.Errorf("every version listed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantLatest, envelopeVersions(t, latest)); diff != "" {
				t.Errorf("latest versions listed (-want +got):\n%s", diff)
			}
			var gotManifest []string
			for _, r := range manifest {
				var m taxii.Manifest
				if err := json.Unmarshal([]byte(r.body), &m); err != nil {
					t.Fatal(err)
				}
				for _, rec := range m.Objects {
					gotManifest = append(gotManifest, rec.ID+"@"+rec.Version)
				}
			}
			slices.Sort(gotManifest)
			if diff := cmp.Diff(wantManifest, gotManifest); diff != "" {
				t.Errorf("manifest (-want +got):\n%s", diff)
			}
			// Withheld versions do not stop the cursor: every account
			// pages through as many pages as there are versions.
			if user == "admin" {
				adminPages = len(latest)
			} else if len(latest) != adminPages {
				t.Errorf("%d pages of the latest versions, the administrator %d", len(latest), adminPages)
			}

			// One object at a time: absent is as unknown.
			unknownObject := hs.get(t, user, coll+"objects/"+unknownID+"/", nil)
			unknownVersions := hs.get(t, user, coll+"objects/"+unknownID+"/versions/", nil)
			if unknownObject.status != 404 || unknownVersions.status != 404 {
				t.Fatalf("unknown object: %d, versions %d; want 404", unknownObject.status, unknownVersions.status)
			}
			for _, it := range items {
				byID := keep(hs.pages(t, user, coll+"objects/", v("match[id]", it.id, "match[version]", "all"))...)
				var want []string
				for _, iv := range it.versions {
					if may(iv.readers) {
						want = append(want, it.id+"@"+iv.modified)
					}
				}
				if diff := cmp.Diff(want, envelopeVersions(t, byID)); diff != "" {
					t.Errorf("match[id] %q (-want +got):\n%s", it.key, diff)
				}

				one := hs.get(t, user, coll+"objects/"+it.id+"/", nil)
				allOne := hs.get(t, user, coll+"objects/"+it.id+"/", v("match[version]", "all"))
				versions := hs.get(t, user, coll+"objects/"+it.id+"/versions/", nil)
				one.named, allOne.named, versions.named = it.id, it.id, it.id
				keep(one, allOne, versions)
				if !may(it.readers()) {
					for _, c := range []struct{ got, unknown response }{{one, unknownObject}, {allOne, unknownObject}, {versions, unknownVersions}} {
						if c.got.status != 404 || withoutID(c.got.body, it.id) != withoutID(c.unknown.body, unknownID) {
							t.Errorf("%q, withheld: %s answered %d %s; an unknown object %d %s", it.key, c.got.what, c.got.status, c.got.body, c.unknown.status, c.unknown.body)
						}
					}
					continue
				}
				wantOne := []string(nil)
				if l := it.latest(); may(l.readers) {
					wantOne = []string{it.id + "@" + l.modified}
				}
				if one.status != 200 {
					t.Errorf("%q: GET object %d %s", it.key, one.status, one.body)
				} else if diff := cmp.Diff(wantOne, envelopeVersions(t, []response{one})); diff != "" {
					t.Errorf("%q: GET object (-want +got):\n%s", it.key, diff)
				}
				if allOne.status != 200 {
					t.Errorf("%q: GET object, every version: %d %s", it.key, allOne.status, allOne.body)
				} else if diff := cmp.Diff(want, envelopeVersions(t, []response{allOne})); diff != "" {
					t.Errorf("%q: GET object, every version (-want +got):\n%s", it.key, diff)
				}
				var got taxii.Versions
				if versions.status != 200 || json.Unmarshal([]byte(versions.body), &got) != nil {
					t.Errorf("%q: versions %d %s", it.key, versions.status, versions.body)
				}
				var wantTimes []string
				for _, iv := range it.versions {
					if may(iv.readers) {
						wantTimes = append(wantTimes, iv.modified)
					}
				}
				if diff := cmp.Diff(wantTimes, got.Versions); diff != "" {
					t.Errorf("%q: versions (-want +got):\n%s", it.key, diff)
				}
			}
			checkLeaks(t, letters, items, rs)
		})
	}

	// Statuses: an account reads those of its own requests; another's is
	// as unknown. The administrator's lists every object of the matrix.
	ctx := context.Background()
	statuses := map[string]string{"admin": adminStatus.ID}
	for _, acct := range matrixAccounts[1:] {
		c := &taxii.Client{BaseURL: hs.url, User: acct.name, Password: testPassword}
		note := hookObject(t, 900+len(statuses), "posted by "+acct.name)
		st, err := c.AddObjects(ctx, "api", hs.coll, []*stix.Object{note})
		if err != nil {
			t.Fatal(err)
		}
		statuses[acct.name] = st.ID
	}
	const unknownStatus = "00000000-0000-4000-8000-000000000000"
	var rs []response
	for _, acct := range matrixAccounts {
		unknown := hs.get(t, acct.name, "/api/status/"+unknownStatus+"/", nil)
		for owner, id := range statuses {
			r := hs.get(t, acct.name, "/api/status/"+id+"/", nil)
			rs = append(rs, r)
			switch {
			case owner == acct.name || acct.name == "admin":
				if r.status != 200 || !strings.Contains(r.body, id) {
					t.Errorf("%s reading the status of its request by %s: %d %s", acct.name, owner, r.status, r.body)
				}
			case r.status != 404 || withoutID(r.body, id) != withoutID(unknown.body, unknownStatus):
				t.Errorf("%s reading the status of a request by %s: %d %s; an unknown status: %d %s", acct.name, owner, r.status, r.body, unknown.status, unknown.body)
			}
		}
	}
	checkLeaks(t, letters, items, rs)

	// An account deletes only what it may read: an object it may not read
	// is as unknown, one with versions it may not read is refused, and
	// either stays as it was.
	byKey := map[string]*item{}
	for _, it := range items {
		byKey[it.key] = it
	}
	unknownDelete := hs.send(t, "constituent", http.MethodDelete, coll+"objects/"+unknownID+"/", nil)
	raised := byKey["green, then raised to red"]
	for _, d := range []struct {
		user, key string
		q         url.Values
		status    int
	}{
		{"constituent", "red", nil, 404},
		{"partner", "amber", nil, 404},
		{"constituent", "green sighting of a red indicator", nil, 404},
		{"constituent", raised.key, nil, 403},
		{"partner", raised.key, v("match[version]", "last"), 404},
		{"constituent", raised.key, v("match[version]", raised.versions[0].modified), 200},
		{"partner", "green", nil, 200},
	} {
		it := byKey[d.key]
		r := hs.send(t, d.user, http.MethodDelete, coll+"objects/"+it.id+"/", d.q)
		if r.status != d.status {
			t.Errorf("%s deleting %q %v: %d %s, want %d", d.user, d.key, d.q, r.status, r.body, d.status)
		}
		if r.status == 404 && withoutID(r.body, it.id) != withoutID(unknownDelete.body, unknownID) {
			t.Errorf("%s deleting %q: %s; an unknown object: %s", d.user, d.key, r.body, unknownDelete.body)
		}
	}
	for key, want := range map[string][]string{
		"red":                               {byKey["red"].versions[0].modified},
		"amber":                             {byKey["amber"].versions[0].modified},
		raised.key:                          {raised.versions[1].modified},
		"green sighting of a red indicator": {byKey["green sighting of a red indicator"].versions[0].modified},
	} {
		var got taxii.Versions
		r := hs.get(t, "admin", coll+"objects/"+byKey[key].id+"/versions/", nil)
		if json.Unmarshal([]byte(r.body), &got) != nil || !slices.Equal(got.Versions, want) {
			t.Errorf("versions of %q after the deletions: %s, want %q", key, r.body, want)
		}
	}
	if r := hs.get(t, "admin", coll+"objects/"+byKey["green"].id+"/", nil); r.status != 404 {
		t.Errorf("an object its reader deleted: %d %s", r.status, r.body)
	}

	// An account of an organisation the node does not know reads nothing,
	// and is told why.
	r := hs.get(t, "stranger", coll+"objects/", nil)
	if r.status != 403 || !strings.Contains(r.body, "does not know") {
		t.Errorf("account of an unknown organisation: %d %s", r.status, r.body)
	}
	checkLeaks(t, letters, items, []response{r})
	if access.releases.Load() == 0 {
		t.Errorf("Access was never asked")
	}
}

// TestConstituentDoesNotReadRED is the leak Access closes: an account of a
// constituent that may read a collection read its TLP:RED objects, and
// what was derived from them, like the node's own analysts.
func TestConstituentDoesNotReadRED(t *testing.T) {
	var items []*item
	for _, it := range matrixItems(t) {
		if it.key == "red" || it.key == "green sighting of a red indicator" || it.key == "green" {
			items = append(items, it)
		}
	}
	hs, _, _ := newMatrixServer(t, items)
	coll := "/api/collections/" + hs.coll + "/"
	for _, user := range []string{"constituent", "own"} {
		rs := hs.pages(t, user, coll+"objects/", url.Values{"match[version]": {"all"}})
		rs = append(rs, hs.get(t, user, coll+"manifest/", nil))
		got := envelopeVersions(t, rs[:len(rs)-1])
		body := ""
		for _, r := range rs {
			body += r.body
		}
		seesRed := strings.Contains(body, items[1].versions[0].marker) || strings.Contains(body, items[2].versions[0].marker)
		if seesRed != (user == "own") || len(got) == 0 {
			t.Errorf("%s read %v; red objects read: %v", user, got, seesRed)
		}
		for _, it := range items[1:] {
			r := hs.get(t, user, coll+"objects/"+it.id+"/", nil)
			if want := map[bool]int{true: 200, false: 404}[user == "own"]; r.status != want {
				t.Errorf("%s GET %q: %d, want %d", user, it.key, r.status, want)
			}
		}
	}
}
