package web

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/access"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Organisations of the authorisation tests besides the node's own, orgFR:
// one it serves, a partner with accounts on the node, another member
// state that endorses statements, and one the node does not know.
const (
	orgConstituent = "identity--0c000000-0000-4000-8000-000000000002"
	orgPartner     = "identity--0c000000-0000-4000-8000-000000000003"
	orgDE          = "identity--22222222-2222-4222-8222-222222222222"
	orgUnknown     = "identity--0c000000-0000-4000-8000-000000000009"
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

// The accounts of the matrix, by the letter that stands for each in a
// token's readers; the administrator comes first, so that an engine built
// for it is in the cache when the others ask.
var matrixAccounts = []struct{ letter, name, org string }{
	{"A", "admin", ""},
	{"O", "own", ""}, // "" is the node's own organisation
	{"C", "constituent", orgConstituent},
	{"P", "partner", orgPartner},
}

// token is a string that must appear only in answers to readers.
type token struct {
	what    string
	text    string
	readers string
}

// matrix is a node whose API applies Access, with an account of each
// organisation, and objects of every level in the coordination and the
// intel collections.
type matrix struct {
	*node
	access    *countingAccess
	sightings string // the collection observations go to
	tokens    []token
	ids       map[string]string // the id of each object, by name
	readers   map[string]string // who may read each object, by name
	signers   map[string]*trust.Identity
}

func (m *matrix) add(name, id, marker, readers string) {
	m.ids[name], m.readers[name] = id, readers
	m.tokens = append(m.tokens, token{name, id, readers}, token{name + " (marker)", marker, readers})
}

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	n := newNode(t)
	m := &matrix{node: n, ids: map[string]string{}, readers: map[string]string{}}
	colls, accts := n.api.Collections, n.api.Accounts
	sc := &rampart.Collection{APIRoot: "api", Title: "sightings"}
	must(t, colls.CreateCollection(ctx, sc))
	m.sightings = sc.ID
	for _, o := range []*rampart.Organization{
		{ID: orgFR, Name: "CERT-FR", Relation: rampart.RelationOwn, Country: "FR"},
		{ID: orgConstituent, Name: "A ministry", Relation: rampart.RelationConstituent, Country: "FR"},
		{ID: orgPartner, Name: "A partner CERT", Relation: rampart.RelationPartner},
	} {
		must(t, n.orgs.CreateOrganization(ctx, o))
	}
	orgOf := map[string]string{}
	for _, a := range matrixAccounts {
		orgOf[a.name] = a.org
	}
	for _, name := range []string{"own", "constituent", "partner", "stranger"} {
		must(t, accts.CreateAccount(ctx, &rampart.Account{Name: name, Organization: orgOf[name]}, password))
		for _, g := range []rampart.Grant{
			{CollectionID: n.coordID, Read: true, Write: true},
			{CollectionID: n.intelID, Read: true},
			{CollectionID: m.sightings, Read: true, Write: true},
		} {
			must(t, accts.SetGrant(ctx, name, g))
		}
	}
	m.access = &countingAccess{Service: &access.Service{
		Objects: n.objects, Collections: colls, Organizations: n.orgs,
		Policy: func(context.Context) rampart.Policy { return rampart.Policy{Organization: orgFR} },
	}}
	m.objectsFixture(t)

	// The server of newNode, again, with Access.
	api := NewServer()
	api.Accounts, api.Objects, api.Collections, api.Coord, api.EarlyWarning = strangerAccounts{accts}, n.objects, colls, n.svc, n.ew
	api.Now, api.Verifier, api.SightingsCollection, api.Sightings = n.api.Now, m.verifier(t), m.sightings, n.api.Sightings
	api.Access = m.access
	api.Matcher = match.New()
	var inds []*stix.Object
	for _, name := range []string{"indicator green", "indicator amber", "indicator red"} {
		page, err := n.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: n.intelID, IDs: []string{m.ids[name]}})
		must(t, err)
		inds = append(inds, page.Versions[0].Object)
	}
	must(t, api.Matcher.AddObjects(inds))
	must(t, api.Open(ctx))
	n.api = api
	n.srv = httptest.NewServer(api.Handler())
	t.Cleanup(n.srv.Close)
	return m
}

