package federation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// TestPropagation sends an object from A through the hub to C (and B), and
// one back from C to A, and checks the peers' status.
func TestPropagation(t *testing.T) {
	f := sharedFed(t)
	a, b, c, h := star(t, f)

	fromA := f.signed(t, object(t, orgFR, stix.TLPGreen, "from-A", ""))
	a.add(t, fromA)
	for _, n := range []*testNode{h, b, c} {
		eventually(t, orgNames[n.org]+" holds A's object", func() bool { return n.has(t, fromA.ID) })
	}

	fromC := f.signed(t, object(t, orgIT, stix.TLPClear, "from-C", ""))
	c.add(t, fromC)
	eventually(t, "A holds C's object", func() bool { return a.has(t, fromC.ID) })

	// Status on both ends of the hub's links.
	eventually(t, "the hub records what it served C", func() bool { return h.status(t, orgIT).ObjectsOut >= 1 })
	eventually(t, "C records what it stored", func() bool { return c.status(t, orgHub).ObjectsIn >= 1 })
	st := c.status(t, orgHub)
	if st.ObjectsIn != 1 || st.LastSync.IsZero() || st.Rejections != 0 || len(st.Cursors) != 1 {
		t.Errorf("C's status of the hub: in %d, last sync %v, rejections %d, cursors %d; want 1 in, synced, none rejected, 1 cursor", st.ObjectsIn, st.LastSync, st.Rejections, len(st.Cursors))
	}
	if lag := st.Lag(); lag < 0 || lag > time.Minute {
		t.Errorf("C's lag behind the hub: %v", lag)
	}
	// A is never sent its own object back: it received C's alone.
	eventually(t, "A's status counts C's object", func() bool { return a.status(t, orgHub).ObjectsIn == 1 })
	if got := len(a.all(t)); got != 2 {
		t.Errorf("A holds %d versions, want its own and C's", got)
	}
	eventually(t, "the hub records what A sent", func() bool { return h.status(t, orgFR).ObjectsIn >= 1 })
	if st := h.status(t, orgFR); st.ObjectsIn != 1 || st.Rejections != 0 {
		t.Errorf("the hub's status of A: in %d, rejections %d; want 1 and 0", st.ObjectsIn, st.Rejections)
	}
}

