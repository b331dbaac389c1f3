package web

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

// memLog is a transparency log of entries in memory.
type memLog struct {
	id      *trust.Identity
	tree    translog.Tree
	entries []*rampart.LogEntry
}

func (l *memLog) add(objectID string) translog.Hash {
	h := translog.LeafHash([]byte(objectID))
	l.entries = append(l.entries, &rampart.LogEntry{Index: int64(len(l.entries)), LeafHash: h[:], Kind: rampart.LogObject, ObjectID: objectID, Version: "2026-02-01T00:00:00.000Z", At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)})
	l.tree.Append(h)
	return h
}

func (l *memLog) SignedHead(context.Context) (*translog.SignedHead, error) {
	n := l.tree.Size()
	root, err := l.tree.Root(n)
	if err != nil {
		return nil, err
	}
	return translog.SignHead(l.id, n, root, time.Now())
}

func (l *memLog) ConsistencyProof(_ context.Context, first, second int64) ([]translog.Hash, error) {
	p, err := l.tree.ConsistencyProof(first, second)
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	return p, nil
}

func (l *memLog) Inclusion(_ context.Context, leaf translog.Hash, size int64) (*translog.InclusionProof, *rampart.LogEntry, error) {
	for _, e := range l.entries {
		if translog.Hash(e.LeafHash) == leaf {
			p, err := l.tree.InclusionProof(e.Index, size)
			if err != nil {
				return nil, nil, rampart.Errorf(rampart.EINVALID, "%v", err)
			}
			return &translog.InclusionProof{LeafIndex: e.Index, TreeSize: size, LeafHash: leaf, Path: p}, e, nil
		}
	}
	return nil, nil, rampart.Errorf(rampart.ENOTFOUND, "no such entry")
}

func (l *memLog) Entries(_ context.Context, start, end int64) ([]*rampart.LogEntry, error) {
	end = min(end, int64(len(l.entries)))
	if start >= end {
		return nil, nil
	}
	return l.entries[start:end], nil
}

func (l *memLog) FindEntries(_ context.Context, id string) ([]*rampart.LogEntry, error) {
	var out []*rampart.LogEntry
	for _, e := range l.entries {
		if e.ObjectID == id {
			out = append(out, e)
		}
	}
	return out, nil
}

func TestTransparencyLogAPI(t *testing.T) {
	n := newNode(t)
	id, err := trust.GenerateIdentity(trust.EUPQBase, auditDE)
	must(t, err)
	l := &memLog{id: id}
	var leaves []translog.Hash
	for i := range 5 {
		leaves = append(leaves, l.add(fmt.Sprintf("indicator--00000000-0000-4000-8000-00000000000%d", i)))
	}
	n.want(n.do("reader", "GET", "/api/v1/log/head", ""), 503, "no transparency log")
	n.api.Log = l

	a := n.do("reader", "GET", "/api/v1/log/head", "")
	n.want(a, 200, `"type":"x-rampart-tree-head"`, `"tree_size":5`)
	head, err := translog.ParseSignedHead([]byte(a.body))
	must(t, err)

	a = n.do("reader", "GET", "/api/v1/log/inclusion?hash="+leaves[2].String(), "")
	n.want(a, 200, `"leaf_index":2`, `"tree_size":5`, `"object_id":"indicator--00000000-0000-4000-8000-000000000002"`)
	var inc struct {
		Proof translog.InclusionProof `json:"proof"`
	}
	must(t, json.Unmarshal([]byte(a.body), &inc))
	if inc.Proof.Head == nil {
		t.Fatal("the inclusion proof of the log as it is now has no head")
	}
	if err := inc.Proof.Verify(head, leaves[2]); err != nil {
		t.Errorf("the inclusion proof the API gave does not verify: %v", err)
	}
	a = n.do("reader", "GET", "/api/v1/log/inclusion?id=indicator--00000000-0000-4000-8000-000000000004&size=5", "")
	n.want(a, 200, `"leaf_index":4`)

	l.add("indicator--00000000-0000-4000-8000-000000000005")
	a = n.do("reader", "GET", "/api/v1/log/consistency?first=5", "")
	n.want(a, 200, `"first":5`, `"second":6`, `"second_head":`)
	var cp translog.ConsistencyProof
	must(t, json.Unmarshal([]byte(a.body), &cp))
	if err := cp.Verify(head, cp.SecondHead); err != nil {
		t.Errorf("the consistency proof the API gave does not verify: %v", err)
	}
	n.want(n.do("reader", "GET", "/api/v1/log/consistency?first=2&second=4", ""), 200, `"first":2`, `"second":4`)

	n.want(n.do("admin", "GET", "/api/v1/log/entries?start=1&end=3", ""), 200,
		`"index":1`, `"index":2`, `"leaf_hash":"`+leaves[1].String()+`"`, `"kind":"object"`, `"at":"2026-03-01T09:00:00Z"`)
	n.want(n.do("reader", "GET", "/api/v1/log/entries", ""), 403)

	for _, bad := range []struct{ path, says string }{
		{"/api/v1/log/inclusion", "hash=LEAF_HASH or id=OBJECT_ID"},
		{"/api/v1/log/inclusion?hash=xyz", "parameter hash"},
		{"/api/v1/log/inclusion?hash=" + leaves[0].String() + "&size=-1", "parameter size"},
		{"/api/v1/log/consistency", "parameter first"},
		{"/api/v1/log/consistency?first=9", ""},
		{"/api/v1/log/entries?start=x", "parameter start"},
	} {
		n.want(n.do("admin", "GET", bad.path, ""), 400, bad.says)
	}
	n.want(n.do("reader", "GET", "/api/v1/log/inclusion?id=indicator--00000000-0000-4000-8000-000000000009", ""), 404)
}