// verifier counts endorsements against a registry of France and Germany,
// whose identities sign the matrix's endorsements.
func (m *matrix) verifier(t *testing.T) *trust.Verifier {
	since := m.now.AddDate(-1, 0, 0)
	authority, err := trust.GenerateIdentity(trust.EUPQBase, "")
	must(t, err)
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "a1", Keys: authority.KeySet().SigningKeys()}}, since)
	must(t, err)
	for _, o := range []struct{ id, name, country string }{{orgFR, "CERT-FR", "FR"}, {orgDE, "CERT-Bund", "DE"}} {
		must(t, doc.SetOrganization(&trust.Organization{ID: o.id, Name: o.name, Country: o.country, Role: trust.RoleNationalCSIRT,
			Keys: m.signers[o.id].KeySet().WithValidity(since, time.Time{})}, since))
	}
	must(t, doc.Sign(authority))
	data, err := doc.Marshal()
	must(t, err)
	reg, err := trust.ParseRegistry(data)
	must(t, err)
	v := trust.NewVerifier(reg, trust.DefaultPolicy())
	v.Now = func() time.Time { return m.now }
	return v
}

func marking(l stix.TLP) []string {
	if l == stix.TLPUnmarked {
		return nil
	}
	return []string{l.MarkingID()}
}

// withMarking returns o marked with l alone, its other members unchanged.
func withMarking(t *testing.T, o *stix.Object, l stix.TLP) *stix.Object {
	t.Helper()
	var members map[string]any
	must(t, json.Unmarshal(o.Raw, &members))
	members["object_marking_refs"] = []string{l.MarkingID()}
	raw, err := json.Marshal(members)
	must(t, err)
	out, err := stix.ParseObject(raw)
	must(t, err)
	return out
}

