package federation

import (
	"context"
	"sync"
	"testing"
	"time"
)

// rounds records what a Node tells its RoundObserver.
type rounds struct {
	mu     sync.Mutex
	stored []int64
	peers  []string
}

func (r *rounds) ObserveRound(peer string, d time.Duration, stored int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d <= 0 {
		stored = -1 // a round takes time: the test fails on it
	}
	r.peers, r.stored = append(r.peers, peer), append(r.stored, stored)
}

// TestRoundObserver checks that a round that stores versions is reported
// with their count, and a round with nothing new with 0.
func TestRoundObserver(t *testing.T) {
	f := sharedFed(t)
	h := newTestNode(t, f, orgHub, "")
	c := newTestNode(t, f, orgIT, "")
	link(t, c, h)
	h.add(t, signedObjects(t, f, 3)...)
	obs := &rounds{}
	h.start(t, func(n *Node) { n.Manual = true })
	c.start(t, func(n *Node) { n.Manual = true; n.Rounds = obs })
	ctx := context.Background()
	for range 2 {
		if err := c.node.Sync(ctx, orgHub); err != nil {
			t.Fatal(err)
		}
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.stored) != 2 || obs.stored[0] != 3 || obs.stored[1] != 0 || obs.peers[0] != orgHub || obs.peers[1] != orgHub {
		t.Errorf("rounds observed: peers %v, stored %v; want the hub twice, 3 then 0", obs.peers, obs.stored)
	}
}
