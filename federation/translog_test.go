package federation

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

// memLog is a transparency log in memory, signed with a node's keys. With
// fork set, it shows the hub one tree and every other peer another of
// the same size: the misbehaviour gossip must expose.
type memLog struct {
	id *trust.Identity

	mu   sync.Mutex
	tree translog.Tree
	fork *translog.Tree // shown to every peer but the hub; nil: none
}

func (l *memLog) append(entries ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		l.tree.Append(translog.LeafHash([]byte(e)))
		if l.fork != nil {
			l.fork.Append(translog.LeafHash([]byte("other " + e)))
		}
	}
}

func (l *memLog) treeFor(ctx context.Context) *translog.Tree {
	if p, ok := trust.PeerFromContext(ctx); ok && l.fork != nil && p.Organization.ID != orgHub {
		return l.fork
	}
	return &l.tree
}

func (l *memLog) SignedHead(ctx context.Context) (*translog.SignedHead, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tr := l.treeFor(ctx)
	n := tr.Size()
	root, err := tr.Root(n)
	if err != nil {
		return nil, err
	}
	return translog.SignHead(l.id, n, root, time.Now())
}

func (l *memLog) ConsistencyProof(ctx context.Context, first, second int64) ([]translog.Hash, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.treeFor(ctx).ConsistencyProof(first, second)
}

// forkRecorder collects the forks a node reports.
type forkRecorder struct {
	mu    sync.Mutex
	forks []*translog.Fork
}

func (r *forkRecorder) record(_ context.Context, f *translog.Fork) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forks = append(r.forks, f)
}

func (r *forkRecorder) all() []*translog.Fork {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*translog.Fork(nil), r.forks...)
}

// logNetwork builds the star network with A also linked to B directly,
// each node with a log, a witness and a fork recorder, gossiping every
// 50 ms.
func logNetwork(t *testing.T, forkA bool) (nodes map[string]*testNode, logs map[string]*memLog, rec map[string]*forkRecorder) {
	f := sharedFed(t)
	a, b, c, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgDE, ""), newTestNode(t, f, orgIT, ""), newTestNode(t, f, orgHub, "")
	for _, n := range []*testNode{a, b, c} {
		link(t, n, h)
	}
	link(t, a, b)
	nodes = map[string]*testNode{orgFR: a, orgDE: b, orgIT: c, orgHub: h}
	logs, rec = map[string]*memLog{}, map[string]*forkRecorder{}
	for org, tn := range nodes {
		logs[org] = &memLog{id: tn.id}
		if org == orgFR && forkA {
			logs[org].fork = new(translog.Tree)
		}
		logs[org].append(fmt.Sprintf("%s entry 1", org), fmt.Sprintf("%s entry 2", org), fmt.Sprintf("%s entry 3", org))
		rec[org] = &forkRecorder{}
	}
	for _, org := range []string{orgHub, orgFR, orgDE, orgIT} {
		tn := nodes[org]
		tn.start(t, func(n *Node) {
			n.Log = logs[org]
			n.Witness = &translog.Witness{Verifier: tn.verifier, Self: org}
			n.OnFork = rec[org].record
			n.GossipInterval = 50 * time.Millisecond
		})
	}
	return nodes, logs, rec
}

// TestTransparencyLogGossip checks honest logs: every node comes to hold
// every other node's latest head, also of nodes it has no link to (C
// learns A's through the hub), heads that grow are checked for
// consistency, and no fork is reported.
func TestTransparencyLogGossip(t *testing.T) {
	nodes, logs, rec := logNetwork(t, false)
	holds := func(tn *testNode, org string, size int64) bool {
		for _, h := range tn.node.Witness.Heads() {
			if h.Origin == org && h.Size == size {
				return true
			}
		}
		return false
	}
	eventually(t, "C holds A's head through the hub", func() bool { return holds(nodes[orgIT], orgFR, 3) })
	logs[orgFR].append("grown 4", "grown 5")
	eventually(t, "B holds A's grown head", func() bool { return holds(nodes[orgDE], orgFR, 5) })
	eventually(t, "C holds A's grown head", func() bool { return holds(nodes[orgIT], orgFR, 5) })
	time.Sleep(200 * time.Millisecond) // a few more rounds
	for org, r := range rec {
		if fs := r.all(); len(fs) != 0 {
			t.Errorf("%s reported a fork of honest logs: %v", orgNames[org], fs[0])
		}
	}
}

// TestTransparencyLogForkDetected is a node (A) that shows the hub one
// tree head and its other peer (B) another of the same size, both validly
// signed: B, which fetches the hub's heads, and the hub, which fetches
// B's, both find the fork and report it.
func TestTransparencyLogForkDetected(t *testing.T) {
	nodes, _, rec := logNetwork(t, true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("CERT-Bund's log:\n%s", nodes[orgDE].logs.String())
		}
	})
	for _, org := range []string{orgDE, orgHub} {
		eventually(t, orgNames[org]+" reports A's fork", func() bool { return len(rec[org].all()) > 0 })
		fs := rec[org].all()
		if len(fs) != 1 {
			t.Errorf("%s reported %d forks, want 1 (the first of a log only)", orgNames[org], len(fs))
		}
		fk := fs[0]
		if fk.Origin != orgFR || fk.A.Size != fk.B.Size || fk.A.Root == fk.B.Root {
			t.Errorf("%s's fork: origin %s, sizes %d and %d, roots %s and %s; want A's log, one size, two roots",
				orgNames[org], fk.Origin, fk.A.Size, fk.B.Size, fk.A.Root, fk.B.Root)
		}
	}
	for _, org := range []string{orgFR} {
		if fs := rec[org].all(); len(fs) != 0 {
			t.Errorf("%s reported a fork: %v", orgNames[org], fs[0])
		}
	}
}