// TestAccessMatrix sends objects of every TLP level, addressed and not,
// from A and from B, and checks, for every node, that it can read exactly
// what it may: the marker of each object appears in a node's database
// files (write-ahead log included) only where the rules let it go. Sealed
// objects cross the hub as envelopes it cannot open.
func TestAccessMatrix(t *testing.T) {
	f := sharedFed(t)
	a, b, c, h := star(t, f)
	nodes := []*testNode{a, b, c, h}

	addressed := func(o *stix.Object, to ...string) *stix.Object {
		o, err := trust.Address(o, to...)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	type row struct {
		name  string
		from  *testNode
		obj   *stix.Object
		reads []*testNode // nodes that may read it, besides its creator
	}
	mk := func(from *testNode, tlp stix.TLP, name string, to ...string) *stix.Object {
		o := object(t, from.org, tlp, "marker-"+stix.NewUUID()+"-"+name, "")
		if len(to) > 0 {
			o = addressed(o, to...)
		}
		return f.signed(t, o)
	}
	rows := []row{
		{"CLEAR", a, mk(a, stix.TLPClear, "clear"), []*testNode{b, c, h}},
		{"GREEN", a, mk(a, stix.TLPGreen, "green"), []*testNode{b, c, h}},
		{"AMBER: every member state, sealed", a, mk(a, stix.TLPAmber, "amber"), []*testNode{b, c}},
		{"unmarked: as AMBER", a, mk(a, stix.TLPUnmarked, "unmarked"), []*testNode{b, c}},
		{"AMBER+STRICT to C", a, mk(a, stix.TLPAmberStrict, "strict-c", orgIT), []*testNode{c}},
		{"RED to C", a, mk(a, stix.TLPRed, "red-c", orgIT), []*testNode{c}},
		{"RED to B and C", a, mk(a, stix.TLPRed, "red-bc", orgDE, orgIT), []*testNode{b, c}},
		{"RED to the hub", a, mk(a, stix.TLPRed, "red-hub", orgHub), []*testNode{h}},
		{"RED to nobody", a, mk(a, stix.TLPRed, "red-none"), nil},
		{"AMBER+STRICT to nobody", a, mk(a, stix.TLPAmberStrict, "strict-none"), nil},
		{"GREEN to B", a, mk(a, stix.TLPGreen, "green-b", orgDE), []*testNode{b}},
		{"GREEN to the observer", a, mk(a, stix.TLPGreen, "green-obs", orgObs), nil},
		{"unsigned GREEN", a, object(t, orgFR, stix.TLPGreen, "marker-"+stix.NewUUID()+"-unsigned", ""), nil},
		{"GREEN from B", b, mk(b, stix.TLPGreen, "b-green"), []*testNode{a, c, h}},
		{"AMBER from B", b, mk(b, stix.TLPAmber, "b-amber"), []*testNode{a, c}},
		{"RED from B to A", b, mk(b, stix.TLPRed, "b-red-a", orgFR), []*testNode{a}},
	}
	for _, r := range rows {
		r.from.add(t, r.obj)
	}
	// Sentinels: each node pulls in order, and the outbox seals in order,
	// so once the last objects from A and from B, clear and sealed, have
	// reached every node, everything before them has been dealt with.
	sentA, sentB := mk(a, stix.TLPClear, "sentinel-a"), mk(b, stix.TLPClear, "sentinel-b")
	sealedA, sealedB := mk(a, stix.TLPAmber, "sentinel-amber-a"), mk(b, stix.TLPAmber, "sentinel-amber-b")
	a.add(t, sentA, sealedA)
	b.add(t, sentB, sealedB)
	for _, n := range nodes {
		eventually(t, orgNames[n.org]+" holds both sentinels", func() bool { return n.has(t, sentA.ID) && n.has(t, sentB.ID) })
	}
	eventually(t, "B and C hold A's sealed sentinel", func() bool { return b.has(t, sealedA.ID) && c.has(t, sealedA.ID) })
	eventually(t, "A and C hold B's sealed sentinel", func() bool { return a.has(t, sealedB.ID) && c.has(t, sealedB.ID) })

	marker := func(o *stix.Object) string {
		var v struct {
			Name string `json:"name"`
		}
		if err := o.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v.Name
	}
	leaks := 0
	for _, r := range rows {
		m := marker(r.obj)
		for _, n := range nodes {
			want := n == r.from
			for _, x := range r.reads {
				want = want || x == n
			}
			if got := n.fileHas(t, m); got != want {
				leaks++
				t.Errorf("%s: %s can read it: %v, want %v", r.name, orgNames[n.org], got, want)
			}
			if got := n.has(t, r.obj.ID); got != want {
				t.Errorf("%s: %s holds %s: %v, want %v", r.name, orgNames[n.org], r.obj.ID, got, want)
			}
		}
	}
	if leaks > 0 {
		t.Errorf("%d cells of the access matrix are wrong", leaks)
	}

	// The hub holds the envelopes it relays but cannot open them; their
	// recipients can. Together they carry every object sealed (AMBER and
	// unmarked to every member state, the addressed ones to their
	// recipients: the observer's too, though it has no node yet) and
	// nothing else.
	var envs []*stix.Object
	for _, o := range h.all(t) {
		if o.Type == trust.SealedType {
			envs = append(envs, o)
		}
	}
	carried := map[string]bool{}
	for _, env := range envs {
		if _, err := h.id.Open(env); !errors.Is(err, trust.ErrNotRecipient) {
			t.Errorf("the hub opening envelope %s: %v, want ErrNotRecipient", env.ID, err)
		}
		to, err := trust.SealedRecipients(env)
		if err != nil {
			t.Fatal(err)
		}
		for _, org := range to {
			inner, err := f.ids[org].Open(env)
			if err != nil {
				t.Errorf("%s opening envelope %s: %v", orgNames[org], env.ID, err)
				continue
			}
			for _, o := range inner {
				if _, err := c.verifier.Verify(o); err != nil {
					t.Errorf("content of envelope %s: %v", env.ID, err)
				}
				carried[marker(o)] = true
			}
		}
	}
	for _, r := range rows {
		m := marker(r.obj)
		// The one sealed to the hub alone was opened there, and not kept
		// to relay.
		sealed := strings.Contains(m, "amber") || strings.Contains(m, "unmarked") || strings.Contains(m, "strict-c") ||
			strings.Contains(m, "red-c") || strings.Contains(m, "red-bc") ||
			strings.Contains(m, "green-b") || strings.Contains(m, "green-obs") || strings.Contains(m, "b-red-a")
		if carried[m] != sealed {
			t.Errorf("%s: carried in an envelope: %v, want %v", r.name, carried[m], sealed)
		}
	}
	// Nothing was refused anywhere: every node sent only what its peers
	// accept.
	for _, n := range []*testNode{a, b, c} {
		for _, st := range []*rampart.PeerStatus{n.status(t, orgHub), h.status(t, n.org)} {
			if st.Rejections != 0 {
				t.Errorf("rejections between %s and the hub: %+v", orgNames[n.org], st.RecentRejections[0])
			}
		}
	}
}
