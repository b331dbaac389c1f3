package translog

import (
	"testing"
)

// benchTree returns a tree of n leaves.
func benchTree(b *testing.B, n int) *Tree {
	b.Helper()
	var tr Tree
	tr.Append(testLeaves(n)...)
	return &tr
}

// BenchmarkAppend is the cost of appending one leaf (amortised).
func BenchmarkAppend(b *testing.B) {
	leaves := testLeaves(1 << 16)
	var tr Tree
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tr.Append(leaves[i%len(leaves)])
	}
}

// BenchmarkRoot is the root of a tree of a million leaves at a size that
// is not a power of two: one hash per level at most.
func BenchmarkRoot(b *testing.B) {
	tr := benchTree(b, 1_000_000)
	for b.Loop() {
		if _, err := tr.Root(999_999); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInclusionProof(b *testing.B) {
	tr := benchTree(b, 1_000_000)
	for i := int64(0); b.Loop(); i++ {
		if _, err := tr.InclusionProof((i*7919)%999_999, 999_999); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConsistencyProof(b *testing.B) {
	tr := benchTree(b, 1_000_000)
	for i := int64(1); b.Loop(); i++ {
		if _, err := tr.ConsistencyProof((i*7919)%999_999+1, 999_999); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyInclusion(b *testing.B) {
	tr := benchTree(b, 1_000_000)
	leaf, _ := tr.Leaf(123_456)
	p, _ := tr.InclusionProof(123_456, 999_999)
	root, _ := tr.Root(999_999)
	for b.Loop() {
		if err := VerifyInclusion(123_456, 999_999, leaf, p, root); err != nil {
			b.Fatal(err)
		}
	}
}
