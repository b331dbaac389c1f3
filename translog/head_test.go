package translog

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

const (
	orgA = "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	orgB = "identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
)

// testFederation returns the keys of two organisations and a verifier
// whose registry lists both.
func testFederation(t *testing.T) (a, b *trust.Identity, v *trust.Verifier) {
	t.Helper()
	auth, err := trust.GenerateIdentity(trust.EUPQBase, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "authority", Keys: auth.KeySet().SigningKeys()}}, now)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]*trust.Identity{}
	for _, org := range []string{orgA, orgB} {
		id, err := trust.GenerateIdentity(trust.EUPQBase, org)
		if err != nil {
			t.Fatal(err)
		}
		ids[org] = id
		if err := doc.SetOrganization(&trust.Organization{ID: org, Name: org[10:14], Country: "EU", Role: trust.RoleNationalCSIRT, Keys: id.KeySet().Keys}, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := doc.Sign(auth); err != nil {
		t.Fatal(err)
	}
	raw, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := trust.ParseRegistry(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ids[orgA], ids[orgB], trust.NewVerifier(reg, trust.PolicyFor(trust.EUPQBase))
}

func TestSignedHeadRoundTrip(t *testing.T) {
	a, _, v := testFederation(t)
	root := LeafHash([]byte("x"))
	h, err := SignHead(a, 7, root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Verify(v); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	raw, _ := h.MarshalJSON()
	p, err := ParseSignedHead(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Origin != orgA || p.Size != 7 || p.Root != root {
		t.Errorf("parsed head = %+v, want origin %s size 7 root %s", p.Head, orgA, root)
	}
	// A head changed after signing no longer verifies.
	forged := strings.Replace(string(raw), `"tree_size":7`, `"tree_size":8`, 1)
	f, err := ParseSignedHead([]byte(forged))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Verify(v); err == nil {
		t.Error("a head whose size was changed after signing verified")
	}
	for _, bad := range []string{`{"type":"indicator"}`, `[]`, strings.Replace(string(raw), `"tree_size":7`, `"tree_size":-1`, 1)} {
		if _, err := ParseSignedHead([]byte(bad)); err == nil {
			t.Errorf("ParseSignedHead(%.40s…): no error", bad)
		}
	}
}

func TestWitnessFindsForks(t *testing.T) {
	a, b, v := testFederation(t)
	ctx := context.Background()
	var honest, forked Tree
	honest.Append(testLeaves(10)...)
	other := testLeaves(10)
	other[9] = LeafHash([]byte("shown to someone else"))
	forked.Append(other...)
	head := func(id *trust.Identity, tr *Tree, n int64) *SignedHead {
		t.Helper()
		r, err := tr.Root(n)
		if err != nil {
			t.Fatal(err)
		}
		h, err := SignHead(id, n, r, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	prove := func(tr *Tree) ProveFunc {
		return func(_ context.Context, m, n int64) ([]Hash, error) { return tr.ConsistencyProof(m, n) }
	}

	w := &Witness{Verifier: v, Self: orgB}
	if got, fork, err := w.Observe(ctx, head(a, &honest, 5), prove(&honest)); err != nil || fork != nil || got == nil {
		t.Fatalf("first head: %v, fork %v, err %v", got, fork, err)
	}
	// A grown head with a good proof is no fork.
	if _, fork, err := w.Observe(ctx, head(a, &honest, 8), prove(&honest)); err != nil || fork != nil {
		t.Fatalf("consistent head: fork %v, err %v", fork, err)
	}
	// The same head again is nothing new.
	if got, _, _ := w.Observe(ctx, head(a, &honest, 8), nil); got != nil {
		t.Errorf("a head of a size held with the same root was new")
	}
	// Its own heads are ignored.
	if got, _, err := w.Observe(ctx, head(b, &honest, 3), nil); got != nil || err != nil {
		t.Errorf("the witness's own head: %v, %v", got, err)
	}
	// Size 10 of the forked tree, then size 10 of the honest one: the
	// same size with two roots.
	if _, fork, err := w.Observe(ctx, head(a, &forked, 10), nil); err != nil || fork != nil {
		t.Fatalf("first head of size 10: fork %v, err %v", fork, err)
	}
	_, fork, err := w.Observe(ctx, head(a, &honest, 10), nil)
	if err != nil || fork == nil {
		t.Fatalf("second head of size 10 with another root: fork %v, err %v", fork, err)
	}
	if fork.Origin != orgA || !fork.First || fork.A.Root == fork.B.Root || !strings.Contains(fork.Reason, "size 10") {
		t.Errorf("fork = %+v", fork)
	}
	if got := w.Forks(); len(got) != 1 {
		t.Errorf("Forks() has %d, want 1", len(got))
	}
	// Both heads of the fork are passed on, for other witnesses to see.
	roots := map[Hash]bool{}
	for _, h := range w.Heads() {
		if h.Origin == orgA && h.Size == 10 {
			roots[h.Root] = true
		}
	}
	if len(roots) != 2 {
		t.Errorf("Heads() holds %d roots of A's size 10, want both heads of the fork", len(roots))
	}

	// A consistency proof that fails is a fork too.
	w2 := &Witness{Verifier: v}
	w2.Observe(ctx, head(a, &honest, 10), nil)
	forked.Append(testLeaves(12)[10:]...)
	_, fork, err = w2.Observe(ctx, head(a, &forked, 12), prove(&forked))
	if err != nil || fork == nil || !strings.Contains(fork.Reason, "not consistent") {
		t.Fatalf("inconsistent head: fork %v, err %v", fork, err)
	}
	// A proof that cannot be fetched is an error, not a fork, and the
	// head is not kept.
	w3 := &Witness{Verifier: v}
	w3.Observe(ctx, head(a, &honest, 4), nil)
	failing := func(context.Context, int64, int64) ([]Hash, error) { return nil, errors.New("unreachable") }
	if _, fork, err := w3.Observe(ctx, head(a, &honest, 9), failing); err == nil || fork != nil {
		t.Errorf("failing proof: fork %v, err %v", fork, err)
	}
	if hs := w3.Heads(); len(hs) != 1 || hs[0].Size != 4 {
		t.Errorf("Heads() after a failed proof = %v, want the head of size 4", hs)
	}
	// A head not signed by its origin is refused.
	h := head(a, &honest, 6)
	raw := strings.Replace(string(h.Object.Raw), orgA, orgB, 1)
	bad, err := ParseSignedHead([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w3.Observe(ctx, bad, nil); err == nil {
		t.Error("a head claiming another origin than its signer was accepted")
	}
}

func TestProofFilesVerify(t *testing.T) {
	a, b, _ := testFederation(t)
	leaves := testLeaves(9)
	var tr Tree
	tr.Append(leaves...)
	r5, _ := tr.Root(5)
	r9, _ := tr.Root(9)
	h5, err := SignHead(a, 5, r5, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h9, err := SignHead(a, 9, r9, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path, _ := tr.InclusionProof(3, 9)
	ip := &InclusionProof{LeafIndex: 3, TreeSize: 9, LeafHash: leaves[3], Path: path}
	if err := ip.Verify(h9, leaves[3]); err != nil {
		t.Errorf("inclusion: %v", err)
	}
	if err := ip.Verify(h5, leaves[3]); err == nil {
		t.Error("an inclusion proof verified against a head of another size")
	}
	if err := ip.Verify(h9, leaves[4]); err == nil {
		t.Error("an inclusion proof verified for another leaf")
	}
	cpath, _ := tr.ConsistencyProof(5, 9)
	cp := &ConsistencyProof{First: 5, Second: 9, Path: cpath}
	if err := cp.Verify(h5, h9); err != nil {
		t.Errorf("consistency: %v", err)
	}
	hb, err := SignHead(b, 9, r9, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.Verify(h5, hb); err == nil {
		t.Error("a consistency proof verified between heads of two logs")
	}
}
