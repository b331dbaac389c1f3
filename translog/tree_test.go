package translog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
)

// refRoot is MTH as RFC 9162 section 2.1.1 writes it, recursing over
// the leaves, with none of Tree's caching.
func refRoot(leaves []Hash) Hash {
	switch n := int64(len(leaves)); n {
	case 0:
		return EmptyRoot
	case 1:
		return leaves[0]
	default:
		k := split(n)
		return NodeHash(refRoot(leaves[:k]), refRoot(leaves[k:]))
	}
}

func testLeaves(n int) []Hash {
	out := make([]Hash, n)
	for i := range out {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		out[i] = LeafHash(b[:])
	}
	return out
}

func TestLeafAndNodeHash(t *testing.T) {
	// RFC 9162: the empty tree's root is SHA-256 of the empty string,
	// and leaves and nodes are told apart by their first byte.
	if got, want := EmptyRoot, Hash(sha256.Sum256(nil)); got != want {
		t.Errorf("EmptyRoot = %s, want %s", got, want)
	}
	if got, want := LeafHash([]byte("a")), Hash(sha256.Sum256([]byte("\x00a"))); got != want {
		t.Errorf("LeafHash(a) = %s, want %s", got, want)
	}
	l, r := LeafHash([]byte("l")), LeafHash([]byte("r"))
	if got, want := NodeHash(l, r), Hash(sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))); got != want {
		t.Errorf("NodeHash = %s, want %s", got, want)
	}
	if LeafHash(append(l[:], r[:]...)) == NodeHash(l, r) {
		t.Error("a leaf of two hashes has the hash of the node over them")
	}
}

func TestRootMatchesDefinition(t *testing.T) {
	leaves := testLeaves(70)
	var tr Tree
	for n := 0; n <= len(leaves); n++ {
		if n > 0 {
			tr.Append(leaves[n-1])
		}
		for m := 0; m <= n; m++ {
			got, err := tr.Root(int64(m))
			if err != nil {
				t.Fatal(err)
			}
			if want := refRoot(leaves[:m]); got != want {
				t.Fatalf("size %d: Root(%d) = %s, want %s", n, m, got, want)
			}
		}
	}
	if _, err := tr.Root(71); err == nil {
		t.Error("Root beyond the tree's size gave no error")
	}
}

