package federation

import (
	"context"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/access"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// escaped returns o with the first occurrence of the JSON member name name
// spelt with a \u escape: the same object, and the same signature, to
// every JSON reader, other bytes to a substring search.
func escaped(t testing.TB, o *stix.Object, name string) *stix.Object {
	t.Helper()
	quoted := `"` + name + `"`
	if !strings.Contains(string(o.Raw), quoted) {
		t.Fatalf("%s not in %s", quoted, o.Raw)
	}
	raw := strings.Replace(string(o.Raw), quoted, fmt.Sprintf(`"\u%04x%s"`, name[0], name[1:]), 1)
	out, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hostileNode is a Node with what release and check need, for organisation
// org under registry reg.
func hostileNode(f *testFed, reg *trust.Registry, org string) *Node {
	v := trust.NewVerifier(reg, trust.DefaultPolicy())
	n := &Node{Identity: f.ids[org], Verifier: v, PageSize: DefaultPageSize}
	// The objects of these tests refer to nothing: no store is asked.
	n.Access = &access.Service{Policy: func(context.Context) rampart.Policy { return rampart.Policy{Organization: org} }}
	return n
}

// release returns what peer receives of o from node n over the node link.
func release(t testing.TB, n *Node, o *stix.Object, peer string) *stix.Object {
	t.Helper()
	out, err := peerAccess{n}.Release(context.Background(), rampart.Reader{Organization: peer, Relation: rampart.RelationPeer}, "c", []*stix.Object{o})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// TestReleaseEscapedNames: a node withholds a RED property or addressing
// however the member names are spelt (regression: the node looked for them
// as substrings, so an object whose names were written with \u escapes,
// which its signature does not see, went out in clear to every peer).
func TestReleaseEscapedNames(t *testing.T) {
	f := sharedFed(t)
	reg := f.registry(t)
	fr := hostileNode(f, reg, orgFR)
	granular := fmt.Sprintf(`,"description":"named informant","granular_markings":[{"marking_ref":%q,"selectors":["description"]}]`, stix.TLPRed.MarkingID())
	redProperty := f.signed(t, object(t, orgFR, stix.TLPGreen, "x", granular))
	addressed, err := trust.Address(object(t, orgFR, stix.TLPGreen, "x", ""), orgIT)
	if err != nil {
		t.Fatal(err)
	}
	addressed = f.signed(t, addressed)
	for _, tc := range []struct {
		name string
		obj  *stix.Object
	}{
		{"granular RED, escaped", escaped(t, redProperty, "granular_markings")},
		{"addressed to IT, escaped", escaped(t, addressed, stix.RecipientsExtensionID)},
	} {
		if _, err := fr.Verifier.Verify(tc.obj); err != nil {
			t.Fatalf("%s: the escaped object no longer verifies: %v", tc.name, err)
		}
		for _, peer := range []string{orgDE, orgHub, orgObs} {
			if out := release(t, fr, tc.obj, peer); out != nil {
				t.Errorf("%s went in clear to %s", tc.name, orgNames[peer])
			}
		}
	}
	if to, err := stix.Recipients(escaped(t, addressed, stix.RecipientsExtensionID)); err != nil || len(to) != 1 || to[0] != orgIT {
		t.Errorf("Recipients of the escaped object = %v, %v; want IT", to, err)
	}
}

// TestIngestRefusesWhatCameWrongly: a node stores nothing that may travel
// only sealed but arrived in clear, nor an addressed object sealed to it
// that does not name it (regression: both were stored, and a relayed
// object re-encoded with escaped names was then served on in clear).
func TestIngestRefusesWhatCameWrongly(t *testing.T) {
	f := sharedFed(t)
	reg := f.registry(t)
	hub := hostileNode(f, reg, orgHub)
	addressedTo := func(org string, to ...string) *stix.Object {
		o, err := trust.Address(object(t, org, stix.TLPGreen, "x", ""), to...)
		if err != nil {
			t.Fatal(err)
		}
		return f.signed(t, o)
	}
	seal := func(inner *stix.Object, to ...string) *stix.Object {
		env, err := f.ids[inner.CreatedByRef].Seal([]*stix.Object{inner}, reg, to...)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	red := f.signed(t, object(t, orgFR, stix.TLPRed, "x", ""))
	strict := f.signed(t, object(t, orgFR, stix.TLPAmberStrict, "x", ""))
	amber := f.signed(t, object(t, orgFR, stix.TLPAmber, "x", ""))
	unmarked := f.signed(t, object(t, orgFR, stix.TLPUnmarked, "x", ""))
	resealed, err := f.ids[orgDE].Seal([]*stix.Object{amber}, reg, orgHub)
	if err != nil {
		t.Fatal(err)
	}
	toIT := addressedTo(orgFR, orgIT)
	toHub := addressedTo(orgFR, orgHub)
	green := f.signed(t, object(t, orgFR, stix.TLPGreen, "x", ""))
	for _, tc := range []struct {
		name   string
		obj    *stix.Object
		reason string // "" when stored
		stored string // the id stored
	}{
		{"RED in clear", red, ReasonInClear, ""},
		{"AMBER in clear", amber, ReasonInClear, ""},
		{"unmarked in clear", unmarked, ReasonInClear, ""},
		{"FR's AMBER sealed by DE", resealed, ReasonResealed, ""},
		{"unsigned, sealed by its creator", seal(object(t, orgFR, stix.TLPAmber, "x", ""), orgHub), ReasonUnsigned, ""},
		{"AMBER sealed to the hub", seal(amber, orgHub), "", amber.ID},
		{"AMBER+STRICT in clear", strict, ReasonInClear, ""},
		{"addressed in clear", toIT, ReasonInClear, ""},
		{"addressed in clear, escaped", escaped(t, toIT, stix.RecipientsExtensionID), ReasonInClear, ""},
		{"addressed to IT, sealed to the hub", seal(toIT, orgHub), ReasonNotAddressed, ""},
		{"addressed to the hub, sealed to it", seal(toHub, orgHub), "", toHub.ID},
		{"RED sealed to the hub", seal(red, orgHub), "", red.ID},
		{"envelope for IT, relayed", seal(toIT, orgIT), "", ""},
		{"GREEN in clear", green, "", green.ID},
	} {
		c, err := hub.check(context.Background(), &rampart.Peer{ID: orgFR}, []jsontext.Value{tc.obj.Raw})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.reason != "":
			if len(c.list) != 1 || c.list[0].Reason != tc.reason || len(c.objs) != 0 {
				t.Errorf("%s: refusals %+v, kept %d; want one %q", tc.name, c.list, len(c.objs), tc.reason)
			}
		case len(c.list) != 0 || len(c.objs) == 0:
			t.Errorf("%s: refused %+v", tc.name, c.list)
		case tc.stored != "" && c.objs[0].ID != tc.stored:
			t.Errorf("%s: keeps %s, want %s", tc.name, c.objs[0].ID, tc.stored)
		}
	}
}

// TestRevokedPeerLosesOpenConnection: a peer whose keys are revoked is
// refused on the connection it already has open, not only on new ones
// (regression: the node proof was checked once, when the connection
// opened, and a kept-alive connection outlived the revocation).
func TestRevokedPeerLosesOpenConnection(t *testing.T) {
	f := newTestFed(t)
	a, h := newTestNode(t, f, orgOld, ""), newTestNode(t, f, orgHub, "")
	link(t, a, h)
	manual := func(n *Node) { n.Manual = true }
	h.start(t, manual)
	a.start(t, manual)
	ctx := context.Background()
	if err := a.node.Sync(ctx, orgHub); err != nil {
		t.Fatal(err)
	}
	for _, k := range f.ids[orgOld].KeySet().Keys {
		if err := f.doc.Revoke(k.ID(), time.Time{}, trust.ReasonKeyCompromise, f.now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.node.UpdateRegistry(f.sign(t, f.auth[0], f.auth[1])); err != nil {
		t.Fatal(err)
	}
	// A's connection to the hub is still open and idle: the next round
	// goes over it.
	err := a.node.Sync(ctx, orgHub)
	if err == nil || !strings.Contains(err.Error(), "no longer holds") {
		t.Errorf("a revoked peer's round on its open connection: %v, want it refused", err)
	}
}

// TestWaitLimit: a peer holds at most MaxWaitsPerPeer wait requests at
// once (regression: each wait costs a goroutine and a store query every
// PollInterval, and their number was unbounded).
func TestWaitLimit(t *testing.T) {
	f := sharedFed(t)
	a, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgHub, "")
	link(t, a, h)
	h.start(t, nil)
	a.start(t, func(n *Node) { n.Manual = true })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := a.node.link(orgHub)
	var wg sync.WaitGroup
	for range MaxWaitsPerPeer {
		wg.Go(func() { a.node.waitFor(ctx, l, h.coll, time.Time{}, 1, 50*time.Second) })
	}
	open := func() int64 {
		v, ok := h.node.waits.Load(orgFR)
		if !ok {
			return 0
		}
		return v.(*atomic.Int64).Load()
	}
	eventually(t, "the hub holds MaxWaitsPerPeer waits", func() bool { return open() == MaxWaitsPerPeer })
	_, err := a.node.waitFor(ctx, l, h.coll, time.Time{}, 1, 50*time.Second)
	if err == nil || !strings.Contains(err.Error(), "MaxWaitsPerPeer") {
		t.Errorf("one wait more: %v, want it refused", err)
	}
	cancel()
	wg.Wait()
	eventually(t, "the waits end", func() bool { return open() == 0 })
}

// fakePeer serves handler on the node link of a test node for org: a peer
// that does not follow the protocol.
func fakePeer(t *testing.T, f *testFed, org string, handler http.HandlerFunc) *testNode {
	t.Helper()
	p := newTestNode(t, f, org, "")
	h := http.Handler(handler)
	p.handler.Store(&h)
	return p
}

// TestHostilePeerPages: a peer cannot make a node follow more than
// MaxPeerCollections collections, nor hand it pages larger than it asked
// for (regression: both were unbounded, each collection costing a puller
// holding up to three pages of MaxResponseBytes).
func TestHostilePeerPages(t *testing.T) {
	f := sharedFed(t)
	var collections atomic.Int64
	collections.Store(1)
	p := fakePeer(t, f, orgHub, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
		switch {
		case strings.HasSuffix(r.URL.Path, "/collections/"):
			var cs []string
			for i := range collections.Load() {
				cs = append(cs, fmt.Sprintf(`{"id":"c%d","title":"c","can_read":true,"can_write":false}`, i))
			}
			fmt.Fprintf(w, `{"collections":[%s]}`, strings.Join(cs, ","))
		case strings.HasSuffix(r.URL.Path, "/objects/"):
			w.Header().Set("X-TAXII-Date-Added-First", "2026-01-01T00:00:00.000000Z")
			w.Header().Set("X-TAXII-Date-Added-Last", "2026-01-01T00:00:01.000000Z")
			fmt.Fprint(w, `{"more":false,"objects":[{},{},{}]}`)
		default:
			http.NotFound(w, r)
		}
	})
	a := newTestNode(t, f, orgFR, "")
	a.peer(t, p)
	a.start(t, func(n *Node) { n.Manual, n.PageSize = true, 2 })
	ctx := context.Background()
	err := a.node.Sync(ctx, orgHub)
	if err == nil || !strings.Contains(err.Error(), "more than the 2 asked for") {
		t.Errorf("a page of 3 objects when 2 were asked for: %v", err)
	}
	collections.Store(MaxPeerCollections + 1)
	if err := a.node.Sync(ctx, orgHub); !errors.Is(err, ErrTooManyCollections) {
		t.Errorf("a peer with %d collections: %v, want ErrTooManyCollections", collections.Load(), err)
	}
}

// TestPeerAnsweringAtOnceIsThrottled: a peer that answers every wait at
// once with nothing to pull does not keep a node pulling in a loop
// (regression: each such answer was followed at once by a round and a
// status write, as fast as the network allowed).
func TestPeerAnsweringAtOnceIsThrottled(t *testing.T) {
	f := sharedFed(t)
	var waits, pages atomic.Int64
	p := fakePeer(t, f, orgHub, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
		switch {
		case strings.HasSuffix(r.URL.Path, "/collections/"):
			fmt.Fprint(w, `{"collections":[{"id":"c0","title":"c","can_read":true,"can_write":false}]}`)
		case strings.HasSuffix(r.URL.Path, "/objects/"):
			pages.Add(1)
			fmt.Fprint(w, `{"more":false}`)
		case r.URL.Path == pathWait:
			waits.Add(1)
			fmt.Fprint(w, `{"changed":true,"registry_version":1}`)
		default:
			http.NotFound(w, r)
		}
	})
	a := newTestNode(t, f, orgFR, "")
	a.peer(t, p)
	a.start(t, func(n *Node) { n.RetryMin, n.RetryMax = 10*time.Minute, 10*time.Minute })
	eventually(t, "A pulls after the first wait", func() bool { return pages.Load() >= 2 })
	a.stopNode()
	if w, pg := waits.Load(), pages.Load(); w != 1 || pg != 2 {
		t.Errorf("A asked %d waits and %d pages; want 1 and 2, then a pause", w, pg)
	}
}

func TestEmptyChangePause(t *testing.T) {
	for k, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: time.Minute} {
		if got := emptyChangePause(k, time.Second, time.Minute); got != want {
			t.Errorf("pause after %d: %s, want %s", k, got, want)
		}
	}
}
