package federation

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

func TestParseWaitQuery(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  *waitQuery
		err   string
	}{
		{"collection=c1", &waitQuery{collection: "c1"}, ""},
		{"collection=c1&added_after=2026-11-02T10:00:00.000001Z&registry_version=3&timeout=25",
			&waitQuery{collection: "c1", addedAfter: time.Date(2026, 11, 2, 10, 0, 0, 1000, time.UTC), registryVersion: 3, timeout: 25 * time.Second}, ""},
		{"", nil, "wait needs the collection"},
		{"collection=c1&timeout=61", nil, "timeout must be whole seconds from 0 to 60"},
		{"collection=c1&timeout=1.5", nil, "timeout must be whole seconds"},
		{"collection=c1&registry_version=-1", nil, "registry_version must be a version number"},
		{"collection=c1&added_after=yesterday", nil, "added_after"},
		{"collection=c1&collection=c2", nil, `"collection" given 2 times`},
		{"collection=c1&limit=3", nil, `unknown query parameter "limit"`},
		{"collection=%zz", nil, "malformed query string"},
	} {
		got, err := parseWaitQuery(tc.query)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseWaitQuery(%q): %v, want an error saying %q", tc.query, err, tc.err)
			}
		case err != nil:
			t.Errorf("parseWaitQuery(%q): %v", tc.query, err)
		case *got != *tc.want:
			t.Errorf("parseWaitQuery(%q) = %+v, want %+v", tc.query, got, tc.want)
		}
	}
}

func FuzzParseWaitQuery(f *testing.F) {
	f.Add("collection=c1&added_after=2026-11-02T10:00:00.000001Z&registry_version=3&timeout=25")
	f.Add("collection=&timeout=-1")
	f.Fuzz(func(t *testing.T, q string) {
		w, err := parseWaitQuery(q)
		if err != nil {
			return
		}
		if w.collection == "" || w.timeout < 0 || w.timeout > MaxWaitTimeout || w.registryVersion < 0 {
			t.Fatalf("parseWaitQuery(%q) accepted %+v", q, w)
		}
	})
}

