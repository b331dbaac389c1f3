package web

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/trust"
)

var ctx = context.Background()

const (
	orgFR    = "identity--11111111-1111-4111-8111-111111111111"
	password = "a-long-test-password"
)

// node is a store with two collections, four accounts, the coordination
// service, the early-warning engine and the API server on 127.0.0.1:0.
type node struct {
	t        testing.TB
	objects  rampart.ObjectService
	coordID  string
	intelID  string
	svc      *coord.Service
	ew       *warning.Engine
	api      *Server
	srv      *httptest.Server
	now      time.Time
	settings rampart.SettingService
	orgs     rampart.OrganizationService
}

func newNode(t testing.TB) *node {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "rampart.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	n := &node{t: t, objects: sqlite.NewObjectService(db), orgs: sqlite.NewServices(db).Organizations, now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	colls, accts := sqlite.NewServices(db).Collections, sqlite.NewServices(db).Accounts
	must(t, colls.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api", Title: "api"}))
	for _, c := range []*rampart.Collection{{APIRoot: "api", Title: "coordination"}, {APIRoot: "api", Title: "intel"}} {
		must(t, colls.CreateCollection(ctx, c))
		if c.Title == "coordination" {
			n.coordID = c.ID
		} else {
			n.intelID = c.ID
		}
	}
	for _, a := range []struct {
		name   string
		admin  bool
		grants []rampart.Grant
	}{
		{"admin", true, nil},
		{"analyst", false, []rampart.Grant{{CollectionID: n.coordID, Read: true, Write: true}, {CollectionID: n.intelID, Read: true}}},
		{"reader", false, []rampart.Grant{{CollectionID: n.coordID, Read: true}}},
		{"outsider", false, nil},
	} {
		must(t, accts.CreateAccount(ctx, &rampart.Account{Name: a.name, Admin: a.admin}, password))
		for _, g := range a.grants {
			must(t, accts.SetGrant(ctx, a.name, g))
		}
	}
	clock := func() time.Time { return n.now }
	n.svc = &coord.Service{Objects: n.objects, CollectionID: n.coordID, Organization: orgFR, MemberState: "FR", Now: clock}
	n.ew = warning.NewEngine()
	n.ew.Objects, n.ew.Collections, n.ew.CollectionID, n.ew.Organization, n.ew.Now = n.objects, colls, n.coordID, orgFR, clock
	must(t, n.ew.Open(ctx))
	t.Cleanup(func() { n.ew.Close() })
	n.api = NewServer()
	n.api.Accounts, n.api.Objects, n.api.Collections, n.api.Coord, n.api.EarlyWarning = accts, n.objects, colls, n.svc, n.ew
	n.api.Now = clock
	n.settings = sqlite.NewServices(db).Settings
	n.api.Settings = &applyingSettings{SettingService: n.settings, ew: n.ew}
	n.api.Sightings = func(_ context.Context, collectionID string) SightingSink {
		return &storeSightings{objects: n.api.Objects, collection: collectionID}
	}
	must(t, n.api.Open(ctx))
	n.srv = httptest.NewServer(n.api.Handler())
	t.Cleanup(n.srv.Close)
	return n
}

// applyingSettings are the node's settings, which give the engine the
// watchlists as soon as they change, as a serving node does.
type applyingSettings struct {
	rampart.SettingService
	ew *warning.Engine
}

func (s *applyingSettings) apply(ctx context.Context) error {
	set, err := warning.LoadSettings(ctx, s.SettingService)
	if err != nil {
		return err
	}
	return s.ew.SetWatchlists(ctx, set.Watchlists)
}

func (s *applyingSettings) SetSetting(ctx context.Context, name string, v []byte, version int64) (*rampart.Setting, error) {
	set, err := s.SettingService.SetSetting(ctx, name, v, version)
	if err == nil {
		err = s.apply(ctx)
	}
	return set, err
}

func (s *applyingSettings) DeleteSetting(ctx context.Context, name string) error {
	err := s.SettingService.DeleteSetting(ctx, name)
	if err == nil {
		err = s.apply(ctx)
	}
	return err
}

// storeSightings is the node's sighting sink cut down to what these tests
// need: sightings made by France's CSIRT, stored as they come.
type storeSightings struct {
	objects    rampart.ObjectService
	collection string
	stored     []*stix.Object
	err        error
}

func (s *storeSightings) Aggregator(where string, window time.Duration) *match.Aggregator {
	if where == "" {
		where = orgFR
	}
	return &match.Aggregator{Window: window, WhereSightedRef: where, CreatedByRef: orgFR, Sink: s}
}

func (s *storeSightings) Sighting(ctx context.Context, sighting *stix.Object, related []*stix.Object) error {
	if _, err := s.objects.CreateObjects(ctx, s.collection, append(related[:len(related):len(related)], sighting)); err != nil {
		s.err = err
		return err
	}
	s.stored = append(s.stored, sighting)
	return nil
}

func (s *storeSightings) Stored() []*stix.Object { return s.stored }
func (s *storeSightings) Failed() error          { return s.err }

// Observed keeps nothing: the web tests have no archive.
func (s *storeSightings) Observed(context.Context, *match.Record) {}
func (s *storeSightings) Flush(context.Context) error             { return nil }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type answer struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// do sends a request as user (no credentials when user is "").
func (n *node) do(user, method, path, body string) answer {
	n.t.Helper()
	req, err := http.NewRequest(method, n.srv.URL+path, strings.NewReader(body))
	must(n.t, err)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	must(n.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		n.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if err := json.Unmarshal(b, &a.json); err != nil {
		n.t.Errorf("%s %s: answer is not a JSON object: %s", method, path, b)
	}
	return a
}

func (n *node) want(a answer, status int, contains ...string) {
	n.t.Helper()
	if a.status != status {
		n.t.Errorf("status %d, want %d: %s", a.status, status, a.body)
	}
	for _, c := range contains {
		if !strings.Contains(a.body, c) {
			n.t.Errorf("answer lacks %q: %s", c, a.body)
		}
	}
}

func errCode(a answer) string {
	e, _ := a.json["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAuthAndAccess(t *testing.T) {
	n := newNode(t)
	a := n.do("", "GET", "/api/v1/incidents", "")
	n.want(a, 401, "authentication required")
	if len(a.header.Values("WWW-Authenticate")) != 2 || errCode(a) != rampart.EUNAUTHORIZED {
		t.Errorf("401: %v %s", a.header, a.body)
	}
	req, _ := http.NewRequest("GET", n.srv.URL+"/api/v1/incidents", nil)
	req.SetBasicAuth("analyst", "wrong password!")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	n.want(n.do("outsider", "GET", "/api/v1/incidents", ""), 403, "may not read the coordination collection")
	n.want(n.do("reader", "POST", "/api/v1/incidents", `{"name":"x","detected":"2026-03-10T09:00:00Z"}`), 403, "may not write")
	n.want(n.do("reader", "GET", "/api/v1/incidents", ""), 200)
	n.want(n.do("analyst", "GET", "/api/v1/watchlists", ""), 403, "not an administrator")
	n.want(n.do("reader", "GET", "/api/v1/nothing", ""), 404, "no API endpoint")
	a = n.do("analyst", "DELETE", "/api/v1/incidents", "")
	n.want(a, 405, "use GET or POST")
	if a.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow: %q", a.header.Get("Allow"))
	}
	n.want(n.do("reader", "GET", "/api/v1/", ""), 200, "POST /api/v1/attribution")
}

func TestIncidentsAPI(t *testing.T) {
	n := newNode(t)
	a := n.do("analyst", "POST", "/api/v1/incidents", `{
		"name": "Wiper at grid operators", "detected": "2026-03-10T09:30:00Z",
		"affected_member_states": ["FR", "DE"], "sectors": ["energy"], "significant": true,
		"eu_alert_level": "elevated", "tlp": "amber"}`)
	n.want(a, 201, `"kind":"early-warning"`, `"due":"2026-03-11T09:30:00Z"`, `"cross_border":true`, `"member_state":"FR"`)
	id, _ := a.json["id"].(string)
	if !strings.HasPrefix(id, "incident--") {
		t.Fatalf("id %q", id)
	}

	// Bad input is refused with a message that names what is wrong.
	n.want(n.do("analyst", "POST", "/api/v1/incidents", `{"name":"x","detected":"2026-03-10T09:00:00Z","eu_level":"high"}`), 400, `member /eu_level`)
	n.want(n.do("analyst", "POST", "/api/v1/incidents", "{\n\"name\": \"x\",\n\"detected\": }"), 400, "malformed JSON at 3:13")
	n.want(n.do("analyst", "POST", "/api/v1/incidents", `{"name":"x","detected":"2026-03-10T09:00:00Z","eu_alert_level":"purple"}`), 400, `eu_alert_level must be one of normal, elevated, high, crisis (got \"purple\")`)
	n.want(n.do("analyst", "POST", "/api/v1/incidents", `{"name":"x"}`), 400, "detected")
	n.want(n.do("analyst", "GET", "/api/v1/incidents/incident--00000000-0000-4000-8000-000000000000", ""), 404)
	huge := `{"name":"x","detected":"2026-03-10T09:00:00Z","description":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`
	n.want(n.do("analyst", "POST", "/api/v1/incidents", huge), 413, "request body exceeds 1048576 bytes")
	req, _ := http.NewRequest("POST", n.srv.URL+"/api/v1/incidents", strings.NewReader(`name=x`))
	req.SetBasicAuth("analyst", password)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d, want 415", resp.StatusCode)
	}

	// Updates, reports and the timeline; deadlines flagged at the clock.
	n.now = time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	n.want(n.do("analyst", "PATCH", "/api/v1/incidents/"+id, `{"eu_alert_level":"high","investigation_status":"open"}`), 200, `"eu_alert_level":"high"`)
	n.want(n.do("analyst", "POST", "/api/v1/incidents/"+id+"/reports", `{"kind":"early-warning","reference":"ANSSI-2026-0042"}`), 200,
		`"state":"submitted"`, `"activity":"early-warning submitted"`, "reference ANSSI-2026-0042")
	n.want(n.do("analyst", "POST", "/api/v1/incidents/"+id+"/reports", `{"kind":"interim"}`), 400, "report kind must be")
	n.want(n.do("analyst", "POST", "/api/v1/incidents/"+id+"/timeline", `{"activity":"CSIRTs network informed"}`), 200, `"actor":"analyst"`)
	n.want(n.do("analyst", "PATCH", "/api/v1/incidents/"+id, `{"tlp":"clear"}`), 400, "cannot be lowered")

	n.now = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	a = n.do("reader", "GET", "/api/v1/incidents?overdue=true", "")
	n.want(a, 200, `"overdue":["notification"]`, `"state":"overdue"`)
	if list := a.json["incidents"].([]any); len(list) != 1 {
		t.Errorf("overdue incidents: %d", len(list))
	}
	n.want(n.do("reader", "GET", "/api/v1/incidents?overdue=perhaps", ""), 400, "overdue must be true or false")
	a = n.do("reader", "GET", "/api/v1/incidents?member_state=IT", "")
	if list := a.json["incidents"].([]any); len(list) != 0 {
		t.Errorf("filter by member state: %d", len(list))
	}
	n.want(n.do("reader", "GET", "/api/v1/incidents/"+id+"/joint", ""), 200, `"member_states":["DE","FR"]`)
}

// sightings stores a cross-border episode: one indicator sighted by
// organisations in FR and DE.
func (n *node) sightings() string {
	var objs []*stix.Object
	add := func(s string) { o, err := stix.ParseObject([]byte(s)); must(n.t, err); objs = append(objs, o) }
	ts := "2026-03-10T10:00:00.000Z"
	for i, c := range []string{"FR", "DE"} {
		add(fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":"identity--0000000%d-0000-4000-8000-000000000000","created":%q,"modified":%q,"name":"CSIRT %s","sectors":["energy"]}`, i, ts, ts, c))
		add(fmt.Sprintf(`{"type":"location","spec_version":"2.1","id":"location--0000000%d-0000-4000-8000-000000000000","created":%q,"modified":%q,"country":%q}`, i, ts, ts, c))
		add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":"relationship--0000000%d-0000-4000-8000-000000000000","created":%q,"modified":%q,"relationship_type":"located-at","source_ref":"identity--0000000%d-0000-4000-8000-000000000000","target_ref":"location--0000000%d-0000-4000-8000-000000000000"}`, i, ts, ts, i, i))
		add(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":"sighting--0000000%d-0000-4000-8000-000000000000","created":%q,"modified":%q,"sighting_of_ref":"indicator--00000000-0000-4000-8000-0000000000aa","where_sighted_refs":["identity--0000000%d-0000-4000-8000-000000000000"]}`, i, ts, ts, i))
	}
	add(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000aa","created":%q,"modified":%q,"created_by_ref":"identity--22222222-2222-4222-8222-222222222222","name":"c2","pattern":"[ipv4-addr:value = '192.0.2.7']","pattern_type":"stix","valid_from":%q}`, ts, ts, ts))
	_, err := n.objects.CreateObjects(ctx, n.intelID, objs)
	must(n.t, err)
	n.ew.Observe(objs)
	must(n.t, n.ew.Flush(ctx))
	return "indicator--00000000-0000-4000-8000-0000000000aa"
}

func TestAlertsAndWatchlistsAPI(t *testing.T) {
	n := newNode(t)
	ind := n.sightings()
	a := n.do("reader", "GET", "/api/v1/alerts", "")
	n.want(a, 200, `"rule":"same-indicator"`, `"member_states":["DE","FR"]`, `"subject_ref":"`+ind+`"`, `"severity":"medium"`)
	list := a.json["alerts"].([]any)
	if len(list) != 1 {
		t.Fatalf("alerts: %s", a.body)
	}
	id := list[0].(map[string]any)["id"].(string)
	n.want(n.do("reader", "GET", "/api/v1/alerts/"+id, ""), 200, `"sighting_refs":["sighting--00000000`)
	n.want(n.do("reader", "GET", "/api/v1/alerts?severity=high", ""), 200, `"alerts":[]`)
	n.want(n.do("reader", "GET", "/api/v1/alerts?severity=urgent", ""), 400, "severity must be one of low, medium, high, critical")
	n.want(n.do("reader", "GET", "/api/v1/alerts/rules", ""), 200, `"min_states":2`, `"window_seconds":86400`, `"name":"same-intrusion-set"`)

	// Watchlists: an administrator adds France's networks; the indicator
	// already stored matches and raises a TLP:RED alert.
	n.want(n.do("admin", "PUT", "/api/v1/watchlists/fr-nets", `{"member_state":"FR","owner":"`+orgFR+`","networks":["192.0.2.0/24"]}`), 200, `"name":"fr-nets"`)
	if set, err := warning.LoadSettings(ctx, n.settings); err != nil || len(set.Watchlists) != 1 {
		t.Errorf("watchlists kept: %v, %v", set, err)
	}
	n.want(n.do("admin", "GET", "/api/v1/watchlists", ""), 200, `"networks":["192.0.2.0/24"]`)
	n.want(n.do("reader", "GET", "/api/v1/alerts?rule=watchlist", ""), 200, `"watchlist":"fr-nets"`, `"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"`)
	n.want(n.do("admin", "PUT", "/api/v1/watchlists/fr-nets", `{"member_state":"FR","brands":["ab"]}`), 400, `brand \"ab\" must be one word`)
	n.want(n.do("admin", "PUT", "/api/v1/watchlists/fr-nets", `{"name":"other","member_state":"FR"}`), 400, "the body names watchlist")
	n.want(n.do("admin", "DELETE", "/api/v1/watchlists/fr-nets", ""), 200)
	n.want(n.do("admin", "DELETE", "/api/v1/watchlists/fr-nets", ""), 404)
	if set, err := warning.LoadSettings(ctx, n.settings); err != nil || len(set.Watchlists) != 0 {
		t.Errorf("watchlists kept after the delete: %v, %v", set, err)
	}
}

func TestAttributionAPI(t *testing.T) {
	n := newNode(t)
	var objs []*stix.Object
	add := func(s string) { o, err := stix.ParseObject([]byte(s)); must(t, err); objs = append(objs, o) }
	const ts = `"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"`
	ref := func(id string) string {
		return `"external_references":[{"source_name":"mitre-attack","external_id":"` + id + `"}]`
	}
	for i, t := range []string{"T1001", "T1002", "T1003", "T1004"} {
		add(fmt.Sprintf(`{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--0000000%d-0000-4000-8000-000000000000",%s,"name":"technique %d",%s}`, i, ts, i, ref(t)))
	}
	add(`{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000001",` + ts + `,"name":"Alpha",` + ref("G0001") + `}`)
	add(`{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000002",` + ts + `,"name":"Beta",` + ref("G0002") + `}`)
	uses := func(n int, set, tech int) {
		add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":"relationship--0000000%d-0000-4000-8000-000000000000",%s,"relationship_type":"uses","source_ref":"intrusion-set--00000000-0000-4000-8000-00000000000%d","target_ref":"attack-pattern--0000000%d-0000-4000-8000-000000000000"}`, n, ts, set, tech))
	}
	uses(1, 1, 0)
	uses(2, 1, 1)
	uses(3, 2, 2)
	uses(4, 2, 3)
	_, err := n.objects.CreateObjects(ctx, n.intelID, objs)
	must(t, err)

	a := n.do("analyst", "POST", "/api/v1/attribution", `{"id":"inc-1","techniques":["T1001","T1002","T9999"]}`)
	n.want(a, 200, `"external_id":"G0001"`, `"ref":"T9999"`, `"explanation":"Query inc-1`)
	cands := a.json["candidates"].([]any)
	if len(cands) == 0 || cands[0].(map[string]any)["name"] != "Alpha" {
		t.Errorf("best candidate: %s", a.body)
	}
	// The hypotheses side by side: T1001 is Alpha's, T1002 Beta's.
	c := n.do("analyst", "POST", "/api/v1/attribution?compare=2", `{"id":"inc-1","techniques":["T1001","T1002"]}`)
	n.want(c, 200, `"comparison":`, `"hypotheses":`, `"consistency":"consistent"`, `"diagnosticity":`)
	cmp := c.json["comparison"].(map[string]any)
	if hs := cmp["hypotheses"].([]any); len(hs) != 2 {
		t.Errorf("comparison holds %d hypotheses, want 2: %s", len(hs), c.body)
	}
	if rows := cmp["evidence"].([]any); len(rows) != 2 || len(rows[0].(map[string]any)["cells"].([]any)) != 2 {
		t.Errorf("comparison rows: want 2 rows of 2 cells: %s", c.body)
	}
	n.want(n.do("analyst", "POST", "/api/v1/attribution?compare=11", `{"techniques":["T1001"]}`), 400, "compare must be")
	n.want(n.do("analyst", "POST", "/api/v1/attribution?compare=x", `{"techniques":["T1001"]}`), 400, "compare must be")
	n.want(n.do("analyst", "POST", "/api/v1/attribution", `{}`), 200, `"abstained":true`, "the query is empty")
	n.want(n.do("analyst", "POST", "/api/v1/attribution", `{"technique":["T1001"]}`), 400, "query")
	// The reader may not read the intel collection: nothing to rank.
	n.want(n.do("reader", "POST", "/api/v1/attribution", `{"techniques":["T1001"]}`), 200, `"abstained":true`)
	n.want(n.do("outsider", "POST", "/api/v1/attribution", `{"techniques":["T1001"]}`), 403, "may read no collection")

	// New knowledge is used once the collection is reported changed.
	o, err := stix.ParseObject([]byte(`{"type":"relationship","spec_version":"2.1","id":"relationship--00000009-0000-4000-8000-000000000000",` + ts + `,"relationship_type":"uses","source_ref":"intrusion-set--00000000-0000-4000-8000-000000000002","target_ref":"attack-pattern--00000000-0000-4000-8000-000000000000"}`))
	must(t, err)
	_, err = n.objects.CreateObjects(ctx, n.intelID, []*stix.Object{o})
	must(t, err)
	n.api.Invalidate(n.intelID)
	a = n.do("analyst", "POST", "/api/v1/attribution", `{"techniques":["T1001"]}`)
	if !strings.Contains(a.body, `"tied to 2 sets`) && !strings.Contains(a.body, `"sets":2`) {
		t.Errorf("after invalidation T1001 should be tied to both sets: %s", a.body)
	}
}

func TestStatementsAPI(t *testing.T) {
	n := newNode(t)
	fr, err := trust.GenerateIdentity(trust.EUPQBase, orgFR)
	must(t, err)
	authority, err := trust.GenerateIdentity(trust.EUPQBase, "")
	must(t, err)
	since := n.now.AddDate(-1, 0, 0)
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "a1", Keys: authority.KeySet().SigningKeys()}}, since)
	must(t, err)
	must(t, doc.SetOrganization(&trust.Organization{ID: orgFR, Name: "CERT-FR", Country: "FR", Role: trust.RoleNationalCSIRT, Keys: fr.KeySet().WithValidity(since, time.Time{})}, since))
	must(t, doc.Sign(authority))
	data, err := doc.Marshal()
	must(t, err)
	reg, err := trust.ParseRegistry(data)
	must(t, err)

	n.svc.Sign = fr.Sign
	st := &coord.Statement{Name: "Joint statement", Text: "Attributed to Alpha.",
		IncidentRefs: []string{"incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10"}, IntrusionSetRef: "intrusion-set--00000000-0000-4000-8000-000000000001",
		Confidence: 80, Invited: []string{orgFR, "identity--22222222-2222-4222-8222-222222222222"}, Threshold: 1}
	_, err = n.svc.CreateStatement(ctx, st)
	must(t, err)
	n.want(n.do("reader", "GET", "/api/v1/statements", ""), 200, `"status":"draft"`, `"terms_digest":"`+st.TermsDigest()+`"`)
	n.want(n.do("reader", "GET", "/api/v1/statements/"+st.ID, ""), 200, "this node has no trust registry")

	n.api.Verifier = trust.NewVerifier(reg, trust.DefaultPolicy())
	n.api.Verifier.Now = func() time.Time { return n.now }
	e, err := coord.Endorse(st, orgFR, "", n.now)
	must(t, err)
	e, err = fr.Sign(e)
	must(t, err)
	must(t, n.svc.StoreSigned(ctx, e))
	n.want(n.do("reader", "GET", "/api/v1/statements/"+st.ID, ""), 200, `"reached":true`, `"name":"CERT-FR"`, `"missing":["identity--22222222`)
	n.want(n.do("reader", "GET", "/api/v1/statements/x-rampart-statement--00000000-0000-4000-8000-000000000000", ""), 404)
}
