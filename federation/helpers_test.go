package federation

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/access"
	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/trust"
)

// Organisations of the test federation.
const (
	orgFR  = "identity--11111111-1111-4111-8111-111111111111" // national CSIRT, node A
	orgDE  = "identity--22222222-2222-4222-8222-222222222222" // national CSIRT, node B (eu-pq-high)
	orgIT  = "identity--33333333-3333-4333-8333-333333333333" // national CSIRT, node C
	orgHub = "identity--44444444-4444-4444-8444-444444444444" // the hub
	orgObs = "identity--55555555-5555-4555-8555-555555555555" // an observer, without a node
	orgOld = "identity--66666666-6666-4666-8666-666666666666" // a member whose keys get revoked
)

var orgNames = map[string]string{orgFR: "CERT-FR", orgDE: "CERT-Bund", orgIT: "CSIRT Italia", orgHub: "EU hub", orgObs: "Observer", orgOld: "CERT-Old"}

// testFed is a federation: three authority members (2 of 3 sign), the
// organisations above with their keys, and the registry.
type testFed struct {
	auth []*trust.Identity
	ids  map[string]*trust.Identity
	doc  *trust.RegistryDocument
	raw  []byte // the registry file, as published
	now  time.Time
}

// fedCache keeps one federation per test binary: generating keys costs.
var fedCache struct {
	sync.Mutex
	f *testFed
}

func newTestFed(t testing.TB) *testFed {
	t.Helper()
	f := &testFed{ids: map[string]*trust.Identity{}, now: time.Now().UTC()}
	var members []*trust.AuthorityMember
	for i := range 3 {
		a, err := trust.GenerateIdentity(trust.EUPQBase, "")
		if err != nil {
			t.Fatal(err)
		}
		f.auth = append(f.auth, a)
		members = append(members, &trust.AuthorityMember{Name: fmt.Sprintf("authority-%d", i+1), Keys: a.KeySet().SigningKeys()})
	}
	issued := f.now.Add(-time.Hour)
	doc, err := trust.NewRegistryDocument(2, members, issued)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		id      string
		country string
		role    trust.Role
		p       trust.Profile
	}{
		{orgFR, "FR", trust.RoleNationalCSIRT, trust.EUPQBase},
		{orgDE, "DE", trust.RoleNationalCSIRT, trust.EUPQHigh},
		{orgIT, "IT", trust.RoleNationalCSIRT, trust.EUPQBase},
		{orgHub, "EU", trust.RoleHub, trust.EUPQBase},
		{orgObs, "NO", trust.RoleObserver, trust.EUPQBase},
		{orgOld, "LU", trust.RoleNationalCSIRT, trust.EUPQBase},
	} {
		id, err := trust.GenerateIdentity(o.p, o.id)
		if err != nil {
			t.Fatal(err)
		}
		f.ids[o.id] = id
		if err := doc.SetOrganization(&trust.Organization{
			ID: o.id, Name: orgNames[o.id], Country: o.country, Role: o.role,
			Nodes: []string{"https://" + strings.ToLower(o.country) + ".node.example/"},
			Keys:  id.KeySet().WithValidity(f.now.AddDate(0, 0, -1), f.now.AddDate(1, 0, 0)),
		}, issued); err != nil {
			t.Fatal(err)
		}
	}
	f.doc = doc
	f.raw = f.sign(t, f.auth[0], f.auth[1])
	return f
}

// sharedFed returns the test binary's federation at registry version 1.
// Tests that change the registry make their own with newTestFed.
func sharedFed(t testing.TB) *testFed {
	fedCache.Lock()
	defer fedCache.Unlock()
	if fedCache.f == nil {
		fedCache.f = newTestFed(t)
	}
	return fedCache.f
}