// TestRelease checks what a node serves each peer, object by object: the
// distribution rules, sealing of its own addressed and RED objects, and
// the node's own additions (nothing unsigned, nothing back to its creator).
func TestRelease(t *testing.T) {
	f := sharedFed(t)
	reg := f.registry(t)
	nodeOf := func(org string) *Node {
		v := trust.NewVerifier(reg, trust.DefaultPolicy())
		n := &Node{Identity: f.ids[org], Verifier: v}
		n.dist = trust.Distribution{Local: org, Registry: v.Registry}
		return n
	}
	fr, hub := nodeOf(orgFR), nodeOf(orgHub)
	signed := func(org string, tlp stix.TLP, to ...string) *stix.Object {
		o := object(t, org, tlp, "x", "")
		if len(to) > 0 {
			var err error
			if o, err = trust.Address(o, to...); err != nil {
				t.Fatal(err)
			}
		}
		return f.signed(t, o)
	}
	env, err := f.ids[orgDE].Seal([]*stix.Object{signed(orgDE, stix.TLPRed)}, reg, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	badAddress := f.signed(t, object(t, orgFR, stix.TLPGreen, "x", `,"extensions":{"`+stix.RecipientsExtensionID+`":{"extension_type":"property-extension","recipients":[]}}`))

	const (
		none   = "nothing"
		itself = "itself"
		sealed = "sealed"
	)
	for _, tc := range []struct {
		name string
		node *Node
		obj  *stix.Object
		want map[string]string // peer -> what it gets
		to   []string          // recipients of the envelope served
	}{
		{"own GREEN", fr, signed(orgFR, stix.TLPGreen), map[string]string{orgDE: itself, orgObs: itself, orgHub: itself, orgFR: none}, nil},
		{"own CLEAR", fr, signed(orgFR, stix.TLPClear), map[string]string{orgObs: itself}, nil},
		{"own AMBER", fr, signed(orgFR, stix.TLPAmber), map[string]string{orgDE: itself, orgHub: itself, orgObs: none}, nil},
		{"own unmarked", fr, signed(orgFR, stix.TLPUnmarked), map[string]string{orgDE: itself, orgObs: none}, nil},
		{"relayed GREEN", hub, signed(orgFR, stix.TLPGreen), map[string]string{orgIT: itself, orgFR: none}, nil},
		{"relayed AMBER", hub, signed(orgFR, stix.TLPAmber), map[string]string{orgIT: none, orgDE: none}, nil},
		{"own RED to IT", fr, signed(orgFR, stix.TLPRed, orgIT), map[string]string{orgIT: sealed, orgHub: sealed, orgDE: none, orgObs: none}, []string{orgIT}},
		{"own AMBER+STRICT to DE, IT", fr, signed(orgFR, stix.TLPAmberStrict, orgDE, orgIT), map[string]string{orgIT: sealed, orgDE: sealed, orgHub: sealed, orgObs: none}, []string{orgDE, orgIT}},
		{"own GREEN to the observer", fr, signed(orgFR, stix.TLPGreen, orgObs), map[string]string{orgObs: sealed, orgDE: none}, []string{orgObs}},
		{"own RED to nobody", fr, signed(orgFR, stix.TLPRed), map[string]string{orgIT: none, orgHub: none}, nil},
		{"another's RED it opened", hub, signed(orgFR, stix.TLPRed, orgHub), map[string]string{orgIT: none, orgDE: none}, nil},
		{"another's addressed GREEN", hub, signed(orgFR, stix.TLPGreen, orgIT), map[string]string{orgIT: none}, nil},
		{"malformed addressing", fr, badAddress, map[string]string{orgDE: none, orgHub: none}, nil},
		{"unsigned GREEN", fr, object(t, orgFR, stix.TLPGreen, "x", ""), map[string]string{orgDE: none}, nil},
		{"envelope at the hub", hub, env, map[string]string{orgIT: itself, orgFR: none, orgDE: none}, nil},
		{"non-member", fr, signed(orgFR, stix.TLPClear), map[string]string{"identity--77777777-7777-4777-8777-777777777777": none}, nil},
	} {
		for peer, want := range tc.want {
			out := tc.node.release(tc.obj, peer)
			got := none
			switch {
			case out == tc.obj:
				got = itself
			case out != nil && out.Type == trust.SealedType:
				got = sealed
				to, err := trust.SealedRecipients(out)
				if err != nil || !slices.Equal(to, tc.to) {
					t.Errorf("%s to %s: sealed to %v (%v), want %v", tc.name, orgNames[peer], to, err, tc.to)
				}
			case out != nil:
				got = "another object"
			}
			if got != want {
				t.Errorf("%s to %s: %s, want %s", tc.name, orgNames[peer], got, want)
			}
		}
	}
}

// TestWait checks the long poll: it answers at once when the collection
// has something newer or the node trusts a newer registry, as soon as
// something is added, and after its timeout otherwise.
func TestWait(t *testing.T) {
	f := sharedFed(t)
	a, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgHub, "")
	link(t, a, h)
	h.start(t, nil)
	a.start(t, func(n *Node) { n.Manual, n.WaitTimeout = true, time.Second })
	ctx := context.Background()
	l := a.node.link(orgHub)
	colls, err := a.node.discover(ctx, l)
	if err != nil || len(colls) != 1 || colls[0] != h.coll {
		t.Fatalf("A discovers %v (%v) at the hub, want its collection %s", colls, err, h.coll)
	}

	res, err := a.node.wait(ctx, l, h.coll, time.Time{}, 0)
	if err != nil || res.Changed || res.RegistryVersion != 1 {
		t.Errorf("wait with an older registry: %+v, %v; want at once, version 1, nothing new", res, err)
	}
	res, err = a.node.wait(ctx, l, h.coll, time.Time{}, 1)
	if err != nil || res.Changed {
		t.Errorf("wait on an empty collection: %+v, %v; want a timeout", res, err)
	}

	o := f.signed(t, object(t, orgFR, stix.TLPGreen, "x", ""))
	done := make(chan *waitResult)
	go func() {
		res, err := a.node.wait(ctx, l, h.coll, time.Time{}, 1)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	h.add(t, o)
	if res := <-done; res == nil || !res.Changed {
		t.Errorf("wait while an object was added: %+v, want changed", res)
	}
	res, err = a.node.wait(ctx, l, h.coll, h.lastAdded(t), 1)
	if err != nil || res.Changed {
		t.Errorf("wait after the last version: %+v, %v; want nothing new", res, err)
	}
	if _, err := a.node.wait(ctx, l, "no-such-collection", time.Time{}, 1); err == nil || !strings.Contains(err.Error(), "not federated by this node") {
		t.Errorf("wait on a collection the hub does not federate: %v", err)
	}
}
