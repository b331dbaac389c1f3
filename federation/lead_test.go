package federation

import (
	"context"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// TestStandbyLead: a Standby node serves its peers but pulls only while
// Lead runs; a second Lead resumes from the recorded cursor, and what was
// pulled is held once.
func TestStandbyLead(t *testing.T) {
	f := sharedFed(t)
	a, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgHub, "")
	link(t, a, h)
	h.start(t, nil)
	a.start(t, func(n *Node) { n.Standby = true })

	first := f.signed(t, object(t, orgHub, stix.TLPGreen, "first", ""))
	h.add(t, first)
	// A standing-by node pulls nothing. A wait bounded by the peers'
	// retry back-off (500 ms here) would have let a pulling node fetch it.
	time.Sleep(time.Second)
	if a.has(t, first.ID) {
		t.Fatal("a Standby node pulled from its peer")
	}
	// The hub pulls from A meanwhile: a Standby node serves its peers.
	fromA := f.signed(t, object(t, orgFR, stix.TLPGreen, "from-a", ""))
	a.add(t, fromA)
	eventually(t, "the hub holds A's object from the Standby node", func() bool { return h.has(t, fromA.ID) })

	lead := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.node.Lead(ctx); close(done) }()
		return func() { cancel(); <-done }
	}
	stop := lead()
	eventually(t, "A holds the hub's object once it leads", func() bool { return a.has(t, first.ID) })
	stop()

	second := f.signed(t, object(t, orgHub, stix.TLPGreen, "second", ""))
	h.add(t, second)
	time.Sleep(time.Second)
	if a.has(t, second.ID) {
		t.Fatal("A pulled after Lead returned")
	}
	stop = lead()
	defer stop()
	eventually(t, "A holds the second object when it leads again", func() bool { return a.has(t, second.ID) })
	counts := map[string]int{}
	for _, o := range a.all(t) {
		counts[o.ID]++
	}
	for _, id := range []string{first.ID, second.ID, fromA.ID} {
		if counts[id] != 1 {
			t.Errorf("A holds %d versions of %s, want 1", counts[id], id)
		}
	}
}
