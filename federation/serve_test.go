package federation

import (
	"context"
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

// TestRelease checks what a node serves each peer in clear, object by
// object: TLP:CLEAR and TLP:GREEN only (the rest leaves sealed, from the
// outbox: TestOutbox), nothing unsigned, nothing back to its creator, and
// envelopes to their recipients and to hubs.
func TestRelease(t *testing.T) {
	f := sharedFed(t)
	reg := f.registry(t)
	fr, hub := hostileNode(f, reg, orgFR), hostileNode(f, reg, orgHub)
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
	forIT, err := f.ids[orgDE].Seal([]*stix.Object{signed(orgDE, stix.TLPRed)}, reg, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	ownForIT, err := f.ids[orgFR].Seal([]*stix.Object{signed(orgFR, stix.TLPAmber)}, reg, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	badAddress := f.signed(t, object(t, orgFR, stix.TLPGreen, "x", `,"extensions":{"`+stix.RecipientsExtensionID+`":{"extension_type":"property-extension","recipients":[]}}`))
	for _, tc := range []struct {
		name string
		node *Node
		obj  *stix.Object
		want map[string]bool // peer -> receives it
	}{
		{"own GREEN", fr, signed(orgFR, stix.TLPGreen), map[string]bool{orgDE: true, orgObs: true, orgHub: true, orgFR: false}},
		{"own CLEAR", fr, signed(orgFR, stix.TLPClear), map[string]bool{orgObs: true}},
		{"own AMBER: sealed by the outbox, never in clear", fr, signed(orgFR, stix.TLPAmber), map[string]bool{orgDE: false, orgHub: false, orgObs: false}},
		{"own unmarked", fr, signed(orgFR, stix.TLPUnmarked), map[string]bool{orgDE: false, orgObs: false}},
		{"relayed GREEN", hub, signed(orgFR, stix.TLPGreen), map[string]bool{orgIT: true, orgFR: false}},
		{"own RED to IT", fr, signed(orgFR, stix.TLPRed, orgIT), map[string]bool{orgIT: false, orgHub: false}},
		{"own GREEN to the observer", fr, signed(orgFR, stix.TLPGreen, orgObs), map[string]bool{orgObs: false, orgDE: false}},
		{"another's addressed GREEN", hub, signed(orgFR, stix.TLPGreen, orgIT), map[string]bool{orgIT: false}},
		{"malformed addressing", fr, badAddress, map[string]bool{orgDE: false, orgHub: false}},
		{"unsigned GREEN", fr, object(t, orgFR, stix.TLPGreen, "x", ""), map[string]bool{orgDE: false}},
		{"an envelope relayed by the hub", hub, forIT, map[string]bool{orgIT: true, orgFR: false, orgDE: false}},
		{"own envelope", fr, ownForIT, map[string]bool{orgHub: true, orgIT: true, orgDE: false, orgObs: false}},
	} {
		for peer, want := range tc.want {
			out := release(t, tc.node, tc.obj, peer)
			if got := out == tc.obj; got != want || out != nil && out != tc.obj {
				t.Errorf("%s to %s: served %v, want %v", tc.name, orgNames[peer], got, want)
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