// objectsFixture stores incidents, a joint incident, alerts, statements
// and endorsements in the coordination collection, and attribution
// knowledge and indicators in the intel collection.
func (m *matrix) objectsFixture(t *testing.T) {
	t.Helper()
	now := m.now
	detected := now.Add(-time.Hour)
	incident := func(name, readers string, inc *coord.Incident, recipients ...string) *coord.Incident {
		marker := "MARK-" + strings.ReplaceAll(name, " ", "-")
		inc.Name, inc.Description, inc.Detected = name, marker, detected
		if len(recipients) == 0 {
			must(t, m.svc.CreateIncident(ctx, inc))
		} else {
			inc.CreatedBy, inc.MemberState = orgFR, "FR"
			o, err := inc.Object(now)
			must(t, err)
			o, err = stix.WithRecipients(o, recipients...)
			must(t, err)
			_, err = m.svc.Store(ctx, o)
			must(t, err)
		}
		m.add(name, inc.ID, marker, readers)
		return inc
	}
	incident("incident green", "OCPA", &coord.Incident{Markings: marking(stix.TLPGreen)})
	incident("incident amber", "OCA", &coord.Incident{Markings: marking(stix.TLPAmber)})
	incident("incident amber strict", "OA", &coord.Incident{Markings: marking(stix.TLPAmberStrict)})
	incident("incident red", "OA", &coord.Incident{Markings: marking(stix.TLPRed)})
	incident("incident unmarked", "OCA", &coord.Incident{})
	// Created by the node's organisation, which reads it as its creator.
	incident("incident for the constituent", "OCA", &coord.Incident{Markings: marking(stix.TLPGreen)}, orgConstituent)
	incident("incident for the partner", "OPA", &coord.Incident{Markings: marking(stix.TLPGreen)}, orgPartner)

	alert := func(name, readers string, l stix.TLP) string {
		marker := "MARK-" + strings.ReplaceAll(name, " ", "-")
		a := &coord.Alert{ID: stix.NewID(coord.AlertType), Name: marker, CreatedBy: orgFR, Created: now, Modified: now, Markings: marking(l),
			Rule: warning.RuleSameIndicator, SubjectRef: "indicator--0c000000-0000-4000-8000-0000000000aa", Severity: coord.SeverityMedium,
			MemberStates: []string{"FR", "DE"}, FirstSeen: detected, LastSeen: now}
		o, err := a.Object()
		must(t, err)
		_, err = m.svc.Store(ctx, o)
		must(t, err)
		m.add(name, a.ID, marker, readers)
		return a.ID
	}
	alert("alert green", "OCPA", stix.TLPGreen)
	alert("alert amber", "OCA", stix.TLPAmber)
	alert("alert red", "OA", stix.TLPRed)

	// A joint incident with a member each level: the red one leaves no
	// member, state or timeline entry in the joint view of those who may
	// not read it.
	joint := incident("joint incident", "OCPA", &coord.Incident{Markings: marking(stix.TLPGreen)})
	incident("joint member green", "OCPA", &coord.Incident{Markings: marking(stix.TLPGreen), JointIncidentRef: joint.ID,
		AffectedMemberStates: []string{"DE"}, Timeline: []coord.TimelineEntry{{Time: detected, Actor: "DE", Activity: "MARK-timeline-green"}}})
	m.tokens = append(m.tokens, token{"green member's timeline", "MARK-timeline-green", "OCPA"})
	incident("joint member red", "OA", &coord.Incident{Markings: marking(stix.TLPRed), JointIncidentRef: joint.ID,
		AffectedMemberStates: []string{"IT"}, EULevel: coord.EULevelCrisis, Timeline: []coord.TimelineEntry{{Time: detected, Actor: "IT", Activity: "MARK-timeline-red"}}})
	m.tokens = append(m.tokens, token{"red member's timeline", "MARK-timeline-red", "OA"}, token{"red member's state", `"IT"`, "OA"},
		token{"red member's alert level", `"eu_alert_level":"crisis"`, "OA"})

	// Statements: a green one endorsed by France in green and by Germany
	// in red, and a red one.
	m.signers = map[string]*trust.Identity{}
	for _, org := range []string{orgFR, orgDE} {
		id, err := trust.GenerateIdentity(trust.EUPQBase, org)
		must(t, err)
		m.signers[org] = id
	}
	statement := func(name, readers string, l stix.TLP) *coord.Statement {
		marker := "MARK-" + strings.ReplaceAll(name, " ", "-")
		st := &coord.Statement{Name: name, Text: marker, Markings: marking(l), IncidentRefs: []string{m.ids["incident green"]},
			IntrusionSetRef: "intrusion-set--0c000000-0000-4000-8000-0000000000bb", Confidence: 70, Invited: []string{orgFR, orgDE}, Threshold: 2}
		_, err := m.svc.CreateStatement(ctx, st)
		must(t, err)
		m.add(name, st.ID, marker, readers)
		return st
	}
	// Statements and their endorsements are addressed to the drafter and
	// the states invited (France, this node's organisation, and
	// Germany), whatever their TLP: only the node's own organisation
	// reads them here.
	st := statement("statement green", "OA", stix.TLPGreen)
	statement("statement red", "OA", stix.TLPRed)
	for _, e := range []struct {
		name, org, readers string
		tlp                stix.TLP
	}{{"endorsement green", orgFR, "OA", stix.TLPGreen}, {"endorsement red", orgDE, "OA", stix.TLPRed}} {
		o, err := coord.Endorse(st, e.org, "MARK-"+strings.ReplaceAll(e.name, " ", "-"), now)
		must(t, err)
		o, err = m.signers[e.org].Sign(withMarking(t, o, e.tlp))
		must(t, err)
		must(t, m.svc.StoreSigned(ctx, o))
		m.add(e.name, o.ID, "MARK-"+strings.ReplaceAll(e.name, " ", "-"), e.readers)
	}

	// Attribution knowledge: a green and a red intrusion set, green and
	// red techniques, and what ties them.
	var intel []*stix.Object
	object := func(name, readers, raw string, l stix.TLP) string {
		o, err := stix.ParseObject([]byte(raw))
		must(t, err)
		if l != stix.TLPUnmarked {
			o = withMarking(t, o, l)
		}
		intel = append(intel, o)
		m.add(name, o.ID, "MARK-"+strings.ReplaceAll(name, " ", "-"), readers)
		return o.ID
	}
	const ts = `"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"`
	technique := func(name, readers, external string, l stix.TLP) string {
		return object(name, readers, fmt.Sprintf(`{"type":"attack-pattern","spec_version":"2.1","id":%q,%s,"name":"MARK-%s","external_references":[{"source_name":"mitre-attack","external_id":%q}]}`,
			stix.NewID("attack-pattern"), ts, strings.ReplaceAll(name, " ", "-"), external), l)
	}
	set := func(name, readers, external string, l stix.TLP) string {
		return object(name, readers, fmt.Sprintf(`{"type":"intrusion-set","spec_version":"2.1","id":%q,%s,"name":"MARK-%s","external_references":[{"source_name":"mitre-attack","external_id":%q}]}`,
			stix.NewID("intrusion-set"), ts, strings.ReplaceAll(name, " ", "-"), external), l)
	}
	uses := func(name, readers, src, tgt string) {
		object(name, readers, fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,%s,"relationship_type":"uses","source_ref":%q,"target_ref":%q,"description":"MARK-%s"}`,
			stix.NewID("relationship"), ts, src, tgt, strings.ReplaceAll(name, " ", "-")), stix.TLPGreen)
	}
	t1, t2, t3 := technique("technique green", "OCPA", "T1001", stix.TLPGreen), technique("technique amber", "OCA", "T1002", stix.TLPAmber), technique("technique red", "OA", "T1003", stix.TLPRed)
	alpha, red := set("set green", "OCPA", "G0001", stix.TLPGreen), set("set red", "OA", "G0002", stix.TLPRed)
	uses("green set uses green technique", "OCPA", alpha, t1)
	uses("green set uses amber technique", "OCA", alpha, t2)
	uses("green set uses red technique", "OA", alpha, t3)
	uses("red set uses green technique", "OA", red, t1)
	uses("red set uses amber technique", "OA", red, t2)

	// Indicators the observations are matched against.
	indicator := func(name, readers, ip string, l stix.TLP) {
		object(name, readers, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,%s,"name":"MARK-%s","pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00.000Z"}`,
			stix.NewID("indicator"), ts, strings.ReplaceAll(name, " ", "-"), ip), l)
	}
	indicator("indicator green", "OCPA", "198.51.100.1", stix.TLPGreen)
	indicator("indicator amber", "OCA", "198.51.100.2", stix.TLPAmber)
	indicator("indicator red", "OA", "198.51.100.3", stix.TLPRed)
	// For the exports: AMBER+STRICT, and a partner's RED indicator, which
	// its creator reads too.
	indicator("strict indicator", "OA", "198.51.100.4", stix.TLPAmberStrict)
	object("partner indicator", "OPA", fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,%s,"created_by_ref":%q,"name":"MARK-partner-indicator","pattern":"[ipv4-addr:value = '198.51.100.5']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00.000Z"}`,
		stix.NewID("indicator"), ts, orgPartner), stix.TLPRed)
	_, err := m.objects.CreateObjects(ctx, m.intelID, intel)
	must(t, err)
}

// getText GETs a path that answers text, not JSON, as user.
func (m *matrix) getText(t *testing.T, user, path string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", m.srv.URL+path, nil)
	must(t, err)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// reply is one answer of the API to one account.
type reply struct {
	user  string
	what  string
	named string // the id the request names, which its answer may repeat
	answer
}

// withoutID returns an answer's body with the id it names taken out, so
// that answers about two objects can be compared.
func withoutID(body, id string) string { return strings.ReplaceAll(body, id, "ID") }

// checkLeaks fails for every token found in an answer to an account that
// may not read it.
func (m *matrix) checkLeaks(t *testing.T, letter string, rs []reply) {
	t.Helper()
	for _, r := range rs {
		for _, tk := range m.tokens {
			if tk.text != r.named && !strings.Contains(tk.readers, letter) && strings.Contains(r.body, tk.text) {
				t.Errorf("LEAK: %s read %s (%s) in %s", r.user, tk.what, tk.text, r.what)
			}
		}
	}
}

// idsOf returns the ids of the objects an answer lists under key.
func idsOf(a answer, key string) []string {
	var out []string
	list, _ := a.json[key].([]any)
	for _, x := range list {
		if o, ok := x.(map[string]any); ok {
			id, _ := o["id"].(string)
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestAuthorizationMatrixAPI checks every JSON API answer drawn from
// objects, for accounts of the node's organisation, of a constituent, of
// a partner and of an administrator, against incidents, alerts,
// statements, endorsements and attribution knowledge of every level: each
// id and marker appears in the answers to exactly the accounts
// rampart.Policy lets read it, and what an account may read is there.
func TestAuthorizationMatrixAPI(t *testing.T) {
	m := newMatrix(t)
	const unknownIncident = "incident--0c000000-0000-4000-8000-00000000ffff"
	const unknownAlert = "x-rampart-alert--0c000000-0000-4000-8000-00000000ffff"
	const unknownStatement = "x-rampart-statement--0c000000-0000-4000-8000-00000000ffff"
	byKind := func(prefix string) []string {
		var names []string
		for name := range m.ids {
			if strings.HasPrefix(name, prefix) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		return names
	}
	incidents := append(byKind("incident "), byKind("joint ")...)
	alerts, statements := byKind("alert "), byKind("statement ")

	for _, acct := range matrixAccounts {
		t.Run(acct.name, func(t *testing.T) {
			user, who := acct.name, acct.letter
			may := func(name string) bool { return strings.Contains(m.readers[name], who) }
			var rs []reply
			do := func(method, path, body, named string) answer {
				t.Helper()
				a := m.do(user, method, path, body)
				rs = append(rs, reply{user: user, what: method + " " + path, named: named, answer: a})
				return a
			}
			readable := func(names []string) []string {
				var ids []string
				for _, name := range names {
					if may(name) {
						ids = append(ids, m.ids[name])
					}
				}
				slices.Sort(ids)
				return ids
			}

			// Listings hold exactly what the account may read.
			for _, l := range []struct {
				path, key string
				names     []string
			}{
				{"/api/v1/incidents", "incidents", incidents},
				{"/api/v1/incidents?closed=false", "incidents", incidents},
				{"/api/v1/alerts", "alerts", alerts},
				{"/api/v1/alerts?severity=low", "alerts", alerts},
				{"/api/v1/statements", "statements", statements},
			} {
				a := do("GET", l.path, "", "")
				if diff := cmp.Diff(readable(l.names), idsOf(a, l.key)); a.status != 200 || diff != "" {
					t.Errorf("GET %s: %d (-want +got):\n%s", l.path, a.status, diff)
				}
			}

			// By id: what the account may not read is as unknown.
			for _, g := range []struct {
				path    string
				names   []string
				unknown string
			}{
				{"/api/v1/incidents/", incidents, unknownIncident},
				{"/api/v1/alerts/", alerts, unknownAlert},
				{"/api/v1/statements/", statements, unknownStatement},
			} {
				unknown := m.do(user, "GET", g.path+g.unknown, "")
				for _, name := range g.names {
					id := m.ids[name]
					a := do("GET", g.path+id, "", id)
					switch {
					case may(name) && (a.status != 200 || !strings.Contains(a.body, "MARK-"+strings.ReplaceAll(name, " ", "-"))):
						t.Errorf("GET %q: %d %s", name, a.status, a.body)
					case !may(name) && (a.status != 404 || withoutID(a.body, id) != withoutID(unknown.body, g.unknown)):
						t.Errorf("GET %q, withheld: %d %s; unknown: %d %s", name, a.status, a.body, unknown.status, unknown.body)
					}
				}
			}

			// The joint view holds the members the account may read, and
			// nothing of the others.
			for _, name := range []string{"joint incident", "joint member green", "joint member red"} {
				id := m.ids[name]
				a := do("GET", "/api/v1/incidents/"+id+"/joint", "", id)
				if !may(name) {
					if a.status != 404 {
						t.Errorf("joint view of %q, withheld: %d %s", name, a.status, a.body)
					}
					continue
				}
				var v struct {
					Members []struct {
						ID string `json:"id"`
					} `json:"members"`
				}
				if err := json.Unmarshal([]byte(a.body), &v); err != nil || a.status != 200 {
					t.Fatalf("joint view of %q: %d %s", name, a.status, a.body)
				}
				var got []string
				for _, mb := range v.Members {
					got = append(got, mb.ID)
				}
				slices.Sort(got)
				if diff := cmp.Diff(readable([]string{"joint member green", "joint member red"}), got); diff != "" {
					t.Errorf("joint view of %q: members (-want +got):\n%s", name, diff)
				}
			}

			// A statement's quorum counts the endorsements the account
			// may read, and names no other.
			a := do("GET", "/api/v1/statements/"+m.ids["statement green"], "", m.ids["statement green"])
			if may("statement green") {
				var sv statementView
				if err := json.Unmarshal([]byte(a.body), &sv); err != nil || sv.Quorum == nil {
					t.Fatalf("statement: %v %s", err, a.body)
				}
				var counted []string
				for _, e := range sv.Quorum.Counted {
					counted = append(counted, e.Endorsement)
				}
				slices.Sort(counted)
				if diff := cmp.Diff(readable([]string{"endorsement green", "endorsement red"}), counted); diff != "" || sv.Quorum.Reached != may("endorsement red") {
					t.Errorf("quorum: reached %v, counted (-want +got):\n%s", sv.Quorum.Reached, diff)
				}
			} else if a.status != 404 {
				t.Errorf("a statement addressed to others: %d %s, want 404", a.status, a.body)
			}

			// Attribution ranks on what the account may read.
			a = do("POST", "/api/v1/attribution", `{"id":"q","techniques":["T1001","T1002","T1003"]}`, "")
			var rk rankingView
			if err := json.Unmarshal([]byte(a.body), &rk); err != nil || a.status != 200 {
				t.Fatalf("attribution: %d %s", a.status, a.body)
			}
			var sets []string
			for _, c := range rk.Candidates {
				sets = append(sets, c.ID)
			}
			slices.Sort(sets)
			if diff := cmp.Diff(readable([]string{"set green", "set red"}), sets); diff != "" {
				t.Errorf("attribution candidates (-want +got):\n%s", diff)
			}
			if !strings.Contains(a.body, "MARK-technique-green") {
				t.Errorf("attribution does not explain with the green technique: %s", a.body)
			}

			// Every export format holds the indicators the account may
			// read, and no other: their ids and names (checkLeaks) and
			// their values.
			values := map[string]string{"indicator green": "198.51.100.1", "indicator amber": "198.51.100.2", "indicator red": "198.51.100.3",
				"strict indicator": "198.51.100.4", "partner indicator": "198.51.100.5"}
			for _, format := range []string{"suricata", "rpz", "blocklist?kind=ipv4", "csv", "stix", "csv?collection=" + m.intelID + "&kind=ip"} {
				path := "/api/v1/exports/" + format
				a := m.get(user, path, nil)
				rs = append(rs, reply{user: user, what: "GET " + path, answer: a})
				if a.status != 200 {
					t.Errorf("GET %s: %d %s", path, a.status, a.body)
					continue
				}
				for name, v := range values {
					if format == "rpz" { // 32.D.C.B.A.rpz-ip
						o := strings.Split(v, ".")
						v = "32." + o[3] + "." + o[2] + "." + o[1] + "." + o[0] + ".rpz-ip"
					}
					if got := strings.Contains(a.body, v); got != may(name) {
						t.Errorf("GET %s: %s's value %s present %v, want %v", path, name, v, got, may(name))
					}
				}
			}

			// How many alerts were written counts red ones.
			a = do("GET", "/api/v1/alerts/rules", "", "")
			if _, ok := a.json["alerts_written"]; ok != (who == "A" || who == "O") || a.status != 200 {
				t.Errorf("rules: %d, alerts_written shown: %v", a.status, ok)
			}

			// The MISP feed holds the indicators the account may read,
			// and nothing of the others: not in the manifest, an event
			// file or hashes.csv.
			a = do("GET", "/misp/feed/manifest.json", "", "")
			if a.status != 200 {
				t.Fatalf("MISP feed manifest: %d %s", a.status, a.body)
			}
			var mispValues []string
			for uuid := range a.json {
				ev := do("GET", "/misp/feed/"+uuid+".json", "", "")
				var e struct {
					Event struct {
						Attribute []struct {
							Value string `json:"value"`
						} `json:"Attribute"`
					} `json:"Event"`
				}
				if err := json.Unmarshal([]byte(ev.body), &e); err != nil || ev.status != 200 {
					t.Fatalf("MISP feed event %s: %d %s", uuid, ev.status, ev.body)
				}
				for _, at := range e.Event.Attribute {
					mispValues = append(mispValues, at.Value)
				}
			}
			hashes := m.getText(t, user, "/misp/feed/hashes.csv")
			rs = append(rs, reply{user: user, what: "GET /misp/feed/hashes.csv", answer: hashes})
			for i, name := range []string{"indicator green", "indicator amber", "indicator red"} {
				ip := fmt.Sprintf("198.51.100.%d", i+1)
				sum := md5.Sum([]byte(ip))
				inHashes := strings.Contains(hashes.body, hex.EncodeToString(sum[:]))
				if got := slices.Contains(mispValues, ip); got != may(name) || inHashes != may(name) {
					t.Errorf("MISP feed: %q (%s) in an event: %v, in hashes.csv: %v; may read it: %v", name, ip, got, inHashes, may(name))
				}
			}

			m.checkLeaks(t, who, rs)
		})
	}

	// An account changes only incidents it may read: one it may not is as
	// unknown, and stays as it was.
	red := m.ids["incident red"]
	unknown := m.do("constituent", "PATCH", "/api/v1/incidents/"+unknownIncident, `{"name":"x"}`)
	for _, path := range []string{"/api/v1/incidents/" + red, "/api/v1/incidents/" + red + "/timeline", "/api/v1/incidents/" + red + "/reports"} {
		method, body := "POST", `{"activity":"MARK-written","kind":"early-warning"}`
		switch {
		case strings.HasSuffix(path, "timeline"):
			body = `{"activity":"MARK-written"}`
		case strings.HasSuffix(path, "reports"):
			body = `{"kind":"early-warning"}`
		default:
			method, body = "PATCH", `{"name":"MARK-written"}`
		}
		a := m.do("constituent", method, path, body)
		if a.status != 404 || withoutID(a.body, red) != withoutID(unknown.body, unknownIncident) {
			t.Errorf("%s %s by the constituent: %d %s; unknown: %s", method, path, a.status, a.body, unknown.body)
		}
	}
	if a := m.do("admin", "GET", "/api/v1/incidents/"+red, ""); strings.Contains(a.body, "MARK-written") || strings.Contains(a.body, "early-warning submitted") {
		t.Errorf("the constituent changed an incident it may not read: %s", a.body)
	}
	amber := m.ids["incident amber"]
	if a := m.do("constituent", "PATCH", "/api/v1/incidents/"+amber, `{"investigation_status":"open"}`); a.status != 200 || !strings.Contains(a.body, `"investigation_status":"open"`) {
		t.Errorf("the constituent updating an incident it may read: %d %s", a.status, a.body)
	}

	// An account of an organisation the node does not know reads nothing,
	// and is told why.
	a := m.do("stranger", "GET", "/api/v1/incidents", "")
	if a.status != 403 || !strings.Contains(a.body, "does not know") {
		t.Errorf("account of an unknown organisation: %d %s", a.status, a.body)
	}
	if a := m.get("stranger", "/api/v1/exports/blocklist?kind=ip", nil); a.status != 403 || strings.Contains(a.body, "198.51.100") {
		t.Errorf("export to an account of an unknown organisation: %d %s", a.status, a.body)
	}
	if m.access.releases.Load() == 0 {
		t.Errorf("Access was never asked")
	}
}

// TestObservationsAnswerWhatTheAccountMayRead checks that an observation
// upload stores every sighting but tells each account only of the
// sightings it may read, and counts only the records that met indicators
// it may read: a constituent's log that meets a TLP:RED indicator does not
// tell it the indicator exists.
func TestObservationsAnswerWhatTheAccountMayRead(t *testing.T) {
	m := newMatrix(t)
	log := strings.Join([]string{
		`{"ts":"2026-03-10T10:00:00Z","ipv4-addr:value":"198.51.100.1"}`,
		`{"ts":"2026-03-10T10:01:00Z","ipv4-addr:value":"198.51.100.3"}`,
		`{"ts":"2026-03-10T10:02:00Z","ipv4-addr:value":"198.51.100.3"}`,
		`{"ts":"2026-03-10T10:03:00Z","ipv4-addr:value":"198.51.100.2"}`,
		`{"ts":"2026-03-10T10:04:00Z","ipv4-addr:value":"192.0.2.1"}`,
	}, "\n")
	want := map[string]struct {
		matched int64
		of      []string // the indicators of the sightings named
	}{
		"admin":       {4, []string{"indicator amber", "indicator green", "indicator red"}},
		"own":         {4, []string{"indicator amber", "indicator green", "indicator red"}},
		"constituent": {2, []string{"indicator amber", "indicator green"}},
		// Sightings without a marking are TLP:AMBER: not for partners.
		"partner": {1, nil},
	}
	stored := 0
	for _, acct := range matrixAccounts {
		a := m.do(acct.name, "POST", "/api/v1/observations", log)
		var res ObservationResult
		if err := json.Unmarshal([]byte(a.body), &res); err != nil || a.status != 200 {
			t.Fatalf("%s: %d %s", acct.name, a.status, a.body)
		}
		var of []string
		for _, id := range res.Stored {
			page, err := m.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: m.sightings, IDs: []string{id}})
			must(t, err)
			var s struct {
				Of string `json:"sighting_of_ref"`
			}
			must(t, page.Versions[0].Object.Decode(&s))
			for name, id := range m.ids {
				if id == s.Of {
					of = append(of, name)
				}
			}
		}
		slices.Sort(of)
		w := want[acct.name]
		if res.Matched != w.matched || res.Sightings != int64(len(w.of)) || !slices.Equal(of, w.of) || res.Records != 5 {
			t.Errorf("%s: records %d, matched %d, sightings %d of %q; want 5, %d, %d of %q", acct.name, res.Records, res.Matched, res.Sightings, of, w.matched, len(w.of), w.of)
		}
		m.checkLeaks(t, acct.letter, []reply{{user: acct.name, what: "POST /api/v1/observations", answer: a}})
		stored += 3
	}
	// Every sighting was stored, whoever uploaded.
	page, err := m.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: m.sightings, Types: []string{"sighting"}})
	must(t, err)
	if len(page.Versions) != stored {
		t.Errorf("%d sightings stored, want %d", len(page.Versions), stored)
	}
}

// TestConstituentDoesNotReadRED is the leak Access closes in the JSON API:
// an account of a constituent read TLP:RED incidents, and rankings drawn
// from TLP:RED intrusion sets, like the node's own analysts.
func TestConstituentDoesNotReadRED(t *testing.T) {
	m := newMatrix(t)
	for _, path := range []string{"/api/v1/incidents", "/api/v1/incidents/" + m.ids["incident red"]} {
		a := m.do("constituent", "GET", path, "")
		if strings.Contains(a.body, "MARK-incident-red") {
			t.Errorf("GET %s: the constituent reads the red incident", path)
		}
	}
	// The administrator's ranking is built first, from everything.
	m.do("admin", "POST", "/api/v1/attribution", `{"techniques":["T1001"]}`)
	a := m.do("constituent", "POST", "/api/v1/attribution", `{"techniques":["T1001"]}`)
	if a.status != 200 || strings.Contains(a.body, "MARK-set-red") || !strings.Contains(a.body, "MARK-set-green") {
		t.Errorf("the constituent's ranking: %d %s", a.status, a.body)
	}
}