// sign signs the registry document with signers and returns the file.
func (f *testFed) sign(t testing.TB, signers ...*trust.Identity) []byte {
	t.Helper()
	for _, s := range signers {
		if err := f.doc.Sign(s); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := f.doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (f *testFed) registry(t testing.TB) *trust.Registry {
	t.Helper()
	reg, err := trust.ParseRegistry(f.raw)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// object returns an unsigned indicator created by org, with a marker in its
// name that leak checks look for, and the given markings and extra members.
func object(t testing.TB, org string, tlp stix.TLP, marker string, extra string) *stix.Object {
	t.Helper()
	markings := ""
	if tlp != stix.TLPUnmarked {
		markings = fmt.Sprintf(`,"object_marking_refs":[%q]`, tlp.MarkingID())
	}
	ts := stix.NewTimestamp(time.Now().Add(-time.Minute)).String()
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-01T10:00:00Z"%s%s}`,
		stix.NewID("indicator"), ts, ts, org, marker, markings, extra)
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// signed returns o signed by its creator's keys.
func (f *testFed) signed(t testing.TB, o *stix.Object) *stix.Object {
	t.Helper()
	s, err := f.ids[o.CreatedByRef].Sign(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testNode is one node of a test network: its own SQLite store, keys,
// verifier, federation Node and node link on 127.0.0.1.
type testNode struct {
	org      string
	id       *trust.Identity
	dir      string
	db       *sqlite.DB
	objects  *notifyingObjects
	peers    rampart.PeerService
	coll     string
	verifier *trust.Verifier
	node     *Node
	ln       net.Listener
	srv      *http.Server
	url      string
	handler  atomic.Pointer[http.Handler] // what the node link serves; tests swap it
	saved    atomic.Pointer[[]byte]       // the last registry SaveRegistry got
	logs     *syncBuffer
}

// syncBuffer collects logs across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestNode creates a node's store with its federated collection and
// listens for its node link; start opens it once its peers are added.
func newTestNode(t testing.TB, f *testFed, org string, dir string) *testNode {
	t.Helper()
	ctx := context.Background()
	if dir == "" {
		dir = t.TempDir()
	}
	tn := &testNode{org: org, id: f.ids[org], dir: dir, logs: &syncBuffer{}}
	tn.openStore(t)
	cs := sqlite.NewServices(tn.db).Collections
	roots, err := cs.FindAPIRoots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) == 0 {
		if err := cs.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api", Title: "API"}); err != nil {
			t.Fatal(err)
		}
		c := &rampart.Collection{APIRoot: "api", Title: "Shared", Alias: "default", MediaTypes: []string{"application/stix+json;version=2.1"}}
		if err := cs.CreateCollection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	colls, err := cs.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	tn.coll = colls[0].ID
	reg, err := trust.ParseRegistry(f.raw)
	if err != nil {
		t.Fatal(err)
	}
	tn.verifier = trust.NewVerifier(reg, trust.DefaultPolicy())
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := trust.GenerateCertificate(tn.id.Profile())
	if err != nil {
		t.Fatal(err)
	}
	l := trust.NewListener(inner, cert, tn.id, tn.verifier)
	l.Logger = tn.logger()
	tn.ln = l
	tn.url = "https://" + inner.Addr().String()
	tn.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := tn.handler.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			http.Error(w, "starting", http.StatusServiceUnavailable)
		}),
		ConnContext: l.ConnContext,
	}
	go tn.srv.Serve(l)
	t.Cleanup(tn.stop)
	return tn
}

func (tn *testNode) openStore(t testing.TB) {
	t.Helper()
	tn.db = sqlite.NewDB(filepath.Join(tn.dir, "rampart.db"))
	if err := tn.db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	tn.objects = &notifyingObjects{ObjectService: sqlite.NewObjectService(tn.db)}
	tn.peers = sqlite.NewServices(tn.db).Peers
}

// notifyingObjects is the node's one object service, as package node
// builds it, cut down to what federation needs: every version stored is
// told to the federation Node.
type notifyingObjects struct {
	rampart.ObjectService
	sub atomic.Pointer[Node]
	// added, when set, hears of the versions stored too (tests that wait
	// for arrivals).
	added atomic.Pointer[func([]*rampart.ObjectVersion)]
}

func (o *notifyingObjects) CreateObjects(ctx context.Context, c string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	res, err := o.ObjectService.CreateObjects(ctx, c, objs)
	if n := o.sub.Load(); err == nil && n != nil {
		var vs []*rampart.ObjectVersion
		for i, r := range res {
			if r.Added {
				vs = append(vs, &rampart.ObjectVersion{Object: objs[i], DateAdded: r.DateAdded, Seq: r.Seq})
			}
		}
		if len(vs) > 0 {
			n.ObjectsAdded(ctx, c, vs)
			if f := o.added.Load(); f != nil {
				(*f)(vs)
			}
		}
	}
	return res, err
}

// onAdded calls f with the versions the node stores from now on.
func (tn *testNode) onAdded(f func([]*rampart.ObjectVersion)) { tn.objects.added.Store(&f) }

func (tn *testNode) logger() *slog.Logger {
	var w interface{ Write([]byte) (int, error) } = tn.logs
	if os.Getenv("RAMPART_TEST_LOG") != "" {
		w = multiWriter{tn.logs, os.Stderr}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", orgNames[tn.org])
}

type multiWriter []interface{ Write([]byte) (int, error) }

func (m multiWriter) Write(p []byte) (int, error) {
	for _, w := range m {
		w.Write(p)
	}
	return len(p), nil
}

// peer adds other as a peer of tn.
func (tn *testNode) peer(t testing.TB, other *testNode) {
	t.Helper()
	p := &rampart.Peer{ID: other.org, Name: orgNames[other.org], URL: other.url, APIRoot: "api"}
	if err := tn.peers.CreatePeer(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if tn.node != nil {
		if err := tn.node.refreshPeers(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// start opens the node's federation and serves it on its node link.
func (tn *testNode) start(t testing.TB, configure func(*Node)) {
	t.Helper()
	accounts := sqlite.NewServices(tn.db).Accounts
	accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
	n := NewNode()
	n.Identity, n.Verifier = tn.id, tn.verifier
	n.Objects, n.Collections, n.Accounts = tn.objects, sqlite.NewServices(tn.db).Collections, accounts
	n.Statuses, n.Secrets, n.Peers = sqlite.NewServices(tn.db).Statuses, sqlite.NewServices(tn.db).Secrets, tn.peers
	n.Deliveries, n.Settings, n.Audit = sqlite.NewServices(tn.db).Deliveries, sqlite.NewServices(tn.db).Settings, sqlite.NewServices(tn.db).Audit
	org := tn.org
	n.Access = &access.Service{Objects: tn.objects, Collections: n.Collections, Organizations: sqlite.NewServices(tn.db).Organizations, Audit: n.Audit,
		Policy: func(context.Context) rampart.Policy { return rampart.Policy{Organization: org} }}
	n.APIRoot, n.CollectionID = "api", tn.coll
	n.Validate = func(o *stix.Object) error { return stix.Validate(o) }
	n.SaveRegistry = func(b []byte) error { tn.saved.Store(&b); return nil }
	n.RetryMin, n.RetryMax = 50*time.Millisecond, 500*time.Millisecond
	n.Logger = tn.logger()
	if configure != nil {
		configure(n)
	}
	tn.objects.sub.Store(n)
	if err := n.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	tn.node = n
	h := n.Handler()
	tn.handler.Store(&h)
}

// stopNode closes the federation and the store, leaving the link open.
func (tn *testNode) stopNode() {
	if tn.node != nil {
		tn.objects.sub.Store(nil)
		tn.node.Close()
		tn.node = nil
	}
	if tn.db != nil {
		tn.db.Close()
		tn.db = nil
	}
}

func (tn *testNode) stop() {
	tn.srv.Close()
	tn.stopNode()
}

// add stores objects as a local client would: the object service tells
// the federation.
func (tn *testNode) add(t testing.TB, objs ...*stix.Object) {
	t.Helper()
	if _, err := tn.objects.CreateObjects(context.Background(), tn.coll, objs); err != nil {
		t.Fatal(err)
	}
}

// all returns every version the node's collection holds.
func (tn *testNode) all(t testing.TB) []*stix.Object {
	t.Helper()
	var out []*stix.Object
	f := rampart.ObjectFilter{CollectionID: tn.coll, Versions: []string{rampart.VersionAll}, SpecVersions: []string{"2.0", "2.1"}}
	for {
		page, err := tn.objects.FindObjects(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			out = append(out, v.Object)
		}
		if !page.More {
			return out
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
}

// lastAdded returns the date_added of the newest version in the
// collection.
func (tn *testNode) lastAdded(t testing.TB) time.Time {
	t.Helper()
	var last time.Time
	f := rampart.ObjectFilter{CollectionID: tn.coll, Versions: []string{rampart.VersionAll}, SpecVersions: []string{"2.0", "2.1"}, MetadataOnly: true}
	for {
		page, err := tn.objects.FindObjects(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			last = v.DateAdded
		}
		if !page.More {
			return last
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
}

// has reports whether the node holds object id (any version).
func (tn *testNode) has(t testing.TB, id string) bool {
	t.Helper()
	page, err := tn.objects.FindObjects(context.Background(), rampart.ObjectFilter{CollectionID: tn.coll, IDs: []string{id}, Versions: []string{rampart.VersionAll}, SpecVersions: []string{"2.0", "2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Versions) > 0
}

// fileHas reports whether marker appears anywhere in the node's database
// files, the write-ahead log included: the strictest leak check there is.
func (tn *testNode) fileHas(t testing.TB, marker string) bool {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(tn.dir, "rampart.db"+suffix))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(marker)) {
			return true
		}
	}
	return false
}

func (tn *testNode) status(t testing.TB, peer string) *rampart.PeerStatus {
	t.Helper()
	st, err := tn.peers.FindPeerStatus(context.Background(), peer)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// eventually waits for cond, failing the test if it does not hold within a
// generous bound. It bounds a wait; it asserts nothing about speed.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// link makes a and b peers of each other.
func link(t testing.TB, a, b *testNode) {
	t.Helper()
	a.peer(t, b)
	b.peer(t, a)
}

// star builds the test network: nodes A (FR), B (DE) and C (IT) linked to
// the hub H only, all started.
func star(t testing.TB, f *testFed) (a, b, c, h *testNode) {
	t.Helper()
	a, b, c, h = newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgDE, ""), newTestNode(t, f, orgIT, ""), newTestNode(t, f, orgHub, "")
	for _, n := range []*testNode{a, b, c} {
		link(t, n, h)
	}
	for _, n := range []*testNode{h, a, b, c} {
		n.start(t, nil)
	}
	return a, b, c, h
}