// TestProofsVerifyForEverySize checks, for every tree size n up to 64,
// every leaf's inclusion proof at every size m ≤ n and every consistency
// proof from m to n, and that changing any hash of a proof, or the
// sizes, makes it fail.
func TestProofsVerifyForEverySize(t *testing.T) {
	leaves := testLeaves(64)
	var tr Tree
	tr.Append(leaves...)
	roots := make([]Hash, len(leaves)+1)
	for n := range roots {
		roots[n] = refRoot(leaves[:n])
	}
	for n := int64(1); n <= 64; n++ {
		for i := int64(0); i < n; i++ {
			p, err := tr.InclusionProof(i, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(i, n, leaves[i], p, roots[n]); err != nil {
				t.Fatalf("inclusion of %d in %d: %v", i, n, err)
			}
			for j := range p {
				bad := append([]Hash(nil), p...)
				bad[j][0] ^= 1
				if err := VerifyInclusion(i, n, leaves[i], bad, roots[n]); !errors.Is(err, ErrProof) {
					t.Fatalf("inclusion of %d in %d with hash %d flipped: got %v, want ErrProof", i, n, j, err)
				}
			}
			if err := VerifyInclusion(i, n, leaves[(i+1)%64], p, roots[n]); err == nil && leaves[(i+1)%64] != leaves[i] {
				t.Fatalf("inclusion of %d in %d verified for another leaf", i, n)
			}
			if n > 1 {
				if err := VerifyInclusion((i+1)%n, n, leaves[i], p, roots[n]); err == nil {
					t.Fatalf("inclusion of %d in %d verified at index %d", i, n, (i+1)%n)
				}
			}
			if len(p) > 0 {
				if err := VerifyInclusion(i, n, leaves[i], p[:len(p)-1], roots[n]); err == nil {
					t.Fatalf("inclusion of %d in %d verified with the path cut short", i, n)
				}
			}
		}
		for m := int64(0); m <= n; m++ {
			p, err := tr.ConsistencyProof(m, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(m, n, roots[m], roots[n], p); err != nil {
				t.Fatalf("consistency %d to %d: %v", m, n, err)
			}
			for j := range p {
				bad := append([]Hash(nil), p...)
				bad[j][5] ^= 0x80
				if err := VerifyConsistency(m, n, roots[m], roots[n], bad); !errors.Is(err, ErrProof) {
					t.Fatalf("consistency %d to %d with hash %d flipped: got %v, want ErrProof", m, n, j, err)
				}
			}
			if m > 0 && m < n {
				other := roots[n]
				other[0] ^= 1
				if err := VerifyConsistency(m, n, roots[m], other, p); err == nil {
					t.Fatalf("consistency %d to %d verified against another second root", m, n)
				}
				if err := VerifyConsistency(m, n, roots[m-1], roots[n], p); err == nil && roots[m-1] != roots[m] {
					t.Fatalf("consistency %d to %d verified against the root of size %d", m, n, m-1)
				}
			}
		}
	}
}

// TestForkedTreesAreInconsistent checks what fork detection rests on: two
// trees that agree up to some size and then differ have no consistency
// proof between the shorter prefix of one and the other.
func TestForkedTreesAreInconsistent(t *testing.T) {
	a, b := testLeaves(20), testLeaves(20)
	b[12] = LeafHash([]byte("another entry"))
	var ta, tb Tree
	ta.Append(a...)
	tb.Append(b...)
	for m := int64(13); m <= 20; m++ {
		p, err := tb.ConsistencyProof(m, 20)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(m, 20, refRoot(a[:m]), refRoot(b), p); err == nil {
			t.Errorf("the fork's proof from %d to 20 verified against the other branch's root", m)
		}
	}
}

func TestParseHash(t *testing.T) {
	h := LeafHash([]byte("x"))
	for _, s := range []string{h.String(), hex.EncodeToString(h[:])} {
		got, err := ParseHash(s)
		if err != nil || got != h {
			t.Errorf("ParseHash(%q) = %s, %v; want %s", s, got, err, h)
		}
	}
	for _, s := range []string{"", "abc", h.String() + "A", "zz" + hex.EncodeToString(h[:])[2:]} {
		if _, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q): no error", s)
		}
	}
}

func TestEntryDataCanonical(t *testing.T) {
	a, err := EntryHash([]byte(`{"b": 1, "a": "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := EntryHash([]byte(`{"a":"x","b":1.0}`))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("two encodings of one document have different leaves: %s, %s", a, b)
	}
	if _, err := EntryHash([]byte(`{"a":`)); err == nil {
		t.Error("a document that is not JSON gave no error")
	}
}

// FuzzProofs checks proofs over trees of fuzzed sizes and indexes, and
// that a proof with a fuzzed hash flipped fails.
func FuzzProofs(f *testing.F) {
	f.Add(uint16(7), uint16(3), uint16(5), uint8(0))
	f.Add(uint16(1000), uint16(512), uint16(999), uint8(3))
	f.Add(uint16(1), uint16(0), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, size, m, i uint16, flip uint8) {
		n := int64(size%2048) + 1
		mm := int64(m) % (n + 1)
		ii := int64(i) % n
		leaves := testLeaves(int(n))
		var tr Tree
		tr.Append(leaves...)
		rootN, _ := tr.Root(n)
		rootM, _ := tr.Root(mm)
		p, err := tr.InclusionProof(ii, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(ii, n, leaves[ii], p, rootN); err != nil {
			t.Fatalf("inclusion %d in %d: %v", ii, n, err)
		}
		c, err := tr.ConsistencyProof(mm, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(mm, n, rootM, rootN, c); err != nil {
			t.Fatalf("consistency %d to %d: %v", mm, n, err)
		}
		if len(p) > 0 {
			p[int(flip)%len(p)][int(flip)%HashSize] ^= 1
			if VerifyInclusion(ii, n, leaves[ii], p, rootN) == nil {
				t.Fatalf("inclusion %d in %d verified with a flipped hash", ii, n)
			}
		}
		if len(c) > 0 {
			c[int(flip)%len(c)][int(flip)%HashSize] ^= 1
			if VerifyConsistency(mm, n, rootM, rootN, c) == nil {
				t.Fatalf("consistency %d to %d verified with a flipped hash", mm, n)
			}
		}
	})
}
